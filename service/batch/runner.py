"""`run_batch`: every document of a folder through a backend, one result line each.

Documents are read and extracted `concurrency` at a time (the engine batches them); results are
appended as they finish. A stop request (Ctrl-C, SIGTERM) cancels the documents in flight and
writes nothing for them, so `--resume` does exactly those again. A bad file never stops the
batch: it becomes an error line with a reason.
"""

import asyncio
import hashlib
import os
import stat
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.batch.backends import Backend, RemoteError
from service.batch.discover import Candidate, discover, display_name, special_kind
from service.batch.output import compact, open_results
from service.errors import FinxError, InvalidDocument
from service.ingest import MAX_DOCUMENT_BYTES, IngestedDocument, IngestError, read_document
from service.options import ExtractOptions
from service.result import ExtractionResult
from service.schemas.base import SchemaSpec


@dataclass(frozen=True)
class BatchConfig:
    input_dir: Path
    out: Path
    schema: SchemaSpec
    options: ExtractOptions = field(default_factory=ExtractOptions)
    pattern: str = "*"
    concurrency: int = 16
    resume: bool = False
    follow_links: bool = False
    max_bytes: int = MAX_DOCUMENT_BYTES
    side_files: tuple[Path, ...] = ()
    """Files this batch writes besides `out` (the --csv table): never read as input."""


@dataclass
class BatchSummary:
    total: int = 0
    """Documents found."""
    skipped: int = 0
    """Already done in an earlier run (--resume)."""
    ok: int = 0
    errors: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    interrupted: bool = False
    hidden: list[str] = field(default_factory=list)
    """Hidden entries (names starting with '.') that were not read: counted, never silent."""

    @property
    def processed(self) -> int:
        return self.ok + self.errors

    @property
    def docs_per_s(self) -> float:
        return self.processed / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        head = "interrupted" if self.interrupted else "done"
        lines = [
            f"{head}: {self.processed} of {self.total} documents in {self.seconds:.1f} s "
            f"({self.docs_per_s:.2f} docs/s): {self.ok} ok, {self.errors} errors, {self.skipped} already done"
        ]
        lines += [f"  {count:6} {reason}" for reason, count in self.reasons.most_common()]
        if self.hidden:
            shown = ", ".join(self.hidden[:5]) + (", ..." if len(self.hidden) > 5 else "")
            lines.append(f"skipped {len(self.hidden)} hidden entries (names starting with '.'): {shown}")
        return lines


Progress = Callable[[BatchSummary], None]


async def run_batch(
    config: BatchConfig, backend: Backend, stop: asyncio.Event | None = None, progress: Progress | None = None
) -> BatchSummary:
    """Run the batch until every document has a line or `stop` is set."""
    stop = stop or asyncio.Event()
    results, done = open_results(config.out, config.resume)
    hidden: list[str] = []
    own_files = frozenset(written_files(config))
    candidates = list(discover(config.input_dir, config.pattern, config.follow_links, own_files, hidden))
    summary = BatchSummary(total=len(candidates), hidden=hidden)
    started = time.perf_counter()
    window = asyncio.Semaphore(config.concurrency)
    running: set[asyncio.Task[None]] = set()

    async def process(candidate: Candidate) -> None:
        try:
            record = await document_record(candidate, config, backend, done)
            if record is None:
                summary.skipped += 1
            else:
                results.append(record)
                if record["status"] == "ok":
                    summary.ok += 1
                else:
                    summary.errors += 1
                    summary.reasons[record["reason"]] += 1
            summary.seconds = time.perf_counter() - started
            if progress:
                progress(summary)
        finally:
            window.release()

    stopping = asyncio.create_task(stop.wait())
    try:
        for candidate in candidates:
            acquire = asyncio.create_task(window.acquire())
            await asyncio.wait({acquire, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                acquire.cancel()
                break
            task = asyncio.create_task(process(candidate))
            running.add(task)
            task.add_done_callback(running.discard)
        while running and not stop.is_set():
            await asyncio.wait({*running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        summary.interrupted = stop.is_set()
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        stopping.cancel()
        results.close()
        await backend.close()
        compact(config.out)
    summary.seconds = time.perf_counter() - started
    return summary


def written_files(config: BatchConfig) -> list[Path]:
    """What the batch writes (results, their temporary copy, side files): never read as input."""
    out = config.out.resolve()
    return [out, out.with_name(f".{out.name}.tmp"), *(path.resolve() for path in config.side_files)]


async def document_record(
    candidate: Candidate, config: BatchConfig, backend: Backend, done: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The output line of one document, or None when an earlier run already did it.

    A document counts as done when its path has a line whose hash matches the file's content, or
    a line written before the file could be hashed (a link, a file over the size limit).
    """
    earlier = done.get(candidate.relative)
    began = time.perf_counter()
    record: dict[str, Any] = {
        "path": candidate.relative,
        "sha256": None,
        "bytes": None,
        "media_type": None,
        "schema": config.schema.label,
        "adapter": backend.adapter_label,
    }
    read_s = extract_s = 0.0
    try:
        if earlier is not None and earlier.get("sha256") is None:
            return None
        if candidate.problem is not None:
            raise candidate.problem
        data = await asyncio.to_thread(read_bytes, candidate.path, config.max_bytes)
        record["sha256"], record["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
        if earlier is not None and earlier["sha256"] == record["sha256"]:
            return None
        document: IngestedDocument = await asyncio.to_thread(
            read_document, data, candidate.relative, None, config.max_bytes
        )
        record.update(media_type=document.media_type, pages=document.pages, ocr_pages=document.ocr_pages)
        read_s = time.perf_counter() - began
        result = await backend.extract(document.text, config.schema, config.options)
        extract_s = time.perf_counter() - began - read_s
        record.update(result_fields(result, document))
    except FinxError as error:
        record.update(status="error", reason=failure_reason(error), retryable=error.retryable, error=str(error))
        record["result"] = None
    except Exception as error:  # a reader's bug on one strange file must not stop the batch
        record.update(status="error", reason="internal", retryable=False, error=f"{type(error).__name__}: {error}")
        record["result"] = None
    record["timings"] = {
        "read_s": round(read_s, 4),
        "extract_s": round(extract_s, 4),
        "total_s": round(time.perf_counter() - began, 4),
    }
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
    """Status and result of an extraction; each value's source gets its page and line."""
    payload = result.model_dump(mode="json", exclude={"raw"} if result.status in ("ok", "partial") else set())
    for source in payload["sources"]:
        if source["start"] is not None:
            source["page"], source["line"] = document.position(source["start"])
    if result.status in ("ok", "partial"):
        return {"status": "ok", "reason": None, "retryable": False, "error": None, "result": payload}
    return {"status": "error", "reason": result.status, "retryable": False, "error": result.error, "result": payload}
