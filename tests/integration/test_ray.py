"""`finx batch --ray` on a Ray started by the test on this machine: a small folder with bad files,
one extraction actor killed midway; every document still gets exactly one line, the same line
the local batch writes (greedy decoding, same engine settings), and `--resume` has nothing left."""

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from finx.adapters.resolve import BASE_MODEL
from finx.batch import BatchConfig, LocalBackend, run_batch
from finx.batch.output import read_records
from finx.extraction.extractor import Extractor
from finx.extraction.options import ExtractOptions
from finx.schemas import custom_schema
from tests.support.corpus import suite_engine_config
from tests.support.files import SCHEMA, short_texts

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'finx[ray]')")
pytestmark = pytest.mark.slow
MAX_TOKENS = 40


def folder(root: Path) -> Path:
    (root / "docs").mkdir(parents=True)
    for index, text in enumerate(short_texts(12)):
        (root / "docs" / f"doc{index:02d}.txt").write_text(text, encoding="utf-8")
    (root / "docs" / "empty.txt").write_bytes(b"")
    (root / "docs" / "binary.txt").write_bytes(bytes(range(256)) * 4)
    return root / "docs"


def comparable(records: list[dict]) -> dict[str, dict]:
    """Lines by path, without what differs between runs (times)."""
    out = {}
    for record in records:
        line = {key: value for key, value in record.items() if key != "timings"}
        if line.get("result"):
            line["result"] = {key: value for key, value in line["result"].items() if key != "timings"}
        out[record["path"]] = line
    return out


def kill_an_extraction_actor_once_lines_appear(out: Path, killed: list[int], done: threading.Event) -> None:
    while not done.is_set():
        if out.is_file() and out.read_bytes().count(b"\n") >= 3:
            for process in psutil.process_iter(["pid", "cmdline"]):
                if "ExtractionActor" in " ".join(process.info["cmdline"] or []) and process.pid != os.getpid():
                    family = [process, *process.children(recursive=True)]
                    for member in family:
                        member.send_signal(signal.SIGKILL)
                    killed.append(process.pid)
                    return
        time.sleep(0.2)


def test_ray_batch_survives_a_killed_actor_and_matches_the_local_batch(vllm_engine, tmp_path: Path) -> None:
    from finx.batch.ray_runner import RaySettings, run_batch_on_ray

    docs = folder(tmp_path)
    schema, options = custom_schema(SCHEMA), ExtractOptions(max_tokens=MAX_TOKENS)
    local_out, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    asyncio.run(
        run_batch(
            BatchConfig(docs, local_out, schema, options), LocalBackend(lambda: Extractor(vllm_engine), BASE_MODEL)
        )
    )

    killed: list[int] = []
    finished = threading.Event()
    killer = threading.Thread(target=kill_an_extraction_actor_once_lines_appear, args=(ray_out, killed, finished))
    killer.start()
    settings = RaySettings(batch_size=3, engine=suite_engine_config())  # the session engine's settings
    try:
        summary = run_batch_on_ray(BatchConfig(docs, ray_out, schema, options), settings, adapter=BASE_MODEL)
    finally:
        finished.set()
        killer.join(10)
    assert killed, "the test must kill an actor midway"
    records = read_records(ray_out)
    paths = [record["path"] for record in records]
    assert len(paths) == len(set(paths)) == summary.total == summary.processed == 14
    assert comparable(records) == comparable(read_records(local_out))
    reasons = {record["path"]: record["reason"] for record in records if record["status"] == "error"}
    assert reasons["empty.txt"] == "empty" and reasons["binary.txt"] == "binary"

    again = run_batch_on_ray(BatchConfig(docs, ray_out, schema, options, resume=True), settings, adapter=BASE_MODEL)
    assert (again.skipped, again.processed) == (14, 0)
    assert len(read_records(ray_out)) == 14
