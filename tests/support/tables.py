"""Helpers for the table-row tests: the invoice schema, a line item, and the extractor's result on
a scripted engine that always writes the same answer."""

import json

from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult
from finx.schemas import get_schema
from tests.support.scripted_engine import ScriptedEngine

INVOICE = get_schema("invoice")


def row(
    description: str, amount: str | None, quantity: str | None = None, unit_price: str | None = None
) -> dict[str, str | None]:
    """An invoice line item."""
    return {"description": description, "quantity": quantity, "unit_price": unit_price, "amount": amount}


def extract(document: str, written: dict[str, object], min_confidence: float = 0) -> ExtractionResult:
    """The extractor's result for `document` as an invoice, on an engine that always writes `written`."""
    engine = ScriptedEngine(lambda prompt: json.dumps(written))
    try:
        options = ExtractOptions(min_confidence=min_confidence)
        return Extractor(engine).extract(ExtractionTask(document, INVOICE, options=options))
    finally:
        engine.close()
