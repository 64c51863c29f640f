"""Table rows read wrongly (`extraction.table_rows`): a row whose amount the document prints away
from its description, or whose amount is no number, is withheld, listed with the withheld values;
rows printed together, over two lines or with a detail line between, stay. A description that took
in the count printed after it loses it."""

import json

from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult
from finx.extraction.table_rows import mended_rows, misread_rows
from finx.schemas import custom_schema, get_schema
from finx.schemas.invoice import NAME_PARTS
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


def extract(document: str, written: dict[str, object]) -> ExtractionResult:
    """The extractor's result for `document` on an engine that always writes `written`."""
    engine = ScriptedEngine(lambda prompt: json.dumps(written))
    try:
        return Extractor(engine).extract(ExtractionTask(document, INVOICE, options=ExtractOptions(min_confidence=0)))
    finally:
        engine.close()


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
    assert misread_rows(data, INVOICE.json_schema, DOCUMENT, reach=2) == {}


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
    assert misread_rows(data, INVOICE.json_schema, DOCUMENT, reach=2) == {
        "line_items[0]": "misplaced_row",
        "line_items[2]": "misplaced_row",
        "line_items[3]": "misplaced_row",
    }
    # reach counts lines after the description's last line: 1 withholds the row past a detail line
    assert misread_rows(answer(row("Desk lamp", "35.00")), INVOICE.json_schema, DOCUMENT, reach=1) == {
        "line_items[0]": "misplaced_row"
    }


def test_a_row_whose_own_line_prints_an_amount_takes_no_amount_from_the_next_line() -> None:
    document = "2  Flat White  @3.20  6.40\n1  Croissant  2.75\n1  Eggs Benedict  9.50\nToner black 2\n  158.00"
    data = answer(
        row("Croissant", "9.50"),  # the next row's amount: its own line prints 2.75
        row("Croissant", "2.75"),
        row("Toner black", "158.00"),  # its line ends with a count, not an amount: the next line is its own
    )
    assert misread_rows(data, INVOICE.json_schema, document, reach=2) == {"line_items[0]": "misplaced_row"}
    # rows shifted by one (each takes the next row's amount) are withheld however many they are
    shifted = answer(row("Flat White", "6.40"), row("Croissant", "9.50"), row("Eggs Benedict", "3.95"))
    document = "2  Flat White  @3.20  6.40\n1  Croissant  2.75\n1  Eggs Benedict  9.50\n1  Orange Juice  3.95"
    assert misread_rows(shifted, INVOICE.json_schema, document, reach=2) == {
        "line_items[1]": "misplaced_row",
        "line_items[2]": "misplaced_row",
    }


def test_a_two_line_description_reaches_from_its_last_line() -> None:
    document = "Ice Lemon\nTea Large\n 1 x 18,000  18,000\nTOTAL 18,000"
    data = answer(row("Ice Lemon Tea Large", "18,000"))
    assert misread_rows(data, INVOICE.json_schema, document, reach=1) == {}


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
    result = extract(DOCUMENT, written)
    assert result.ok
    assert [item["description"] for item in result.data["line_items"]] == ["Toner black", "Desk lamp"]
    assert [(source.path, source.value, source.start, source.reason) for source in result.withheld] == [
        ("line_items[0].description", "INVOICE", DOCUMENT.index("INVOICE"), "misplaced_row"),
        ("line_items[0].quantity", "1", DOCUMENT.index("1"), "misplaced_row"),
        ("line_items[0].unit_price", "35.00", DOCUMENT.index("35.00"), "misplaced_row"),
        ("line_items[0].amount", "35.00", DOCUMENT.index("35.00"), "misplaced_row"),
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
    assert misread_rows(answer(*rows), INVOICE.json_schema, document, reach=2) == {}
    # two rows of four misplaced (half, not more) in a text printed a row per line: both withheld
    document = "Paper A4 box 124.95\nToner black 158.00\nDesk lamp 35.00\nStapler 12.00"
    rows = [
        row("Paper A4 box", "124.95"),
        row("Desk lamp", "158.00"),
        row("Toner black", "124.95"),
        row("Stapler", "12.00"),
    ]
    assert misread_rows(answer(*rows), INVOICE.json_schema, document, reach=0) == {
        "line_items[1]": "misplaced_row",
        "line_items[2]": "misplaced_row",
    }


def test_a_row_whose_amount_is_no_number_is_misread_wherever_it_is_printed() -> None:
    document = "GARLIC BREAD  1  18,000\nCOLD FRAPE  2  44,000\nTIM HONGKONG 3 TELUR 72,000\nTOTAL 134,000"
    data = answer(
        row("GARLIC BREAD", "COLD FRAPE"),  # the next row's name as an amount
        row("GARLIC BREAD", "18,000"),
        row("TIM HONGKONG", "3 TELUR 72,000"),  # two cells read as one
        row("COLD FRAPE", "Rp 44,000"),  # a currency mark beside the number: still a number
        row("TIM HONGKONG", "72,000-"),
    )
    unreadable = {"line_items[0]": "unreadable_row", "line_items[2]": "unreadable_row"}
    assert misread_rows(data, INVOICE.json_schema, document, reach=None) == unreadable
    assert misread_rows(data, INVOICE.json_schema, document, reach=2) == unreadable


def test_a_table_is_kept_as_read_where_withholding_would_leave_fewer_rows_than_its_schema_asks() -> None:
    schema = custom_schema({
        "type": "object",
        "properties": {"rows": {"type": "array", "minItems": 2, "items": {
            "type": "object",
            "properties": {
                "description": {"type": "string", "x-finx-source": "copy"},
                "amount": {"type": "string", "x-finx-source": "number"},
            },
            "required": ["description", "amount"],
        }}},
        "required": ["rows"],
    })  # fmt: skip
    document = "GARLIC BREAD  18,000\nCOLD FRAPE  22,000\nICED TEA  9,000"
    two = {
        "rows": [
            {"description": "GARLIC BREAD", "amount": "COLD FRAPE"},
            {"description": "ICED TEA", "amount": "9,000"},
        ]
    }
    assert misread_rows(two, schema.json_schema, document, reach=2) == {}
    three = {"rows": [*two["rows"], {"description": "COLD FRAPE", "amount": "22,000"}]}
    assert misread_rows(three, schema.json_schema, document, reach=2) == {"rows[0]": "unreadable_row"}


def test_a_description_that_took_in_another_cell_loses_it_unless_the_line_prints_it_apart() -> None:
    document = (
        "Menus x200 @ 0.45 = 90.00\nInstallation 1 @ 800.00 = 800.00\n1 Combo 1  30.000\n"
        "Beratung 8 Std à 95,00 = 760,00\nTiles 30x30  4  12.00\nWidget A  9.00\nTEH PANAS 5,455\n4 HAKAU UDANG  92,000\nTotal 1,701.00"
    )
    data = answer(
        row("Menus x200", "90.00", quantity="x200"),
        row("Installation 1", "800.00", quantity="1"),
        row("Combo 1", "30.000", quantity="1"),  # a product named `Combo 1`, bought once: kept
        row("Menus", "90.00", quantity="200"),  # the count not in the description: kept
        row("x200", "90.00", quantity="x200"),  # nothing left with a letter: kept
        row("Beratung 8 Std à 95,00", "760,00", quantity=None),  # a count and unit price at its end
        row("Tiles 30x30", "12.00", quantity="4"),  # a size, not a count: kept
        row("Widget A", "9.00", quantity="A"),  # a second cell without a digit is no count: kept
        row("TEH PANAS 5,455", "5,455"),  # took in its amount
        row("4 HAKAU UDANG", "92,000", quantity="4"),  # took in the count printed before it
    )
    kept, cut = mended_rows(data, INVOICE.json_schema, document)
    assert [item["description"] for item in kept["line_items"]] == [
        "Menus",
        "Installation",
        "Combo 1",
        "Menus",
        "x200",
        "Beratung",
        "Tiles 30x30",
        "Widget A",
        "TEH PANAS",
        "HAKAU UDANG",
    ]
    assert cut == {
        "line_items[0].description": "Menus",
        "line_items[1].description": "Installation",
        "line_items[5].description": "Beratung",
        "line_items[8].description": "TEH PANAS",
        "line_items[9].description": "HAKAU UDANG",
    }
    assert data["line_items"][0]["description"] == "Menus x200"  # the answer given is not changed


def test_the_extractor_cuts_a_swallowed_count_and_keeps_the_cells_confidence() -> None:
    document = "Atelier Dubois SARL\nRéparation four 1 450,00 €\nTotal 450,00 €"
    written = {
        "vendor": "Atelier Dubois SARL", "customer": None, "invoice_number": None, "invoice_date": None,
        "due_date": None, "currency": "€", "subtotal": None, "tax": None, "total": "450,00", "iban": None,
        "account_number": None,
        "line_items": [{"description": "Réparation four 1", "quantity": "1", "unit_price": None, "amount": "450,00"}],
    }  # fmt: skip
    result = extract(document, written)
    assert result.ok
    assert result.data["line_items"] == [
        {"description": "Réparation four", "quantity": "1", "unit_price": None, "amount": "450,00"}
    ]
    assert result.confidence["line_items[0].description"] is not None
    source = next(source for source in result.sources if source.path == "line_items[0].description")
    assert (source.start, source.end) == (document.index("Réparation"), document.index(" 1 450"))


def test_a_row_that_took_the_next_lines_amount_takes_its_own_lines_amount() -> None:
    document = "\n".join([
        "Table 7   Server: Amy",
        "2  Flat White  @3.20  6.40",
        "1  Croissant  2.75",
        "1  Eggs Benedict  9.50",
        "1  Orange Juice  3.95",
        "BANANAS EACH  0.95",
        "  5 @ 0.19",
        "SAVINGS  -1.00",
        "Total  23.79",
    ])  # fmt: skip
    shifted = {
        "vendor": None,
        "total": "23.79",
        "line_items": [
            {"description": "Flat White", "quantity": "2", "unit_price": "3.20", "amount": "6.40"},  # right: kept
            {"description": "Croissant", "quantity": "1", "unit_price": "2.75", "amount": "9.50"},
            {"description": "Eggs Benedict", "quantity": "1", "unit_price": "3.95", "amount": "3.95"},
            {"description": "BANANAS EACH", "quantity": "5", "unit_price": "0.19", "amount": "23.79"},
            {"description": "SAVINGS", "quantity": None, "unit_price": None, "amount": "23.79"},
            {
                "description": "Server: Amy",
                "quantity": None,
                "unit_price": None,
                "amount": "6.40",
            },  # no amount of its own
        ],
    }
    mended, changed = mended_rows(shifted, INVOICE.json_schema, document)
    assert mended["line_items"] == [
        {"description": "Flat White", "quantity": "2", "unit_price": "3.20", "amount": "6.40"},
        {"description": "Croissant", "quantity": "1", "unit_price": None, "amount": "2.75"},  # 2.75 printed once
        {"description": "Eggs Benedict", "quantity": "1", "unit_price": None, "amount": "9.50"},  # 3.95: another row's
        {"description": "BANANAS EACH", "quantity": "5", "unit_price": "0.19", "amount": "0.95"},  # its detail line
        {"description": "SAVINGS", "quantity": None, "unit_price": None, "amount": "-1.00"},
        {"description": "Server: Amy", "quantity": None, "unit_price": None, "amount": "6.40"},
    ]
    assert changed == {
        "line_items[1].unit_price": None,
        "line_items[1].amount": "2.75",
        "line_items[2].unit_price": None,
        "line_items[2].amount": "9.50",
        "line_items[3].amount": "0.95",
        "line_items[4].amount": "-1.00",
    }
    assert misread_rows(shifted, INVOICE.json_schema, document, reach=2) == {
        "line_items[1]": "misplaced_row",
        "line_items[2]": "misplaced_row",
        "line_items[3]": "misplaced_row",
        "line_items[4]": "misplaced_row",
    }
    assert misread_rows(mended, INVOICE.json_schema, document, reach=2) == {}  # a header line within reach stays


def test_a_row_whose_description_is_printed_with_two_amounts_is_not_mended() -> None:
    document = "1  Latte  3.50\n1  Tea  2.00\n1  Latte  3.90\nTotal 9.40"
    data = answer(row("Latte", "2.00"))
    assert mended_rows(data, INVOICE.json_schema, document) == (data, {})


def test_a_table_whose_last_cell_is_no_amount_is_not_mended() -> None:
    schema = custom_schema(
        {
            "type": "object",
            "properties": {
                "rows": {
                    "type": "array",
                    "maxItems": 5,
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "maxLength": 40, "x-finx-source": "copy"},
                            "code": {"type": "string", "maxLength": 40, "x-finx-source": "copy"},
                        },
                        "required": ["name", "code"],
                    },
                }
            },
            "required": ["rows"],
        }
    )
    document = "Latte  3.50\nTea  2.00\nB-17"
    data = {"rows": [{"name": "Latte", "code": "B-17"}]}
    assert mended_rows(data, schema.json_schema, document) == (data, {})


def test_a_pack_size_read_as_the_count_goes_back_into_the_invoice_item_s_name() -> None:
    document = "\n".join([
        "012871200443 DECK SCREWS 5LB <A>   29.97",
        "WOOD GLUE 16OZ      5.48",
        "Usluga transportowa 1 szt   120,00",
        "WIDGET  5LB   9.00",
        "Total 164.45",
    ])  # fmt: skip
    data = answer(
        row("DECK SCREWS", "29.97", quantity="5LB"),
        row("WOOD GLUE", "5.48", quantity="16OZ"),
        row("Usluga transportowa", "120,00", quantity="1 szt"),  # a count with its unit: kept apart
        row("WIDGET", "9.00", quantity="5LB"),  # printed in a column of its own: kept apart
        row("WOOD GLUE 16OZ", "5.48", quantity="16OZ"),  # read twice: the count is no count
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document, NAME_PARTS)
    assert [(item["description"], item["quantity"]) for item in kept["line_items"]] == [
        ("DECK SCREWS 5LB", None),
        ("WOOD GLUE 16OZ", None),
        ("Usluga transportowa", "1 szt"),
        ("WIDGET", "5LB"),
        ("WOOD GLUE 16OZ", None),
    ]
    assert changed == {
        "line_items[0].description": "DECK SCREWS 5LB",
        "line_items[0].quantity": None,
        "line_items[1].description": "WOOD GLUE 16OZ",
        "line_items[1].quantity": None,
        "line_items[4].quantity": None,
    }
    assert mended_rows(data, INVOICE.json_schema, document)[0]["line_items"][:4] == data["line_items"][:4]


def test_the_extractor_returns_an_invoice_item_with_its_pack_size_in_its_name_and_its_confidence() -> None:
    document = "HOME DEPOT\nWOOD GLUE 16OZ      5.48\nTOTAL               5.48"
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "total": "5.48",
        "line_items": [row("WOOD GLUE", "5.48", quantity="16OZ")],
    }
    result = extract(document, written)
    assert result.data["line_items"] == [row("WOOD GLUE 16OZ", "5.48")]
    assert result.confidence["line_items[0].description"] > 0  # the name's confidence kept
