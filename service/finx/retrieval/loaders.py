"""Readers of reference-record files: `read_references(format, path)` -> records and line errors.

Formats:
- `csv`: a header row with `id`, `name` and optionally `kind` (default "company") and `aliases`
  ("|"-separated); every other non-empty column becomes an attribute ("|" makes a list).
- `jsonl`: one object per line: `id`, `name`, optional `kind`, `aliases` (list), `attributes` (object).
- `sec`: the SEC EDGAR company list, `company_tickers.json` or `company_tickers_exchange.json`;
  one record per CIK, with all its tickers (and exchanges) as attributes.
A bad row becomes an error naming its line; the other rows still load.
"""

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from finx.errors import FinxError
from finx.retrieval.base import Reference

FORMATS = ("csv", "jsonl", "sec")
CODE_ATTRIBUTES = ("ticker", "tickers", "cik", "lei", "isin", "cusip")
"""Attributes whose values are identifiers: indexed for exact code lookups (tickers, CIK, ...)."""
LIST_SEPARATOR = "|"


@dataclass
class ReferenceFile:
    records: list[Reference] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_references(fmt: str, path: Path) -> ReferenceFile:
    """The records of `path` in format `fmt`, with one error line per row that could not be read."""
    if fmt not in FORMATS:
        raise FinxError(f"unknown reference format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    if not path.is_file():
        raise FinxError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise FinxError(f"{path}: cannot read: {error}") from None
    if fmt == "csv":
        return _read_csv(text, path)
    if fmt == "jsonl":
        return _read_jsonl(text, path)
    return _read_sec(text, path)


def code_values(reference: Reference) -> list[str]:
    """The identifier values of a record (tickers, CIK, ...), as strings."""
    values: list[str] = []
    for key in CODE_ATTRIBUTES:
        value = reference.attributes.get(key)
        items = value if isinstance(value, list) else [value] if value not in (None, "") else []
        values.extend(str(item) for item in items)
    return values


def _make(location: str, raw: dict[str, Any], report: ReferenceFile) -> None:
    try:
        report.records.append(Reference.model_validate({"kind": "company", **raw}))
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "record"
        report.errors.append(f"{location}: {where}: {problem['msg']}")


def _read_csv(text: str, path: Path) -> ReferenceFile:
    report = ReferenceFile()
    reader = csv.DictReader(text.splitlines())
    missing = {"id", "name"} - set(reader.fieldnames or ())
    if missing:
        raise FinxError(f"{path}: the header lacks column(s) {', '.join(sorted(missing))}")
    for line, row in enumerate(reader, start=2):
        if None in row:
            report.errors.append(f"{path}:{line}: more fields than the header has")
            continue
        raw: dict[str, Any] = {"id": row.pop("id"), "name": row.pop("name")}
        kind = row.pop("kind", None)
        if kind:
            raw["kind"] = kind
        raw["aliases"] = _split(row.pop("aliases", "") or "")
        raw["attributes"] = {key: _list_or_text(value) for key, value in row.items() if value}
        _make(f"{path}:{line}", raw, report)
    return report


def _read_jsonl(text: str, path: Path) -> ReferenceFile:
    report = ReferenceFile()
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            raw = json.loads(content)
        except json.JSONDecodeError as error:
            report.errors.append(f"{path}:{line}: not JSON: {error.msg}")
            continue
        if not isinstance(raw, dict):
            report.errors.append(f"{path}:{line}: expected an object")
            continue
        _make(f"{path}:{line}", raw, report)
    return report


def _read_sec(text: str, path: Path) -> ReferenceFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise FinxError(f"{path}: not JSON: {error.msg} (line {error.lineno})") from None
    if isinstance(document, dict) and "fields" in document and "data" in document:
        names = document["fields"]
        rows: Iterable[Any] = (dict(zip(names, row, strict=False)) for row in document["data"])
    elif isinstance(document, dict):
        rows = (
            {"cik": row.get("cik_str"), "name": row.get("title"), "ticker": row.get("ticker")}
            for row in document.values()
            if isinstance(row, dict)
        )
    else:
        raise FinxError(f"{path}: not an SEC company_tickers file (expected a JSON object)")
    by_cik: dict[str, dict[str, Any]] = {}
    report = ReferenceFile()
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or not row.get("cik") or not row.get("name"):
            report.errors.append(f"{path}: entry {index}: needs cik and name")
            continue
        cik = str(row["cik"]).lstrip("0") or "0"
        record = by_cik.setdefault(
            cik, {"id": f"cik:{cik}", "name": str(row["name"]), "attributes": {"cik": cik, "tickers": []}}
        )
        if row.get("ticker") and row["ticker"] not in record["attributes"]["tickers"]:
            record["attributes"]["tickers"].append(str(row["ticker"]))
        if row.get("exchange"):
            exchanges = record["attributes"].setdefault("exchanges", [])
            if row["exchange"] not in exchanges:
                exchanges.append(str(row["exchange"]))
    for record in by_cik.values():
        _make(f"{path}: {record['id']}", record, report)
    return report


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _list_or_text(value: str) -> str | list[str]:
    return _split(value) if LIST_SEPARATOR in value else value.strip()
