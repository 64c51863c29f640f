"""`run_batch`: every document of a folder through a backend, one result line each.

Documents are read and extracted `concurrency` at a time (the engine batches them); results are
appended as they finish. A stop request (Ctrl-C, SIGTERM) cancels the documents in flight and
writes nothing for them, so `--resume` does exactly those again. A bad file never stops the
batch: it becomes an error line with a reason.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finx.batch.backends import Backend
from finx.batch.discover import Candidate, discover
from finx.batch.output import compact, open_results
from finx.batch.records import extracted, failed, finished, read_stage
from finx.config import MAX_DOCUMENT_BYTES
from finx.errors import StorageError
from finx.extraction.options import ExtractOptions
from finx.schemas.base import SchemaSpec


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
    unfinished: int = 0
    """Errors a retry may fix (server overloaded or unreachable): these documents have no result
    yet, and `--resume` does them again."""
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    interrupted: bool = False
    hidden: list[str] = field(default_factory=list)
    """Hidden entries (names starting with '.') that were not read: counted, never silent."""

    def add(self, record: dict[str, Any] | None, started: float) -> None:
        """Count one finished document: its line, or None when an earlier run already did it."""
        if record is None:
            self.skipped += 1
        elif record["status"] == "ok":
            self.ok += 1
        else:
            self.errors += 1
            self.unfinished += bool(record.get("retryable"))
            self.reasons[record["reason"]] += 1
        self.seconds = time.perf_counter() - started

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
        if self.unfinished:
            lines.append(
                f"{self.unfinished} documents have no result yet (a retry may succeed): run again with --resume"
            )
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
    candidates, summary = discover_batch(config)
    started = time.perf_counter()
    window = asyncio.Semaphore(config.concurrency)
    running: set[asyncio.Task[None]] = set()

    write_errors: list[StorageError] = []

    async def process(candidate: Candidate) -> None:
        try:
            record = await document_record(candidate, config, backend, done)
            if record is not None:
                results.append(record)
            summary.add(record, started)  # counted only once its line is written
            if progress:
                progress(summary)
        except StorageError as error:  # the disk refused the line: stop, nothing more can be recorded
            write_errors.append(error)
            stop.set()
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
        await backend.close()
        try:
            results.close()
            compact(config.out)
        except StorageError as error:
            write_errors.append(error)
    if write_errors:
        raise write_errors[0]
    summary.seconds = time.perf_counter() - started
    return summary


def discover_batch(config: BatchConfig) -> tuple[list[Candidate], BatchSummary]:
    """The batch's documents (never its own output files) and a summary counting them."""
    hidden: list[str] = []
    own_files = frozenset(written_files(config))
    candidates = list(discover(config.input_dir, config.pattern, config.follow_links, own_files, hidden))
    return candidates, BatchSummary(total=len(candidates), hidden=hidden)


def written_files(config: BatchConfig) -> list[Path]:
    """What the batch writes (results, their temporary copy, side files): never read as input."""
    out = config.out.resolve()
    return [out, out.with_name(f".{out.name}.tmp"), *(path.resolve() for path in config.side_files)]


async def document_record(
    candidate: Candidate, config: BatchConfig, backend: Backend, done: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The output line of one document, or None when an earlier run already did it."""
    read = await asyncio.to_thread(
        read_stage, candidate, config.schema.label, backend.adapter_label, config.max_bytes,
        done.get(candidate.relative),
    )  # fmt: skip
    if read is None:
        return None
    record, document = read
    if document is not None:
        began = time.perf_counter()
        try:
            result = await backend.extract(document.text, config.schema, config.options)
            extracted(record, document, result, time.perf_counter() - began)
        except Exception as error:
            failed(record, error)
            record["timings"]["extract_s"] = round(time.perf_counter() - began, 4)
    return finished(record)
