"""The review session without a browser: queue order, drafts and saved examples survive a
restart, bad spans and bad objects are refused, unreadable documents are listed, withheld values
are shown under their field with the reason."""

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from finx.errors import FinxError
from finx.review.app import create_app
from finx.review.session import open_session
from finx.schemas import get_schema

SCHEMA = get_schema("receipt")


def results(folder: Path) -> Path:
    (folder / "in").mkdir()
    (folder / "in" / "sure.txt").write_text("SHOP A\nTOTAL 1.00\n", encoding="utf-8")
    (folder / "in" / "unsure.txt").write_text("SHOP B\nTOTAL 2.00\n", encoding="utf-8")
    lines = [
        {
            "path": "sure.txt",
            "status": "ok",
            "result": {"data": {"company": "SHOP A"}, "confidence": {"company": 0.99}},
        },
        {
            "path": "unsure.txt",
            "status": "ok",
            "result": {
                "data": {"total": "2.0"},
                "confidence": {"total": 0.4},
                "withheld": [
                    {"path": "company", "value": "SHOP B", "reason": "below_confidence", "start": 0},
                    {"path": "address", "value": "<script>alert(1)</script>", "reason": "below_confidence"},
                ],
            },
        },
        {"path": "failed.txt", "status": "error", "result": None},
        {"path": "gone.txt", "status": "ok", "result": None},
        "not a record",
    ]
    (folder / "in" / "failed.txt").write_text("SCANNED?\n", encoding="utf-8")
    path = folder / "results.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_failed_and_least_confident_documents_come_first_and_unreadable_ones_are_listed(tmp_path: Path) -> None:
    session = open_session(results(tmp_path), tmp_path / "in", SCHEMA, tmp_path / "out.jsonl")
    assert [item.id for item in session.items] == ["failed.txt", "unsure.txt", "sure.txt"]
    assert session.items[0].data == {"company": None, "date": None, "address": None, "total": None}
    assert [line.split(":")[0] for line in session.skipped] == ["gone.txt", "results.jsonl"]


def test_drafts_and_saved_examples_survive_a_restart(tmp_path: Path) -> None:
    source, out = results(tmp_path), tmp_path / "out.jsonl"
    session = open_session(source, tmp_path / "in", SCHEMA, out)
    unsure = session.items[1]
    session.draft(unsure, "total", "2.00", [13, 17])
    again = open_session(source, tmp_path / "in", SCHEMA, out)
    assert again.current_values(again.items[1])["total"] == "2.00"
    assert again.current_spans(again.items[1]) == {"total": [13, 17]}
    again.save(again.items[1], again.current_values(again.items[1]), again.current_spans(again.items[1]))
    third = open_session(source, tmp_path / "in", SCHEMA, out)
    assert third.done == 1 and third.next_index() == 0 and third.drafts == {}
    (line,) = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["target"]["total"] == "2.00"


def test_spans_outside_the_text_and_objects_outside_the_schema_are_refused(tmp_path: Path) -> None:
    session = open_session(results(tmp_path), tmp_path / "in", SCHEMA, tmp_path / "out.jsonl")
    item = session.items[1]
    with pytest.raises(FinxError, match="outside the document"):
        session.draft(item, "total", "2.00", [10, 999])
    with pytest.raises(FinxError, match="has no field 'tip'"):
        session.draft(item, "tip", "1.00")
    with pytest.raises(FinxError, match="does not fit receipt"):
        session.save(item, {"company": "x" * 1000, "date": None, "address": None, "total": None})
    assert not (tmp_path / "out.jsonl").exists()


def test_paths_outside_the_input_folder_are_never_read(tmp_path: Path) -> None:
    results_file = results(tmp_path)
    (tmp_path / "secret.txt").write_text("PASSWORD hunter2\n", encoding="utf-8")
    (tmp_path / "in" / "link.txt").symlink_to(tmp_path / "secret.txt")
    hostile = [
        {"path": p, "status": "ok", "result": None}
        for p in ("../secret.txt", str(tmp_path / "secret.txt"), "link.txt", "")
    ]
    with results_file.open("a", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(line) + "\n" for line in hostile))
    session = open_session(results_file, tmp_path / "in", SCHEMA, tmp_path / "out.jsonl")
    assert [item.id for item in session.items] == ["failed.txt", "unsure.txt", "sure.txt"]
    assert all("hunter2" not in item.document.text for item in session.items)
    refused = [line for line in session.skipped if "outside the input folder" in line or "not a path" in line]
    assert len(refused) == 4


def test_withheld_values_are_shown_under_their_field_with_the_reason(tmp_path: Path) -> None:
    session = open_session(results(tmp_path), tmp_path / "in", SCHEMA, tmp_path / "out.jsonl")
    assert session.items[1].withheld[0]["value"] == "SHOP B"
    with TestClient(create_app(session), base_url="http://127.0.0.1:8765") as client:
        unsure, sure = client.get("/doc/1").text, client.get("/doc/2").text
    company = unsure[unsure.index('data-name="company"') : unsure.index('data-name="date"')]
    assert "1 value withheld by finx" in company
    assert '<code>company</code> SHOP B <span class="meta">below confidence</span>' in company
    assert "withheld by finx" not in sure
    assert "<script>alert(1)</script>" not in unsure  # a withheld value is text, never markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in unsure
