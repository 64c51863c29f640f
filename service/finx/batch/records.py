"""One document's output line: reading it (the read stage), and turning an extraction result or a
failure into the line. Shared by the local runner and the Ray runner, so both write the same lines.

A line holds `path`, `sha256`, `bytes`, `media_type` (and `pages`, `ocr_pages` once read),
`schema`, `adapter`, then `status` (`ok`|`error`), `reason`, `retryable`, `error`, `result` and
`timings` (`read_s`, `extract_s`, `total_s`).
"""

import hashlib
import os
import stat
import time
from pathlib import Path
from typing import Any

from finx.batch.discover import Candidate, display_name, special_kind
from finx.errors import FinxError, InvalidDocument
from finx.extraction.result import ExtractionResult, locate
from finx.ingest import IngestedDocument, IngestError, read_document


class RemoteError(FinxError):
    """The service answered a document with an error status (or could not be reached)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.retryable = code in {"UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED", "INTERNAL", "CANCELLED"}


def read_stage(
    candidate: Candidate, schema_label: str, adapter_label: str, max_bytes: int, earlier: dict[str, Any] | None
) -> tuple[dict[str, Any], IngestedDocument | None] | None:
    """Read and ingest one document: None when an earlier run already did it; else its line so far
    and its text (None when the line is already final: a file that could not be read).

    A document counts as done when its path has a line whose hash matches the file's content, or
    a line written before the file could be hashed (a link, a file over the size limit).
    """
    began = time.perf_counter()
    record: dict[str, Any] = {
        "path": candidate.relative,
        "sha256": None,
        "bytes": None,
        "media_type": None,
        "schema": schema_label,
        "adapter": adapter_label,
    }
    if earlier is not None and earlier.get("sha256") is None:
        return None
    try:
        if candidate.problem is not None:
            raise candidate.problem
        data = read_bytes(candidate.path, max_bytes)
        record["sha256"], record["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
        if earlier is not None and earlier["sha256"] == record["sha256"]:
            return None
        document = read_document(data, candidate.relative, None, max_bytes)
        record.update(media_type=document.media_type, pages=document.pages, ocr_pages=document.ocr_pages)
    except Exception as error:  # a reader's bug on one strange file must not stop the batch
        failed(record, error)
        document = None
    record["timings"] = {"read_s": round(time.perf_counter() - began, 4), "extract_s": 0.0}
    return record, document


def extracted(record: dict[str, Any], document: IngestedDocument, result: ExtractionResult, seconds: float) -> None:
    """Complete a line with its extraction result, naming the adapter that produced it (a service
    reports the version it served as current, so the line reads the same as in process)."""
    record["adapter"] = result.adapter or record["adapter"]
    record.update(result_fields(result, document))
    record["timings"]["extract_s"] = round(seconds, 4)


def failed(record: dict[str, Any], error: Exception) -> None:
    """Complete a line with why the document has no result."""
    if isinstance(error, FinxError):
        record.update(status="error", reason=failure_reason(error), retryable=error.retryable, error=str(error))
    else:
        record.update(status="error", reason="internal", retryable=False, error=f"{type(error).__name__}: {error}")
    record["result"] = None


def finished(record: dict[str, Any]) -> dict[str, Any]:
    """The line with its total time."""
    timings = record.pop("timings")  # last in the line, as before the result
    timings["total_s"] = round(timings["read_s"] + timings["extract_s"], 4)
    record["timings"] = timings
    return record


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, checked again at open time (a file can be swapped for a FIFO
    after discovery: opening never blocks, and only a regular file is read)."""
    name = display_name(path.name)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise IngestError("unreadable", f"cannot read {name}: {error.strerror or error}") from None
    with os.fdopen(descriptor, "rb") as handle:
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise IngestError("not_a_file", f"{name} is a {special_kind(status.st_mode)}, not a regular file")
            if status.st_size > max_bytes:
                raise IngestError("too_large", f"{name} is {status.st_size} bytes, over the {max_bytes}-byte limit")
            data = handle.read(max_bytes + 1)
        except OSError as error:
            raise IngestError("unreadable", f"cannot read {name}: {error.strerror or error}") from None
    if len(data) > max_bytes:  # it grew while being read
        raise IngestError("too_large", f"{name} is over the {max_bytes}-byte limit")
    return data


def failure_reason(error: FinxError) -> str:
    """A short code for the summary's failures-by-reason table."""
    if isinstance(error, IngestError):
        return error.reason
    if isinstance(error, RemoteError):
        return f"server_{error.code.lower()}"
    if isinstance(error, InvalidDocument):
        return "invalid_document"
    return "extraction_failed"


def result_fields(result: ExtractionResult, document: IngestedDocument) -> dict[str, Any]:
    """Status and result of an extraction; each value's source gets its page, line and boxes."""
    payload = locate(result, document).model_dump(
        mode="json", exclude={"raw"} if result.status in ("ok", "partial") else set()
    )
    if result.status in ("ok", "partial"):
        return {"status": "ok", "reason": None, "retryable": False, "error": None, "result": payload}
    return {"status": "error", "reason": result.status, "retryable": False, "error": result.error, "result": payload}
