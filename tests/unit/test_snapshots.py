"""Exact snapshots of whole results on the scripted engine (no model, seconds): each case's full
`ExtractionResult` (timings aside) is compared with the file committed in
`tests/fixtures/snapshots/`, so any change in merging, normalisation, grounding, confidence or
withholding shows up as a diff of that file. After an intended change:
`FINX_UPDATE_SNAPSHOTS=1 pytest tests/unit/test_snapshots.py`, then review the diff in git.
"""

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from finx.config import ExtractionPolicy
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.schemas import get_schema
from tests.support.scripted_engine import ScriptedEngine

SNAPSHOTS = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots"

RECEIPT = "CORNER CAFE\n12 High St, Leeds\n03/02/2024\n1 Latte 3,10\nTOTAL GBP 8.45\n"
RECEIPT_ANSWER = '{"company":"CORNER CAFE","date":"03/02/2024","address":"12 High St, Leeds","total":"8.45"}'
TABLE = "2 KOPI SUSU  36.000\n1 NASI GORENG  25.000\n2 KOPI SUSU  36.000\nSubtotal  97.000\nTOTAL  106.700\n"
ROW = '{{"description":"{}","quantity":"{}","unit_price":null,"amount":"{}"}}'
TABLE_ANSWER = (
    '{"vendor":null,"customer":null,"invoice_number":null,"invoice_date":null,"due_date":null,"currency":null,'
    '"subtotal":"97.000","tax":null,"total":"106.700","line_items":['
    + ",".join(
        [
            ROW.format("KOPI SUSU", "2", "36.000"),
            ROW.format("NASI GORENG", "1", "25.000"),
            ROW.format("KOPI SUSU", "2", "36.000"),
        ]
    )
    + '],"iban":null,"account_number":null}'
)
NDA = "MUTUAL NONDISCLOSURE AGREEMENT between Intercept Pharmaceuticals, Inc. and Acme Corp. dated March 3, 2015."
NDA_ANSWER = (
    '{"parties":["Intercept Pharmaceuticals, Inc","Acme Corp"],"jurisdiction":null,'
    '"effective_date":"March 3, 2015","term":null}'
)


def entities_script(prompt: str) -> str:
    """Each window names the organisations it holds (so a long document merges per window)."""
    document = prompt.rsplit("Document:", 1)[-1]
    orgs = [name for name in ("Apple Inc.", "IBM", "Tesla") if name in document]
    return json.dumps({"org": orgs, "person": []}, separators=(",", ":"))


CASES: dict[str, tuple[str, str, Callable[[str], str], ExtractOptions]] = {
    "receipt": (RECEIPT, "receipt", lambda prompt: RECEIPT_ANSWER, ExtractOptions()),
    "receipt-withheld": (RECEIPT, "receipt", lambda prompt: RECEIPT_ANSWER, ExtractOptions(min_confidence=0.2)),
    "receipt-truncated": (RECEIPT, "receipt", lambda prompt: RECEIPT_ANSWER, ExtractOptions(max_tokens=30)),
    "table-with-repeated-rows": (TABLE, "invoice", lambda prompt: TABLE_ANSWER, ExtractOptions()),
    "nda-legal-form-period": (NDA, "nda", lambda prompt: NDA_ANSWER, ExtractOptions()),
    "entities-long-document": (
        " ".join(["Apple Inc. met IBM in Armonk."] * 30 + ["Later Tesla joined."] * 30),
        "entities:ORG,PERSON",
        entities_script,
        ExtractOptions(),
    ),
}


def snapshot_of(result_json: dict) -> dict:
    result_json.pop("timings", None)
    return result_json


@pytest.mark.parametrize("case", sorted(CASES))
def test_full_results_are_the_committed_snapshots(case: str) -> None:
    document, schema, script, options = CASES[case]
    engine = ScriptedEngine(script)
    try:
        policy = ExtractionPolicy(list_chunk_tokens=192, chunk_tokens=768)
        result = Extractor(engine, policy=policy).extract(ExtractionTask(document, get_schema(schema), options=options))
    finally:
        engine.close()
    actual = snapshot_of(json.loads(result.model_dump_json()))
    path = SNAPSHOTS / f"{case}.json"
    if os.environ.get("FINX_UPDATE_SNAPSHOTS"):
        path.write_text(json.dumps(actual, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    assert path.is_file(), f"no snapshot for {case}: run with FINX_UPDATE_SNAPSHOTS=1 and review it"
    assert actual == json.loads(path.read_text(encoding="utf-8"))
