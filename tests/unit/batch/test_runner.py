"""The batch runner with a stand-in backend (no model): one line per file, stop and resume, changed files."""

import asyncio
import errno
from pathlib import Path

import pytest

from finx.batch import BatchConfig, run_batch
from finx.batch.output import read_records
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult, Timings
from finx.schemas import get_schema
from finx.schemas.base import SchemaSpec

SPEC = get_schema("receipt")


class EchoBackend:
    """Returns the document's first line as the company, after a short delay."""

    adapter_label = "echo"

    def __init__(self, delay: float = 0.01) -> None:
        self.delay = delay
        self.calls = 0
        self.closed = False

    async def extract(self, text: str, schema: SchemaSpec, options: ExtractOptions) -> ExtractionResult:
        self.calls += 1
        await asyncio.sleep(self.delay)
        data = {"company": text.splitlines()[0][:40], "date": None, "address": None, "total": None}
        return ExtractionResult(
            schema_name="receipt", schema_version="1", status="ok", data=data, sources=[], truncated=False, raw="",
            engine="echo", model="echo", adapter="base", prompt_tokens=1, completion_tokens=1,
            timings=Timings(prepare_s=0, generate_s=0, finish_s=0, total_s=0),
        )  # fmt: skip

    async def close(self) -> None:
        self.closed = True


def folder(tmp_path: Path, count: int) -> Path:
    root = tmp_path / "in"
    root.mkdir()
    for index in range(count):
        (root / f"doc{index:03d}.txt").write_text(f"Company {index}\nTOTAL {index}.00\n", encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    return root


def config(root: Path, out: Path, resume: bool = False) -> BatchConfig:
    return BatchConfig(root, out, SPEC, concurrency=4, resume=resume)


def test_every_file_once_and_bad_files_recorded(tmp_path: Path) -> None:
    root, out = folder(tmp_path, 30), tmp_path / "out" / "r.jsonl"
    backend = EchoBackend()
    summary = asyncio.run(run_batch(config(root, out), backend))
    records = read_records(out)
    assert sorted(r["path"] for r in records) == sorted(p.name for p in root.iterdir())
    assert (summary.ok, summary.errors, dict(summary.reasons)) == (30, 1, {"empty": 1})
    assert backend.calls == 30 and backend.closed
    first = next(r for r in records if r["path"] == "doc007.txt")
    assert first["result"]["data"]["company"] == "Company 7" and first["media_type"] == "text/plain"


def test_stop_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    root, out = folder(tmp_path, 40), tmp_path / "r.jsonl"

    async def stopped_midway() -> None:
        stop = asyncio.Event()

        def progress(summary: object) -> None:
            if getattr(summary, "processed", 0) >= 10:
                stop.set()

        summary = await run_batch(config(root, out), EchoBackend(delay=0.02), stop, progress)
        assert summary.interrupted and 10 <= summary.processed < 41

    asyncio.run(stopped_midway())
    done_before = {record["path"] for record in read_records(out)}
    backend = EchoBackend()
    summary = asyncio.run(run_batch(config(root, out, resume=True), backend))
    assert summary.skipped == len(done_before) and summary.processed == 41 - len(done_before)
    assert backend.calls == 40 - len(done_before - {"empty.txt"})  # the empty file never reaches the backend
    paths = [r["path"] for r in read_records(out)]
    assert len(paths) == len(set(paths)) == 41


def test_resume_redoes_a_changed_file_and_keeps_one_line(tmp_path: Path) -> None:
    root, out = folder(tmp_path, 3), tmp_path / "r.jsonl"
    asyncio.run(run_batch(config(root, out), EchoBackend()))
    (root / "doc001.txt").write_text("Renamed Ltd\n", encoding="utf-8")
    backend = EchoBackend()
    summary = asyncio.run(run_batch(config(root, out, resume=True), backend))
    assert backend.calls == 1 and summary.skipped == 3
    records = {r["path"]: r for r in read_records(out)}
    assert len(records) == 4 and records["doc001.txt"]["result"]["data"]["company"] == "Renamed Ltd"
    assert len(read_records(out)) == 4


class DiskFillsUp:
    """Stands in for the `os` module of `finx.batch.output`: after `lines` whole lines the next
    write gets half its bytes onto the disk (a short write), and every later one ENOSPC."""

    def __init__(self, lines: int) -> None:
        import os

        self.real, self.left = os, lines

    def write(self, fd: int, data: bytes) -> int:
        if self.left > 0:
            self.left -= 1
            return self.real.write(fd, data)
        if self.left == 0:
            self.left -= 1
            return self.real.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_a_disk_that_fills_up_stops_the_batch_with_whole_lines_and_resume_completes(tmp_path, monkeypatch) -> None:
    import finx.batch.output as output_module
    from finx.errors import StorageError

    root, out = folder(tmp_path, 30), tmp_path / "out" / "r.jsonl"
    monkeypatch.setattr(output_module, "os", DiskFillsUp(lines=5))
    with pytest.raises(StorageError, match=r"cannot write .*r\.jsonl: short write \(\d+ of \d+ bytes\) \(ENOSPC\)"):
        asyncio.run(run_batch(config(root, out), EchoBackend()))
    content = out.read_bytes()
    assert content.endswith(b"\n") and len(read_records(out)) == 5 == content.count(b"\n")
    monkeypatch.undo()
    summary = asyncio.run(run_batch(config(root, out, resume=True), EchoBackend()))
    records = read_records(out)
    assert sorted(r["path"] for r in records) == sorted(p.name for p in root.iterdir())
    assert summary.skipped == 5 and summary.processed == 26
