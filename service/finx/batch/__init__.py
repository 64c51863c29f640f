"""Batch processing of document folders (`finx batch`): discovery, ingestion, extraction on a
local engine or a running service, atomic JSONL results with resume, progress and a summary."""

from finx.batch.backends import LocalBackend, ServerBackend
from finx.batch.runner import BatchConfig, BatchSummary, run_batch

__all__ = ["BatchConfig", "BatchSummary", "LocalBackend", "ServerBackend", "run_batch"]
