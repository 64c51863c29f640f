"""`finx batch` on a generated folder of 200+ documents in every format, broken files included:
every file gets exactly one line, errors carry reasons, results validate; a real Ctrl-C and a
real kill -9 midway lose and duplicate nothing after --resume; in-process and --server runs agree.
"""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter
from finx.batch import BatchConfig, LocalBackend, run_batch
from finx.batch.output import read_records
from finx.extraction.extractor import Extractor
from finx.extraction.options import ExtractOptions
from finx.schemas import custom_schema
from tests.support.files import MAX_MB_FOR_TESTS, OCR_REASONS, SCHEMA, build_folder, short_texts
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
MAX_TOKENS = 40
HAS_TESSERACT = shutil.which("tesseract") is not None


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str | None], Path]:
    base = tmp_path_factory.mktemp("batch")
    root = base / "documents"
    expected = build_folder(root, short_texts())
    schema_path = base / "schema.json"
    schema_path.write_text(json.dumps(SCHEMA), encoding="utf-8")
    if not HAS_TESSERACT:  # documents that need OCR fail with a clear reason instead
        for relative in expected:
            if relative.startswith("scans/") or relative in OCR_REASONS:
                expected[relative] = "ocr_unavailable"
    return root, expected, schema_path


def start_batch(root: Path, out: Path, schema_path: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "finx.cli", "batch", str(root), "--out", str(out), "--schema", str(schema_path),
               "--base", "--max-tokens", str(MAX_TOKENS), "--max-mb", str(MAX_MB_FOR_TESTS), "--concurrency", "32",
               *extra]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def wait_for_lines(out: Path, count: int, process: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= count:
            return
        assert process.poll() is None, process.stderr.read().decode()[-3000:] if process.stderr else ""
        time.sleep(0.5)
    raise AssertionError(f"fewer than {count} lines after {timeout} s")


def check_every_file_once(records: list[dict], expected: dict[str, str | None]) -> None:
    paths = [record["path"] for record in records]
    assert len(paths) == len(set(paths)), "a document has more than one line"
    assert set(paths) == set(expected), f"missing: {set(expected) - set(paths)}; extra: {set(paths) - set(expected)}"
    spec = custom_schema(SCHEMA)
    for record in records:
        reason = expected[record["path"]]
        if reason is not None:
            assert (record["status"], record["reason"]) == ("error", reason), record
            assert record["error"], record
        elif record["status"] == "ok":
            spec.model.model_validate(record["result"]["data"])
            for source in record["result"]["sources"]:
                if source["start"] is not None:
                    assert source["page"] >= 1 and source["line"] >= 1
        else:  # the base model may run out of tokens: that is a result status, never a crash
            assert record["reason"] in {"truncated", "invalid"}, record


def test_interrupt_kill_and_resume_give_every_file_exactly_once(corpus, tmp_path):
    root, expected, schema_path = corpus
    assert len(expected) >= 200
    out = tmp_path / "results.jsonl"

    first = start_batch(root, out, schema_path)
    wait_for_lines(out, 20, first)
    os.killpg(first.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground process group
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr.decode()[-2000:]
    assert "--resume" in stderr.decode()
    interrupted = read_records(out)
    assert out.read_bytes().endswith(b"\n") and len(interrupted) == out.read_bytes().count(b"\n")

    second = start_batch(root, out, schema_path, "--resume")
    wait_for_lines(out, len(interrupted) + 40, second)
    os.killpg(second.pid, signal.SIGKILL)
    second.wait(timeout=60)
    killed = read_records(out)
    assert len({record["path"] for record in killed}) == len(killed) > len(interrupted)

    third = start_batch(root, out, schema_path, "--resume", "--csv", str(tmp_path / "results.csv"))
    _, stderr = third.communicate(timeout=900)
    assert third.returncode == 0, stderr.decode()[-3000:]
    summary = stderr.decode()
    assert f"{len(killed)} already done" in summary and "errors" in summary
    check_every_file_once(read_records(out), expected)
    assert len((tmp_path / "results.csv").read_text(encoding="utf-8").splitlines()) == len(expected) + 1


def test_in_process_and_server_runs_agree(corpus, vllm_engine, tmp_path):
    root, _, schema_path = corpus
    pattern = "doc00[0-3]*"
    local_out = tmp_path / "local.jsonl"
    options = ExtractOptions(max_tokens=MAX_TOKENS)
    config = BatchConfig(root, local_out, custom_schema(SCHEMA), options, pattern=pattern, concurrency=16)
    backend = LocalBackend(lambda: Extractor(vllm_engine), adapter=BASE_MODEL)
    summary = asyncio.run(run_batch(config, backend))
    assert summary.total == summary.processed >= 30 and not summary.interrupted

    server = RunningServer(vllm_engine, tmp_path)
    try:
        server.wait_ready()
        remote_out = tmp_path / "remote.jsonl"
        command = [sys.executable, "-m", "finx.cli", "batch", str(root), "--out", str(remote_out), "--schema",
                   str(schema_path), "--base", "--max-tokens", str(MAX_TOKENS), "--glob", pattern, "--server",
                   server.target]  # fmt: skip
        process = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=600)
        assert process.returncode == 0, process.stderr.decode()[-3000:]
    finally:
        server.stop()

    def by_path(path: Path) -> dict[str, tuple]:
        return {
            record["path"]: (record["status"], record["sha256"], (record["result"] or {}).get("data"),
                             (record["result"] or {}).get("sources"))
            for record in read_records(path)
        }  # fmt: skip

    local, remote = by_path(local_out), by_path(remote_out)
    assert set(local) == set(remote)
    assert local == remote


@pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Tesseract is not installed (make ocr): the scan needs OCR"
)
def test_the_example_batch_gives_pdf_and_scan_values_boxes_on_their_pages(vllm_engine, tmp_path):
    import pypdfium2 as pdfium

    from finx.adapters.registry import SHIPPED_ADAPTER
    from finx.schemas import get_schema

    examples = Path(__file__).resolve().parents[2] / "examples" / "batch"
    out = tmp_path / "results.jsonl"
    config = BatchConfig(examples, out, get_schema("receipt"), ExtractOptions(max_tokens=128), concurrency=8)
    backend = LocalBackend(
        lambda: Extractor(vllm_engine), adapter=ResolvedAdapter.folder(SHIPPED_ADAPTER)
    )  # as LoRA: values are found
    asyncio.run(run_batch(config, backend))
    lines = {record["path"]: record for record in read_records(out)}
    for path in ("invoices/acme-invoice.pdf", "scans/diy-receipt.png"):
        result = lines[path]["result"]
        (width, height), located = result["page_sizes"][0], [s for s in result["sources"] if s["start"] is not None]
        assert located, path
        for source in located:
            assert source["page"] == 1 and source["boxes"], (path, source)
            for x0, y0, x1, y1 in source["boxes"]:
                assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (path, source)
    page = pdfium.PdfDocument((examples / "invoices" / "acme-invoice.pdf").read_bytes())[0]
    page_height = page.get_size()[1]
    for source in [s for s in lines["invoices/acme-invoice.pdf"]["result"]["sources"] if s["start"] is not None]:
        x0, y0, x1, y1 = source["boxes"][0]
        inside = page.get_textpage().get_text_bounded(
            left=x0 - 0.5, bottom=page_height - y1 - 0.5, right=x1 + 0.5, top=page_height - y0 + 0.5
        )
        assert source["value"].split()[0] in inside, (source, inside)  # pdfium's own text in the box
    text_line = lines["receipts/corner-cafe.txt"]["result"]
    assert text_line["page_sizes"] is None
    assert all(source["boxes"] is None for source in text_line["sources"])
