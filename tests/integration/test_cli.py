"""The `finx` command line as a user runs it: a real process, real files, exit codes, one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_RECEIPT = ROOT / "examples" / "receipt.txt"


def finx(*args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "finx.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        cwd=ROOT,
    )


def one_line_error(process: subprocess.CompletedProcess) -> str:
    lines = process.stderr.decode().strip().splitlines()
    assert len(lines) == 1, f"expected one error line, got {lines}"
    assert lines[0].startswith("finx: error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        pytest.param(["extract", "nope.txt", "--schema", "receipt"], None, "no such file: nope.txt", id="missing-file"),
        pytest.param(["extract", "examples", "--schema", "receipt"], None, "is a directory", id="directory"),
        pytest.param(["extract", "-", "--schema", "payslip"], b"x", "unknown schema 'payslip'", id="unknown-schema"),
        pytest.param(["extract", "-", "--schema", "receipt"], b"", "standard input is empty", id="empty-stdin"),
        pytest.param(
            ["extract", "-", "--schema", "receipt"],
            b"\x01\x02\x03\x04\x05\x06 total",
            "standard input looks binary (6 control characters)",
            id="control-characters",
        ),
        pytest.param(["extract", "-", "--schema", "receipt"], b"\x00\x01PK", "looks binary", id="binary"),
        pytest.param(["schemas", "show", "missing.json"], None, "schema file not found", id="missing-schema-file"),
    ],
)
def test_bad_input_gives_one_line_and_exit_1(args, stdin, message):
    process = finx(*args, stdin=stdin)
    assert process.returncode == 1
    assert message in one_line_error(process)


def test_unsupported_custom_schema_names_the_keyword(tmp_path):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"a": {"type": "number", "multipleOf": 2}}}))
    process = finx("extract", "-", "--schema", str(schema), stdin=b"text")
    assert process.returncode == 1
    assert "unsupported JSON Schema keyword 'multipleOf'" in one_line_error(process)


def test_unknown_engine_is_a_usage_error():
    process = finx("extract", "-", "--engine", "llamacpp", stdin=b"text")
    assert process.returncode == 2


def test_schemas_list_and_show():
    listed = finx("schemas", "list")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.decode().splitlines()] == [
        "entities@1",
        "invoice@4",
        "nda@3",
        "receipt@3",
    ]
    shown = finx("schemas", "show", "receipt")
    assert json.loads(shown.stdout)["required"] == ["company", "date", "address", "total"]


@pytest.mark.slow
def test_extract_sample_receipt_prints_schema_valid_json_with_offsets():
    process = finx("extract", str(SAMPLE_RECEIPT), "--schema", "receipt", "--json", "--link", timeout=600)
    assert process.returncode == 0, process.stderr.decode()[-2000:]
    result = json.loads(process.stdout)
    # one document: the transformers engine (it starts in seconds; vLLM's start is 20-40 s)
    assert result["engine"] == "transformers" and result["schema_name"] == "receipt"
    assert result["dtype"] in ("float32", "bfloat16")
    assert result["status"] == "ok" and set(result["data"]) == {"company", "date", "address", "total"}
    text = SAMPLE_RECEIPT.read_text()
    for source in result["sources"]:
        if source["match"] == "exact":
            assert text[source["start"] : source["end"]] == source["value"]
    (link,) = result["links"]  # --link: the company is looked up in the (sample) reference store
    assert link["path"] == "company" and link["value"] == result["data"]["company"]
    assert link["linked"] == (link["reference"] is not None)


def test_promote_prepares_the_merged_weights_a_server_reloads(tmp_path):
    """`finx adapters promote` builds the current adapter's merged weights where a server of the
    same dtype looks for them (the serving process then never merges); `--no-prepare` only promotes."""
    from finx.config import configured_model_dir
    from tests.support.corpus import require_model

    require_model()
    environment = {**os.environ, "FINX_HOME": str(tmp_path), "FINX_MODEL": str(configured_model_dir())}

    def promote(*options: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "finx.cli", "adapters", "promote", "v0001", "--dtype", "float32", *options]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, env=environment)

    promoted = promote("--no-prepare")
    assert promoted.returncode == 0, promoted.stderr
    assert promoted.stdout == "current adapter: v0001\n" and not (tmp_path / "merged").exists()
    prepared = promote()
    assert prepared.returncode == 0, prepared.stderr
    first, second = prepared.stdout.splitlines()
    folders = [path for path in (tmp_path / "merged").iterdir() if (path / "finx-merged.json").is_file()]
    assert first == "current adapter: v0001" and len(folders) == 1
    assert second.startswith("merged weights of v0001 ready in ") and second.endswith(f": {folders[0]}")
    marker = json.loads((folders[0] / "finx-merged.json").read_text())
    assert marker["dtype"] == "float32" and marker["adapter"] == str(
        (tmp_path / "adapters" / "versions" / "v0001").resolve()
    )
