"""Batch results file: whole-line appends, repair of a cut last line, resume bookkeeping, CSV."""

import csv
import json
from pathlib import Path

import pytest

from finx.batch.output import open_results, read_records, write_csv
from finx.errors import FinxError


def record(path: str, status: str = "ok", retryable: bool = False, **data: object) -> dict:
    result = {"data": data} if status == "ok" else None
    return {"path": path, "sha256": f"h-{path}", "status": status, "retryable": retryable, "result": result}


def test_append_and_read_back(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    results, done = open_results(out, resume=False)
    assert done == {}
    results.append(record("a.txt", total="1.00"))
    results.append(record("b.txt", total="ünï"))
    results.close()
    assert [r["path"] for r in read_records(out)] == ["a.txt", "b.txt"]
    assert out.read_bytes().count(b"\n") == 2


def test_existing_results_need_resume(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text(json.dumps(record("a.txt")) + "\n")
    with pytest.raises(FinxError, match="--resume"):
        open_results(out, resume=False)


def test_resume_repairs_a_cut_line_and_redoes_retryable_errors(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    lines = [record("a.txt"), record("b.txt", status="error", retryable=True), record("c.txt", status="error")]
    out.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"path": "d.txt", "sta')
    results, done = open_results(out, resume=True)
    results.close()
    assert set(done) == {"a.txt", "c.txt"}
    assert [r["path"] for r in read_records(out)] == ["a.txt", "c.txt"]
    assert out.read_bytes().endswith(b"\n")


def test_csv_flattens_scalar_fields_each_with_its_confidence(tmp_path: Path) -> None:
    records = [
        record("a.txt", total="1.00", items=["x"]),
        record("b.txt", status="error"),
        record("c.txt", company="Z"),
    ]
    records[0]["result"]["confidence"] = {"total": 0.91, "items[0]": 0.5}
    records[1]["reason"], records[1]["error"] = "empty", "b.txt is empty"
    path = tmp_path / "r.csv"
    assert write_csv(records, path) == 3
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows == [
        ["path", "status", "reason", "error", "total", "total_confidence", "company", "company_confidence"],
        ["a.txt", "ok", "", "", "1.00", "0.91", "", ""],
        ["b.txt", "error", "empty", "b.txt is empty", "", "", "", ""],
        ["c.txt", "ok", "", "", "", "", "Z", ""],
    ]


def test_csv_boxes_add_each_fields_page_and_boxes(tmp_path: Path) -> None:
    records = [record("a.pdf", total="1.00", company="ACME"), record("b.txt", total="2.00")]
    records[0]["result"]["sources"] = [
        {"path": "total", "page": 2, "boxes": [[10.5, 20.0, 40.0, 30.25]]},
        {"path": "company", "page": 1, "boxes": [[1.0, 2.0, 3.0, 4.0], [1.0, 5.0, 3.0, 7.0]]},
    ]
    records[1]["result"]["sources"] = [{"path": "total", "page": 1, "boxes": None}]
    path = tmp_path / "r.csv"
    write_csv(records, path, boxes=True)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][4:] == ["total", "total_confidence", "total_page", "total_boxes", "company", "company_confidence",
                           "company_page", "company_boxes"]  # fmt: skip
    assert rows[1][4:] == ["1.00", "", "2", "10.5 20 40 30.25", "ACME", "", "1", "1 2 3 4;1 5 3 7"]
    assert rows[2][4:] == ["2.00", "", "1", "", "", "", "", ""]


def test_resume_keeps_the_latest_line_of_a_redone_document(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    old, new = record("a.txt", total="1.00"), record("a.txt", total="2.00")
    new["sha256"] = "changed"
    out.write_text(json.dumps(old) + "\n" + json.dumps(new) + "\n")
    results, done = open_results(out, resume=True)
    results.close()
    assert done["a.txt"]["sha256"] == "changed"
    assert [r["sha256"] for r in read_records(out)] == ["changed"]


def test_a_finished_file_keeps_retryable_failures_so_every_document_has_its_line(tmp_path: Path) -> None:
    from finx.batch.output import compact

    out = tmp_path / "r.jsonl"
    lines = [record("a.txt"), record("b.txt", status="error", retryable=True), record("a.txt")]
    out.write_text("".join(json.dumps(line) + "\n" for line in lines))
    compact(out)
    assert [(r["path"], r["status"]) for r in read_records(out)] == [("b.txt", "error"), ("a.txt", "ok")]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        pytest.param('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")', id="formula"),
        pytest.param("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0", id="plus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("-2+3", "'-2+3", id="minus-formula"),
        pytest.param("-16,000", "-16,000", id="negative-amount"),
        pytest.param("ACME = best", "ACME = best", id="equals-inside"),
    ],
)
def test_csv_cells_never_start_a_formula(tmp_path: Path, value: str, written: str) -> None:
    path = tmp_path / "r.csv"
    write_csv([record("=doc.txt", total=value)], path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[1][0] == "'=doc.txt" and rows[1][4] == written
    write_csv([record("=doc.txt", total=value)], path, escape_formulas=False)
    assert list(csv.reader(path.open(encoding="utf-8")))[1][4] == value
