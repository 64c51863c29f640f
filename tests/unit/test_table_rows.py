"""Table rows read wrongly (`extraction.table_rows`): a row whose amount the document prints away
from its description, whose amount is no number or only part of a printed figure, whose description
is a column's head, or that is the sum of the rows above it, is withheld, listed with the withheld
values; rows printed together, over two lines or with a detail line between, stay."""

from finx.extraction.sum_rows import item_line_figures, total_rows
from finx.extraction.table_rows import is_count_read_as_amount, misread_rows
from finx.schemas import custom_schema, get_schema
from tests.support.tables import INVOICE, extract, row

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


def test_a_table_without_copied_cells_is_not_judged() -> None:
    schema = custom_schema({
        "type": "object",
        "properties": {"rows": {"type": "array", "items": {
            "type": "object",
            "properties": {"count": {"type": "integer"}, "paid": {"type": "boolean"}},
            "required": ["count", "paid"],
        }}},
        "required": ["rows"],
    })  # fmt: skip
    data = {"rows": [{"count": 1, "paid": True}, {"count": 2, "paid": False}, {"count": 3, "paid": True}]}
    assert misread_rows(data, schema.json_schema, "1 2 3", reach=2) == {}
    assert total_rows(data, schema.json_schema, "1 2 3") == {}
    assert item_line_figures(data, schema.json_schema, "1 2 3") == []


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


def test_a_figure_copied_from_part_of_a_printed_one_is_unreadable_where_the_row_s_lines_print_it() -> None:
    document = "\n".join([
        "DESCRIZIONE     IVA   Prezzo",
        "CAPPUCCINO      10%     1,60",
        "CORNETTO CREMA  10%     1,40",
        "HOVIS BREAD 800G       £1.40",
        "SPA BLAUW 1,5L    3   0,89   2,67",
        "6001-Plastic Bag Small",
        "0 x1  0",
        "TOTALE                  3,00",
        "05-09-2024 10:47",
        "Birra 3 x 275,50 = 826,50",
        "Birra 5 x 15,10 = 75,50",
    ])  # fmt: skip
    data = answer(
        row("CORNETTO CREMA", "10"),  # of 10% on its lines, though 10:47 prints it whole further down
        row("HOVIS BREAD 800G", "40"),  # of £1.40
        row("SPA BLAUW 1,5L", "1,5"),  # of the size 1,5L
        row("CAPPUCCINO", "1,60"),
        row("6001-Plastic Bag Small", "0"),  # part of 6001 on its line, whole on the line under it
        row("CORNETTO CREMA", "1,40"),
        row("Delivery", "12"),  # printed nowhere: not judged
        row("Birra", "75,50"),  # part of 275,50 under its first place, whole under its second
    )
    assert misread_rows(data, INVOICE.json_schema, document, reach=None) == {
        "line_items[0]": "unreadable_row",
        "line_items[1]": "unreadable_row",
        "line_items[2]": "unreadable_row",
    }


def test_a_column_s_name_in_the_table_s_head_read_as_a_row_is_a_header_row() -> None:
    document = "\n".join([
        "AANTAL OMSCHRIJVING      PRIJS   BEDRAG",
        "     1 AH HALFVOLLE MELK         1,19",
        "     2 AH BANANEN        0,29    0,58",
        "Qty  Item",
        "     1 LAYS PAPRIKA              2,49",
        "PINNEN BEDRAG  4,26",
    ])  # fmt: skip
    data = answer(
        row("PRIJS", "1,19"),  # a whole column of a head line of three columns without a figure
        row("AH HALFVOLLE MELK", "1,19"),
        row("BEDRAG", "0,58"),  # printed again on a line with a figure: not only a head
        row("Item", "2,49"),  # a line of two columns: no head
    )
    assert misread_rows(data, INVOICE.json_schema, document, reach=2) == {"line_items[0]": "header_row"}


def test_a_row_that_sums_the_rows_above_it_to_the_answer_s_total_is_a_total_row_with_the_rows_after_it() -> None:
    document = ""  # judged on the figures alone
    items = [row("CAPPUCCINO", "1,60"), row("CORNETTO CREMA", "1,40"), row("SPREMUTA", "3,50")]
    data = {"subtotal": None, "total": "7,50", "line_items": [*items, row("ACQUA", "1,00"), row("TOTALE", "7,50")]}
    assert total_rows(data, INVOICE.json_schema, document) == {"line_items[4]": "total_row"}
    assert total_rows({**data, "total": None, "subtotal": "EUR 7,50"}, INVOICE.json_schema, document) == {
        "line_items[4]": "total_row"
    }
    assert total_rows({**data, "total": "8,00"}, INVOICE.json_schema, document) == {}  # not a figure of the answer
    assert total_rows({**data, "line_items": [*items, row("SET MENU", "6,50")]}, INVOICE.json_schema, document) == {}
    two = {"total": "3,20", "line_items": [row("TEA", "1,60"), row("TEA", "1,60"), row("TOTAL", "3,20")]}
    assert total_rows(two, INVOICE.json_schema, document) == {"line_items[2]": "total_row"}
    one = {"total": "1,60", "line_items": [row("TEA", "1,60"), row("TOTAL", "1,60")]}
    assert total_rows(one, INVOICE.json_schema, document) == {}  # one item's amount is the total anyway
    taxed = {
        "subtotal": "1,240.00",
        "total": "1,302.00",
        "line_items": [
            row("Paneer Tikka", "320.00"),
            row("Dal Makhani", "920.00"),
            row("Sub Total", "1,240.00"),
            row("CGST 2.5%", "31.00"),
            row("SGST 2.5%", "31.00"),
        ],
    }
    assert total_rows(taxed, INVOICE.json_schema, document) == {
        f"line_items[{index}]": "total_row" for index in (2, 3, 4)
    }


def test_the_line_of_the_answer_s_tax_read_as_a_row_is_a_total_row_an_item_the_total_repeats_is_not() -> None:
    document = "\n".join([
        "TAGLIATELLE AL RAGU     10%   13,00",
        "VINO ROSSO CALICE       10%   12,00",
        "TOTALE COMPLESSIVO            25,00",
        "DI CUI IVA                     2,27",
    ])  # fmt: skip
    items = [row("TAGLIATELLE AL RAGU", "13,00"), row("VINO ROSSO CALICE", "12,00")]
    data = {"total": "25,00", "tax": "2,27", "line_items": [*items, row("DI CUI IVA", "2,27")]}
    assert total_rows(data, INVOICE.json_schema, document) == {"line_items[2]": "total_row"}
    no_figures = {**data, "tax": None, "total": None}
    assert total_rows(no_figures, INVOICE.json_schema, document) == {}  # not a figure of the answer
    # one item whose amount is the subtotal, which the invoice prints on the item's line only
    single = "Usluga transportowa 1 szt 2 000,00 zl\nRazem do zaplaty: 2 460,00 PLN (VAT 460,00)"
    one = {"subtotal": "2 000,00", "total": "2 460,00", "line_items": [row("Usluga transportowa", "2 000,00")]}
    assert total_rows(one, INVOICE.json_schema, single) == {}
    # an item whose amount the total repeats is printed twice: not the total's line
    repeated = "ESPRESSO   2,00\nCORNETTO   2,27\nTOTALE     4,27\nIVA        2,27"
    two = {"total": "4,27", "tax": "2,27", "line_items": [row("ESPRESSO", "2,00"), row("CORNETTO", "2,27")]}
    assert total_rows(two, INVOICE.json_schema, repeated) == {}


def test_the_extractor_withholds_a_total_read_as_the_last_row_after_reading_the_skipped_rows() -> None:
    document = "\n".join([
        "BAR ROSSI",
        "CAPPUCCINO      10%     1,60",
        "CORNETTO CREMA  10%     1,40",
        "SPREMUTA        10%     3,50",
        "TOTALE COMPLESSIVO      6,50",
    ])  # fmt: skip
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "total": "6,50",
        "line_items": [row("CAPPUCCINO", "1,60"), row("CORNETTO CREMA", "10"), row("TOTALE COMPLESSIVO", "6,50")],
    }
    result = extract(document, written)
    assert result.data["line_items"] == [
        row("CAPPUCCINO", "1,60"),
        row("CORNETTO CREMA", "1,40"),  # its misread amount withheld, the row read in the layout
        row("SPREMUTA", "3,50"),  # skipped: read in the layout
    ]
    assert {(source.path, source.reason) for source in result.withheld} == {
        ("line_items[1].description", "unreadable_row"),
        ("line_items[1].amount", "unreadable_row"),
        ("line_items[3].description", "total_row"),
        ("line_items[3].amount", "total_row"),
    }


def test_a_row_whose_description_holds_fewer_than_two_letters_or_whose_amount_is_an_item_number_is_unreadable() -> None:
    document = "3 Steam Rice  1  29,092\n2 FF SoftDrink (M)  1  30,910\nTotal  60,002"
    data = answer(row("3", "1"), row("Steam Rice", "29,092"), row("2", "30,910"), row("FF SoftDrink (M)", "30,910"))
    assert misread_rows(data, INVOICE.json_schema, document, reach=None) == {
        "line_items[0]": "unreadable_row",
        "line_items[2]": "unreadable_row",
    }
    shop = "Mountain View #423\nE  1447  KS AA BATTERY 48   16.99 A\n   14.000 x1   14.000\n1 8o1t M8x40  135.91"
    letters = answer(
        row("A", "423"),  # a tax class letter with a store number
        row("KS AA BATTERY 48", "16.99"),
        row("14.000 x1", "14.000"),  # a unit price and a count
        row("8o1t M8x40", "135.91"),  # a name with letters misread as figures
    )
    assert misread_rows(letters, INVOICE.json_schema, shop, reach=None) == {
        "line_items[0]": "unreadable_row",
        "line_items[2]": "unreadable_row",
    }
    target = "GROCERY\n212030414  GOOD & GATHER 2% MILK   NF  $3.49\n212100083  GG LARGE EGGS 12CT  NF  $2.99"
    coded = answer(row("GROCERY", "212030414"), row("GG LARGE EGGS 12CT", "2.99"))  # an item number as the amount
    assert misread_rows(coded, INVOICE.json_schema, target, reach=None) == {"line_items[0]": "unreadable_row"}
    # a list of objects whose last cell is no amount is no table of items: its first cell may be a figure
    money = {"money": [{"amount": "2,450.00", "currency": "CHF"}]}
    assert misread_rows(money, get_schema("entities").json_schema, "paid CHF 2,450.00", reach=2) == {}


def test_a_row_whose_line_prints_no_figure_and_takes_the_amount_of_a_line_naming_another_row_is_misplaced() -> None:
    document = "\n".join([
        "BENTONVILLE AR",
        "ST# 0100 OP# 00009012",
        "PAPER TOWEL   003700083541 F    15.97 X",
        "1x 20.000  20.000",
        "Ice thai tea",
        "***TOTAL Rp. 20.000",
        "Toner black",
        "  2 x 79.00  158.00",
        "Kaffee Crema",
        "  2 St. x 217,38    434,76 EUR",
    ])  # fmt: skip
    data = answer(
        row("BENTONVILLE AR", "15.97"),  # the amount of the line that names PAPER TOWEL
        row("PAPER TOWEL", "15.97"),
        row("Ice thai tea", "20.000"),  # printed above on a line naming nothing else: kept
        row("Toner black", "158.00"),  # the line under it names nothing else: kept
        row("Kaffee Crema", "434,76"),  # a detail line: a count and its unit first, kept
    )
    assert misread_rows(data, INVOICE.json_schema, document, reach=2) == {"line_items[0]": "misplaced_row"}


def test_rows_printed_below_the_line_of_the_answer_s_total_are_total_rows() -> None:
    document = "\n".join([
        "COPERTO                 10%    4,00",
        "TAGLIATELLE AL RAGU     10%   13,00",
        "TOTALE COMPLESSIVO            17,00",
        "DI CUI IVA                     1,55",
        "Pagamento elettronico         17,00",
    ])  # fmt: skip
    items = [row("COPERTO", "4,00"), row("TAGLIATELLE AL RAGU", "13,00")]
    data = {"total": "17,00", "line_items": [*items, row("DI CUI IVA", "1,55")]}
    assert total_rows(data, INVOICE.json_schema, document) == {"line_items[2]": "total_row"}
    # a total printed above the rows (an invoice's head) ends nothing
    head = "Amount due  17,00\n" + document.replace("TOTALE COMPLESSIVO            17,00\n", "")
    assert total_rows(data, INVOICE.json_schema, head) == {}


def test_an_invoice_s_tax_not_below_its_total_is_withheld_as_inconsistent() -> None:
    document = "KOPI O  2  5,000\nROTI BAKAR  1  4,500\nTOTAL  9,500\nTUNAI  10,000"
    items = [row("KOPI O", "5,000", "2"), row("ROTI BAKAR", "4,500", "1")]
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {"total": "9,500", "line_items": items}
    result = extract(document, {**written, "tax": "10,000"})  # the cash paid read as the tax
    assert (result.data["tax"], result.data["total"]) == (None, "9,500")
    assert [(source.path, source.value, source.reason) for source in result.withheld] == [
        ("tax", "10,000", "inconsistent")
    ]
    assert extract(document, {**written, "tax": "9,500"}).data["tax"] is None  # the total's own line
    below = document.replace("TUNAI  10,000", "PB1  500")
    assert extract(below, {**written, "tax": "500"}).data["tax"] == "500"
    assert extract(document, {**written, "tax": "10,000", "total": None}).data["tax"] == "10,000"  # nothing to judge by


def test_rows_that_sum_groups_of_items_to_the_subtotal_are_total_rows() -> None:
    document = ""  # judged on the figures alone
    ocha, food = [row("HOT OCHA", "10,000"), row("OCHA", "30,000")], [row("WAKI SALAD", "45,000")]
    interleaved = {
        "subtotal": "562,000",
        "line_items": [*ocha, row("BEVERAGE", "40,000"), *food, row("STEAK", "477,000"), row("FOOD", "522,000")],
    }
    assert total_rows(interleaved, INVOICE.json_schema, document) == {
        "line_items[2]": "total_row",
        "line_items[5]": "total_row",
    }
    after = {"subtotal": "562,000", "line_items": [*ocha, *food, row("STEAK", "477,000"), row("FOOD", "522,000"),
             row("BEVERAGES", "40,000")]}  # fmt: skip
    assert total_rows(after, INVOICE.json_schema, document) == {
        "line_items[4]": "total_row",
        "line_items[5]": "total_row",
    }
    assert total_rows({**interleaved, "subtotal": "600,000"}, INVOICE.json_schema, document) == {}  # not twice it
    missed = {**after, "line_items": after["line_items"][1:]}  # an item not read: the sums after the items still are
    assert total_rows(missed, INVOICE.json_schema, document) == {
        "line_items[3]": "total_row",
        "line_items[4]": "total_row",
    }
    bought_twice = {"subtotal": "80,000", "line_items": [*ocha, row("OCHA", "40,000")]}  # 80,000: once, not twice
    assert total_rows(bought_twice, INVOICE.json_schema, document) == {}


def test_a_row_whose_amount_is_the_count_printed_before_its_description_is_unreadable() -> None:
    document = "5 Crunchy Wings(5) Luisiana  190910\n25 Louisiana Rub\n3 1oz Honey mustard\n4 Steam Rice  29092"
    data = answer(
        row("Crunchy Wings(5) Luisiana", "190910", "5"),
        row("Louisiana Rub", "25"),  # a part of the wings, priced with them
        row("1oz Honey mustard", "3"),
        row("Steam Rice", "4", "4"),  # its line prints its amount after the name: judged on that
    )
    assert misread_rows(data, INVOICE.json_schema, document, reach=2) == {
        "line_items[1]": "unreadable_row",
        "line_items[2]": "unreadable_row",
    }
    row_of_words = {"description": "Louisiana Rub", "quantity": "25"}
    assert not is_count_read_as_amount(row_of_words, {}, document)  # a table without copied cells: nothing to judge
    assert not is_count_read_as_amount(row_of_words, {"description": "copy", "quantity": "copy"}, document)  # no amount


def test_a_row_that_costs_the_whole_total_beside_other_items_is_a_total_row() -> None:
    document = ""  # judged on the figures alone
    items = [row("COPERTO", "4,00"), row("TAGLIATELLE AL RAGU", "13,00"), row("VINO ROSSO CALICE", "12,00")]
    data = {"tax": "4,45", "total": "49,00", "line_items": [*items, row("TOTALE COMPLESSIVO", "49,00")]}
    assert total_rows(data, INVOICE.json_schema, document) == {"line_items[3]": "total_row"}
    token = {
        "total": "3,100",
        "line_items": [row("LE MINERALE 600ML", "3,100"), row("PLASTIK SDG", "1"), row("X", "1")],
    }
    assert total_rows(token, INVOICE.json_schema, document) == {}  # the others a rounding of it: an item
    taxed = {"tax": "13,00", "total": "49,00", "line_items": items}  # a smaller figure, an item's amount as the tax
    assert total_rows(taxed, INVOICE.json_schema, document) == {}


def test_an_invoice_s_tax_left_null_or_read_from_another_line_is_taken_from_the_one_line_that_states_it() -> None:
    document = (
        "NASI GORENG  1  45,000\nES TEH  2  10,000\nSUBTOTAL  55,000\nPB1 10%  5,500\nTOTAL  60,500\nVAT No: 775340434"
    )
    items = [row("NASI GORENG", "45,000", "1"), row("ES TEH", "10,000", "2")]
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {"total": "60,500", "line_items": items}
    result = extract(document, written)
    assert result.data["tax"] == "5,500" and "tax" not in result.confidence  # the model never wrote it
    assert extract(document, {**written, "tax": "55,000"}).data["tax"] == "5,500"  # the subtotal's line gives way
    stated_twice = document.replace("TOTAL  60,500", "PPN  5,000\nTOTAL  60,500")
    assert extract(stated_twice, {**written, "tax": "5,000"}).data["tax"] == "5,000"  # a tax's line: it stays
    two = document.replace("TOTAL  60,500", "Tax  4,000\nTOTAL  60,500")  # two taxes stated: which is the one?
    assert extract(two, written).data["tax"] is None
    assert extract(document, {**written, "total": "5,000"}).data["tax"] is None  # not below the total
