"""Table rows read from the wrong lines (`extraction.table_rows`): a row whose amount the document
prints away from its description is withheld, listed with the withheld values; rows printed
together, over two lines or with a detail line between, stay."""

import json

from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.table_rows import misplaced_rows
from finx.schemas import get_schema
from tests.support.scripted_engine import ScriptedEngine

INVOICE = get_schema("invoice")
DOCUMENT = "\n".join([
    "Greenleaf Office Supplies",         # 0
    "INVOICE GL-5521  Date: 09/09/2024",  # 1
    "Paper A4 box  5  24.99  124.95",     # 2
    "Toner black",                        # 3
    "  2 x 79.00  158.00",                # 4
    "Desk lamp",                          # 5
    "  SKU 4471-B, warm white",           # 6
    "  1 x 35.00  35.00",                 # 7
    "Total 318.00",                       # 8
])  # fmt: skip


def row(description: str, amount: str | None, quantity: str | None = None) -> dict[str, str | None]:
    return {"description": description, "quantity": quantity, "unit_price": None, "amount": amount}


def answer(*rows: dict[str, str | None]) -> dict[str, object]:
    return {"vendor": None, "total": "318.00", "line_items": list(rows)}


def test_rows_printed_together_over_two_lines_or_past_a_detail_line_stay() -> None:
    data = answer(
        row("Paper A4 box", "124.95", "5"),  # one line
        row("Toner black", "158.00", "2"),  # the amount on the next line
        row("Desk lamp", "35.00"),  # two lines below, past a detail line
        row("Toner black", None, "2"),  # one cell written: nothing to compare
        row("Stapler", "12.00"),  # the description is not text of the document: not judged
    )
    assert misplaced_rows(data, INVOICE.json_schema, DOCUMENT, reach=2) == []


def test_a_row_whose_amount_is_printed_above_or_far_below_its_description_is_misplaced() -> None:
    data = answer(
        row("INVOICE", "35.00"),  # the title and the last row's amount, six lines apart
        row("Paper A4 box", "124.95"),
        row("Desk lamp", "158.00"),  # the amount of the row above
        row("Greenleaf Office Supplies", "318.00"),  # the seller and the total, eight lines apart
        row("INVOICE", "124.95"),  # the title one line over the first row: within reach, kept
        row("Toner black", "158.00"),
        row("Desk lamp", "35.00"),
    )
    assert misplaced_rows(data, INVOICE.json_schema, DOCUMENT, reach=2) == [
        "line_items[0]",
        "line_items[2]",
        "line_items[3]",
    ]
    # reach counts lines after the description's last line: 1 withholds the row past a detail line
    assert misplaced_rows(answer(row("Desk lamp", "35.00")), INVOICE.json_schema, DOCUMENT, reach=1) == [
        "line_items[0]"
    ]


def test_a_two_line_description_reaches_from_its_last_line() -> None:
    document = "Ice Lemon\nTea Large\n 1 x 18,000  18,000\nTOTAL 18,000"
    data = answer(row("Ice Lemon Tea Large", "18,000"))
    assert misplaced_rows(data, INVOICE.json_schema, document, reach=1) == []


def test_the_extractor_withholds_a_misplaced_row_and_lists_its_cells() -> None:
    written = {
        "vendor": "Greenleaf Office Supplies", "customer": None, "invoice_number": "GL-5521",
        "invoice_date": "09/09/2024", "due_date": None, "currency": None, "subtotal": None, "tax": None,
        "total": "318.00", "iban": None, "account_number": None,
        "line_items": [
            {"description": "INVOICE", "quantity": "1", "unit_price": "35.00", "amount": "35.00"},
            {"description": "Toner black", "quantity": "2", "unit_price": "79.00", "amount": "158.00"},
            {"description": "Desk lamp", "quantity": "1", "unit_price": "35.00", "amount": "35.00"},
        ],
    }  # fmt: skip
    engine = ScriptedEngine(lambda prompt: json.dumps(written))
    try:
        result = Extractor(engine).extract(ExtractionTask(DOCUMENT, INVOICE, options=ExtractOptions(min_confidence=0)))
    finally:
        engine.close()
    assert result.ok
    assert [item["description"] for item in result.data["line_items"]] == ["Toner black", "Desk lamp"]
    assert [(source.path, source.value, source.start) for source in result.withheld] == [
        ("line_items[0].description", "INVOICE", DOCUMENT.index("INVOICE")),
        ("line_items[0].quantity", "1", DOCUMENT.index("1")),
        ("line_items[0].unit_price", "35.00", DOCUMENT.index("35.00")),
        ("line_items[0].amount", "35.00", DOCUMENT.index("35.00")),
    ]
    assert all(source.confidence is not None for source in result.withheld)
    # the kept rows' confidences follow them to their new places
    cells = ("description", "quantity", "unit_price", "amount")
    assert {path for path in result.confidence if path.startswith("line_items")} == {
        f"line_items[{index}].{cell}" for index in (0, 1) for cell in cells
    }


def test_a_text_that_runs_column_by_column_has_no_row_withheld() -> None:
    # a PDF text layer that writes the descriptions first and the amounts after them
    document = "Paper A4 box\nToner black\nDesk lamp\nStapler\n124.95\n158.00\n35.00\n12.00\nTotal 329.95"
    rows = [
        row("Paper A4 box", "124.95"),
        row("Toner black", "158.00"),
        row("Desk lamp", "35.00"),
        row("Stapler", "12.00"),
    ]
    assert misplaced_rows(answer(*rows), INVOICE.json_schema, document, reach=2) == []
    # two rows of four misplaced (half, not more) in a text printed a row per line: both withheld
    document = "Paper A4 box 124.95\nToner black 158.00\nDesk lamp 35.00\nStapler 12.00"
    rows = [
        row("Paper A4 box", "124.95"),
        row("Desk lamp", "158.00"),
        row("Toner black", "124.95"),
        row("Stapler", "12.00"),
    ]
    assert misplaced_rows(answer(*rows), INVOICE.json_schema, document, reach=0) == ["line_items[1]", "line_items[2]"]
