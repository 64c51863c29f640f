"""Reference-file readers on small hand-written files in each format."""

import json
from pathlib import Path

import pytest

from finx.errors import FinxError
from finx.retrieval.loaders import code_values, read_references


def test_csv_with_aliases_attributes_and_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "refs.csv"
    path.write_text(
        "id,name,kind,aliases,ticker,country\n"
        "acme,Acme Corp,,Acme|ACME Holdings,ACM,US\n"
        ",Nameless Row,,,,\n"
        "idx,FTSE 100,index,,,GB\n"
        "too,Many,,,,,extra\n",
        encoding="utf-8",
    )
    loaded = read_references("csv", path)
    assert [record.id for record in loaded.records] == ["acme", "idx"]
    acme, index = loaded.records
    assert acme.kind == "company" and acme.aliases == ["Acme", "ACME Holdings"]
    assert acme.attributes == {"ticker": "ACM", "country": "US"}
    assert index.kind == "index"
    assert len(loaded.errors) == 2
    assert "refs.csv:3" in loaded.errors[0] and "id" in loaded.errors[0]
    assert "refs.csv:5" in loaded.errors[1] and "more fields" in loaded.errors[1]


def test_csv_without_required_columns_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "refs.csv"
    path.write_text("name,ticker\nAcme,ACM\n", encoding="utf-8")
    with pytest.raises(FinxError, match="lacks column"):
        read_references("csv", path)


def test_jsonl_keeps_good_lines(tmp_path: Path) -> None:
    path = tmp_path / "refs.jsonl"
    path.write_text(
        json.dumps({"id": "a", "name": "Alpha Ltd", "attributes": {"tickers": ["ALP", "ALP.B"]}})
        + "\n{not json\n[1]\n"
        + json.dumps({"id": "b"})
        + "\n",
        encoding="utf-8",
    )
    loaded = read_references("jsonl", path)
    assert [record.id for record in loaded.records] == ["a"]
    assert code_values(loaded.records[0]) == ["ALP", "ALP.B"]
    assert [error.split(": ", 1)[0].rsplit(":", 1)[1] for error in loaded.errors] == ["2", "3", "4"]


def test_sec_company_tickers_groups_tickers_by_cik(tmp_path: Path) -> None:
    path = tmp_path / "company_tickers.json"
    rows = {
        "0": {"cik_str": 1001, "ticker": "ABC", "title": "ABC HOLDINGS INC"},
        "1": {"cik_str": 1001, "ticker": "ABC-P", "title": "ABC HOLDINGS INC"},
        "2": {"cik_str": 2002, "ticker": "XYZ", "title": "Xyz Corp /DE/"},
        "3": {"cik_str": None, "ticker": "BAD", "title": "No Cik"},
    }
    path.write_text(json.dumps(rows), encoding="utf-8")
    loaded = read_references("sec", path)
    by_id = {record.id: record for record in loaded.records}
    assert by_id["cik:1001"].attributes == {"cik": "1001", "tickers": ["ABC", "ABC-P"]}
    assert by_id["cik:2002"].name == "Xyz Corp /DE/"
    assert len(loaded.errors) == 1


def test_sec_exchange_variant(tmp_path: Path) -> None:
    path = tmp_path / "company_tickers_exchange.json"
    data = {"fields": ["cik", "name", "ticker", "exchange"], "data": [[3003, "Qrs Inc.", "QRS", "NYSE"]]}
    path.write_text(json.dumps(data), encoding="utf-8")
    (record,) = read_references("sec", path).records
    assert record.attributes == {"cik": "3003", "tickers": ["QRS"], "exchanges": ["NYSE"]}


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FinxError, match="unknown reference format"):
        read_references("xml", tmp_path / "x")
    with pytest.raises(FinxError, match="no such file"):
        read_references("csv", tmp_path / "missing.csv")
