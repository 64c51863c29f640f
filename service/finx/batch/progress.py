"""Batch progress for operators: a live bar with documents/s and ETA on a terminal, plain
periodic lines otherwise (logs, CI)."""

import sys
import time
from typing import TextIO

from finx.batch.runner import BatchSummary


def eta(summary: BatchSummary) -> str:
    left = summary.total - summary.processed - summary.skipped
    if not summary.docs_per_s or left <= 0:
        return "-"
    seconds = int(left / summary.docs_per_s)
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def status_line(summary: BatchSummary) -> str:
    finished = summary.processed + summary.skipped
    share = finished / summary.total * 100 if summary.total else 100.0
    return (
        f"finx batch: {finished}/{summary.total} ({share:.0f}%), {summary.errors} errors, "
        f"{summary.docs_per_s:.2f} docs/s, ETA {eta(summary)}"
    )


class PlainProgress:
    """One status line every `interval` seconds."""

    def __init__(self, stream: TextIO = sys.stderr, interval: float = 10.0) -> None:
        self.stream = stream
        self.interval = interval
        self.last = 0.0

    def __call__(self, summary: BatchSummary) -> None:
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            print(status_line(summary), file=self.stream, flush=True)

    def close(self) -> None:
        return None


class BarProgress:
    """A rich progress bar (terminal only)."""

    def __init__(self, total: int | None = None) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("finx batch"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[detail]}"),
            transient=False,
        )  # fmt: skip
        self.task = self.progress.add_task("batch", total=total, detail="")
        self.progress.start()

    def __call__(self, summary: BatchSummary) -> None:
        detail = f"{summary.errors} errors, {summary.docs_per_s:.2f} docs/s, ETA {eta(summary)}"
        self.progress.update(
            self.task, total=summary.total, completed=summary.processed + summary.skipped, detail=detail
        )

    def close(self) -> None:
        self.progress.stop()


def progress_for(stream: TextIO = sys.stderr) -> PlainProgress | BarProgress:
    return BarProgress() if stream.isatty() else PlainProgress(stream)
