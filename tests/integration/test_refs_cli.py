"""`finx refs load|lookup` as a user runs them: real processes, real store files, exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEC_TICKERS = ROOT.parent / "shared" / "data" / "sec-company-tickers" / "company_tickers_exchange.json"


def finx(*args: str, home: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "FINX_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "finx.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=environment,
    )


def test_lookup_works_out_of_the_box_from_the_shipped_sample(tmp_path: Path) -> None:
    process = finx("refs", "lookup", "JP Morgan Chase", "-k", "1", "--json", home=tmp_path)
    assert process.returncode == 0, process.stderr
    (record,) = [json.loads(line) for line in process.stdout.splitlines()]
    assert record["id"] == "cik:19617" and record["score"] >= 0.85


def test_load_csv_then_lookup_and_bad_rows_are_reported(tmp_path: Path) -> None:
    table = tmp_path / "refs.csv"
    table.write_text("id,name,aliases,ticker\nw1,Widget Works plc,Widgets,WDG\n,No Id,,\n", encoding="utf-8")
    store = tmp_path / "store.sqlite"
    process = finx("refs", "load", "csv", str(table), "--refs", str(store), home=tmp_path)
    assert process.returncode == 0, process.stderr
    assert "1 records loaded" in process.stdout and "1 skipped" in process.stdout
    assert "refs.csv:3" in process.stderr
    found = finx("refs", "lookup", "WDG", "--kind", "ticker", "--refs", str(store), home=tmp_path)
    assert found.returncode == 0 and "w1" in found.stdout and "code" in found.stdout
    missing = finx("refs", "lookup", "Globex", "--refs", str(store), home=tmp_path)
    assert missing.returncode == 3 and missing.stderr.strip() == "finx: error: no record matches 'Globex'"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["refs", "load", "xml", "x.xml"], "unknown reference format 'xml'"),
        (["refs", "load", "csv", "missing.csv"], "missing.csv: no such file"),
        (["refs", "lookup", " "], "empty lookup query"),
        (["refs", "lookup", "Apple", "--refs", "nowhere.sqlite"], "no reference store at nowhere.sqlite"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    process = finx(*args, home=tmp_path)
    assert process.returncode == 1
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("finx: error: ") and message in lines[0]


def test_a_file_without_usable_records_leaves_the_store_alone(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "a", "name": "Alpha Ltd"}) + "\n", encoding="utf-8")
    assert finx("refs", "load", "jsonl", str(good), "--refs", str(store), home=tmp_path).returncode == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    process = finx("refs", "load", "jsonl", str(bad), "--refs", str(store), home=tmp_path)
    assert process.returncode == 1 and "no usable records" in process.stderr
    still = finx("refs", "lookup", "Alpha", "--refs", str(store), "--json", home=tmp_path)
    assert json.loads(still.stdout.splitlines()[0])["id"] == "a"


@pytest.mark.skipif(not SEC_TICKERS.exists(), reason="../shared/data/sec-company-tickers is not present")
def test_load_the_sec_company_list(tmp_path: Path) -> None:
    store = tmp_path / "sec.sqlite"
    process = finx("refs", "load", "sec", str(SEC_TICKERS), "--refs", str(store), home=tmp_path)
    assert process.returncode == 0, process.stderr
    assert int(process.stdout.split()[0]) > 5000
    found = finx("refs", "lookup", "MSFT", "--kind", "ticker", "--refs", str(store), "--json", home=tmp_path)
    assert json.loads(found.stdout.splitlines()[0])["id"] == "cik:789019"
