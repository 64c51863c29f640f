"""Table rows the model skipped (`extraction.skipped_rows`): a line printed in the layout of the
rows read, between them, below them up to the line that prints the answer's total, or above them up
to a line in another layout, becomes a row in line order (also where the model's row was withheld as
misread); lines in other layouts, labels, and tables with no row read on one line get none."""

from finx.extraction.skipped_rows import with_skipped_rows
from finx.schemas import custom_schema
from tests.support.tables import INVOICE, extract, row

CAFE = "\n".join([
    "The Corner Cafe",
    "Table 7   Server: Amy",
    "2  Flat White          @3.20     6.40",
    "1  Croissant                     2.75",
    "1  Eggs Benedict                 9.50",
    "1  Orange Juice (L)              3.95",
    "Subtotal                        22.60",
    "Service 10%                      2.26",
    "Total GBP                       24.86",
])  # fmt: skip
GROCERY = "\n".join([
    "BANANAS EACH              0.95",
    "  5 @ 0.19",
    "ORGANIC SPINACH           2.49",
    "GREEK YOGURT PLAIN        4.99",
    "ALMOND BUTTER             6.99",
    "TOTAL                    15.42",
    "VISA                     15.42",
])  # fmt: skip


def answer(total: str | None, *rows: dict[str, str | None], subtotal: str | None = None) -> dict[str, object]:
    return {"vendor": None, "subtotal": subtotal, "total": total, "line_items": list(rows)}


def test_the_row_under_the_last_one_read_in_its_layout_is_put_in_and_the_subtotal_line_ends_the_table() -> None:
    read = answer(
        "24.86",
        row("Flat White", "6.40", "2", "3.20"),
        row("Croissant", "2.75", "1"),
        row("Eggs Benedict", "9.50", "1"),
        subtotal="22.60",
    )
    data, added = with_skipped_rows(read, INVOICE.json_schema, CAFE)
    assert data["line_items"][3] == row("Orange Juice (L)", "3.95", "1")
    assert len(data["line_items"]) == 4  # not `Subtotal` nor `Service 10%`
    assert added == ["line_items[3]"]


def test_rows_skipped_between_and_below_are_put_in_line_order_past_a_detail_line() -> None:
    read = answer("15.42", row("BANANAS EACH", "0.95", None, "0.19"), row("GREEK YOGURT PLAIN", "4.99"))
    data, added = with_skipped_rows(read, INVOICE.json_schema, GROCERY)
    assert [(item["description"], item["amount"]) for item in data["line_items"]] == [
        ("BANANAS EACH", "0.95"),
        ("ORGANIC SPINACH", "2.49"),
        ("GREEK YOGURT PLAIN", "4.99"),
        ("ALMOND BUTTER", "6.99"),
    ]
    assert data["line_items"][1] == row("ORGANIC SPINACH", "2.49")  # the unit price was on a detail line
    assert added == ["line_items[1]", "line_items[3]"]


def test_without_the_total_in_the_answer_a_line_in_another_layout_ends_the_table() -> None:
    document = "\n".join(["1 Lasagna  45,000", "1 Iced Tea  33,000", "SUBTOTAL  78,000", "1 Voucher  10,000"])
    data, _ = with_skipped_rows(answer(None, row("Lasagna", "45,000", "1")), INVOICE.json_schema, document)
    assert [item["description"] for item in data["line_items"]] == ["Lasagna", "Iced Tea"]


def test_only_a_line_ending_with_a_figure_of_the_answer_ends_the_table() -> None:
    read = {**answer("24.86", row("Croissant", "2.75", "1"), subtotal="GBP 22.60"), "invoice_number": "1"}
    data, _ = with_skipped_rows(read, INVOICE.json_schema, CAFE)  # `1` is no figure of the answer: read on
    assert [item["description"] for item in data["line_items"]] == [
        "Flat White",
        "Croissant",
        "Eggs Benedict",
        "Orange Juice (L)",
    ]


DINER = "\n".join([
    "Check #4471     10/05/2024 7:52 PM",
    "1 Cheeseburger               13.95",
    "   No Onions",
    "   Side: Fries",
    "1 Club Sandwich              12.50",
    "1 Apple Pie a la Mode         7.25",
    "Thank you, come again",
    "1 Gift Card                  25.00",
])  # fmt: skip


def test_a_row_s_indented_details_without_a_figure_are_passed_over_and_a_line_of_words_ends_the_table() -> None:
    data, added = with_skipped_rows(answer(None, row("Cheeseburger", "13.95", "1")), INVOICE.json_schema, DINER)
    assert [(item["description"], item["amount"]) for item in data["line_items"]] == [
        ("Cheeseburger", "13.95"),
        ("Club Sandwich", "12.50"),
        ("Apple Pie a la Mode", "7.25"),
    ]  # not the gift card under `Thank you, come again`, which is not indented
    assert added == ["line_items[1]", "line_items[2]"]


def test_an_item_printed_without_a_price_is_passed_over_where_the_rows_print_a_count_first() -> None:
    document = "\n".join([
        "1 Kailan hongkong  15,800", "1 Kuah Kaldu Ayam", "1 Kue Macok  22,800", "2 Udon  39,600", "SUBTOTAL  78,200",
    ])  # fmt: skip
    read = answer(None, row("Kailan hongkong", "15,800", "1"), subtotal="78,200")
    data, added = with_skipped_rows(read, INVOICE.json_schema, document)
    assert [item["description"] for item in data["line_items"]] == ["Kailan hongkong", "Kue Macok", "Udon"]
    assert added == ["line_items[1]", "line_items[2]"]
    bare = "\n".join(["Kailan hongkong  15,800", "Kuah Kaldu Ayam", "Kue Macok  22,800"])  # no count: nothing to go by
    data, _ = with_skipped_rows(answer(None, row("Kailan hongkong", "15,800")), INVOICE.json_schema, bare)
    assert [item["description"] for item in data["line_items"]] == ["Kailan hongkong"]


def test_an_indented_line_of_words_over_the_rows_read_ends_the_table() -> None:
    document = "\n".join(["1 Soup  4.50", "   Welcome back", "1 Bread  2.00", "1 Salad  6.00"])
    data, _ = with_skipped_rows(answer(None, row("Salad", "6.00", "1")), INVOICE.json_schema, document)
    assert [item["description"] for item in data["line_items"]] == ["Bread", "Salad"]


def test_a_first_row_skipped_is_read_above_up_to_a_line_in_another_layout() -> None:
    document = "\n".join([
        "Table 7   Server: Amy",
        "Eugene OR 97402",           # a postcode is no amount with cents: the table starts below it
        "Croissant          2.75",
        "Eggs Benedict      9.50",
        "Total             12.25",
    ])  # fmt: skip
    data, added = with_skipped_rows(answer("12.25", row("Eggs Benedict", "9.50")), INVOICE.json_schema, document)
    assert data["line_items"] == [row("Croissant", "2.75"), row("Eggs Benedict", "9.50")]
    assert added == ["line_items[0]"]


def test_figures_fit_a_layout_by_how_they_end_and_a_discount_s_line_is_passed_over() -> None:
    grouped = "wedding shoot 1,200\nprints 150\nalbum 2\ntotal USD 1,352"
    data, _ = with_skipped_rows(answer("1,352", row("wedding shoot", "1,200")), INVOICE.json_schema, grouped)
    assert [item["amount"] for item in data["line_items"]] == ["1,200", "150"]  # not the bare `2`
    lines = ["ADVIL 24CT      8.99", " SAVINGS       -1.00", "WATER 1L        3.58", "TOTAL          11.57"]
    data, _ = with_skipped_rows(answer("11.57", row("ADVIL 24CT", "8.99")), INVOICE.json_schema, "\n".join(lines))
    # the discount's line is no row and no end of the table (CORD labels no discount as an item)
    assert [item["description"] for item in data["line_items"]] == ["ADVIL 24CT", "WATER 1L"]
    for signed in ("1.00-", "-£1.00", "-$1.00"):
        other = [line.replace(" -1.00", signed) for line in lines]
        data, _ = with_skipped_rows(answer("11.57", row("ADVIL 24CT", "8.99")), INVOICE.json_schema, "\n".join(other))
        assert [item["description"] for item in data["line_items"]] == ["ADVIL 24CT", "WATER 1L"], signed
    data, _ = with_skipped_rows(answer("11.57", row("SAVINGS", "-1.00")), INVOICE.json_schema, "\n".join(lines))
    assert [item["description"] for item in data["line_items"]] == ["ADVIL 24CT", "SAVINGS", "WATER 1L"]


def test_a_name_printed_twice_is_two_rows() -> None:
    document = "\n".join(["1 YELLOW VELVET  5,000", "1 YELLOW VELVET  5,000", "1 KIWI  4,000", "Total  14,000"])
    read = answer("14,000", row("YELLOW VELVET", "5,000", "1"), row("KIWI", "4,000", "1"))
    data, added = with_skipped_rows(read, INVOICE.json_schema, document)
    assert data["line_items"] == [
        row("YELLOW VELVET", "5,000", "1"),
        row("YELLOW VELVET", "5,000", "1"),
        row("KIWI", "4,000", "1"),
    ]
    assert added == ["line_items[1]"]


def test_lines_that_are_labels_or_print_a_count_or_price_the_layout_has_no_place_for_are_no_rows() -> None:
    for line in ("5 Hot Tea  60.000", "Iced Tea 12.000  24.000", "Total Item:  3", "1X  38,900"):
        document = f"Green Tea  22.000\n{line}\n"
        _, added = with_skipped_rows(answer(None, row("Green Tea", "22.000")), INVOICE.json_schema, document)
        assert added == [], line


def test_a_table_whose_rows_are_not_printed_on_one_line_or_not_whole_gets_no_rows() -> None:
    two_lines = "\n".join(["Toner black", "  2 x 79.00  158.00", "Desk lamp", "  1 x 35.00  35.00", "Total 193.00"])
    read = answer("193.00", row("Toner black", "158.00", "2", "79.00"))
    assert with_skipped_rows(read, INVOICE.json_schema, two_lines) == (read, [])
    words_between = "\n".join(["1 WAKI PLATTER FOR 4-5  389,000", "1 CHAPJEA  95,000", "Total  484,000"])
    read = answer("484,000", row("WAKI PLATTER", "389,000", "1"))
    assert with_skipped_rows(read, INVOICE.json_schema, words_between) == (read, [])


def test_a_custom_table_with_a_cell_that_cannot_be_null_outside_the_layout_gets_no_rows() -> None:
    cell = {"type": "string", "x-finx-source": "copy"}
    figure = {"anyOf": [{"type": "string", "x-finx-source": "number"}, {"type": "null"}]}
    schema = custom_schema({
        "type": "object",
        "properties": {"rows": {"type": "array", "items": {
            "type": "object",
            "properties": {"name": cell, "sku": cell, "price": figure},
            "required": ["name", "sku", "price"],
        }}},
        "required": ["rows"],
    })  # fmt: skip
    document = "Widget  4.00\nGadget  5.00\n"
    read = {"rows": [{"name": "Widget", "sku": "W-1", "price": "4.00"}]}
    assert with_skipped_rows(read, schema.json_schema, document) == (read, [])


def test_a_row_withheld_as_misread_is_read_again_in_the_layout_of_its_line() -> None:
    document = "MILCH 1,5%     1,09 B\nBROETCHEN      1,50 B\nKAFFEE GOLD    5,99 B\nSUMME  EUR  8,58"
    misread = row("MILCH 1,5%", "09", "1")  # the amount a part of a printed figure: withheld (`table_rows`)
    rows = answer("8,58", misread, row("BROETCHEN", "1,50"), row("KAFFEE GOLD", "5,99"))
    result = extract(document, dict.fromkeys(INVOICE.json_schema["properties"]) | rows)
    assert result.data["line_items"][0] == row("MILCH 1,5%", "1,09")
    assert {source.path: source.reason for source in result.withheld} == {
        f"line_items[0].{cell}": "unreadable_row" for cell in ("description", "quantity", "amount")
    }


def test_the_extractor_returns_the_skipped_row_with_no_confidence_of_its_own() -> None:
    rows = answer("24.86", row("Croissant", "2.75", "1"), row("Eggs Benedict", "9.50", "1"), subtotal="22.60")
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | rows
    result = extract(CAFE, written, min_confidence=0.5)
    assert result.status == "ok"
    assert [item["description"] for item in result.data["line_items"]] == [
        "Flat White",
        "Croissant",
        "Eggs Benedict",
        "Orange Juice (L)",
    ]
    assert "line_items[0].description" not in result.confidence
    assert "line_items[3].description" not in result.confidence
    assert "line_items[1].description" in result.confidence


def test_a_code_column_of_capitals_between_the_cells_fits_any_such_code() -> None:
    document = "\n".join([
        "PC CHICKEN THIGHS       MRJ    11.47",
        "ROMAINE HEARTS 3PK      MRJ     4.99",
        "YELLOW ONIONS 3LB       MRJ     3.49",
        "PC ORANGE JUICE 2.5L    HMRJ    5.99",
        "PC BACON  THICK CUT     12.99",
        "SUBTOTAL                       25.94",
    ])  # fmt: skip
    read = answer(None, row("ROMAINE HEARTS 3PK", "4.99"), row("YELLOW ONIONS 3LB", "3.49"), subtotal="25.94")
    kept, added = with_skipped_rows(read, INVOICE.json_schema, document)
    assert [(item["description"], item["amount"]) for item in kept["line_items"]] == [
        ("PC CHICKEN THIGHS", "11.47"),
        ("ROMAINE HEARTS 3PK", "4.99"),
        ("YELLOW ONIONS 3LB", "3.49"),
        ("PC ORANGE JUICE 2.5L", "5.99"),  # another code; `CUT` of the line below is no column of its own
    ]
    assert added == ["line_items[0]", "line_items[3]"]
    # a word of the description between the cells still gives no layout
    worded = answer(None, row("ROMAINE", "4.99"), subtotal="25.94")
    assert with_skipped_rows(worded, INVOICE.json_schema, document) == (worded, [])


def test_a_tax_class_printed_apart_at_the_line_s_end_fits_any_class() -> None:
    document = "\n".join([
        " 819264 Milk Semi Skim 2.27L     1.45 A",
        " 604718 Free Range Eggs 12s      2.79 A",
        " 730021 Dishwasher Tabs 30s      3.99 B",
        " TOTAL                           8.23",
    ])  # fmt: skip
    read = answer("8.23", row("Milk Semi Skim 2.27L", "1.45"), row("Free Range Eggs 12s", "2.79"))
    kept, added = with_skipped_rows(read, INVOICE.json_schema, document)
    assert kept["line_items"][-1] == row("Dishwasher Tabs 30s", "3.99")
    assert added == ["line_items[2]"]
    walmart = "\n".join([
        "PAPER TOWEL   003700083541 F    15.97 X",
        "GV MILK GAL   007874235186 F     3.58 N",
        "GV EGGS 18CT  007874207263 F     4.27 N",
        "              SUBTOTAL          23.82",
    ])  # fmt: skip
    milk = answer("23.82", row("GV MILK GAL", "3.58"))  # a one-letter code column mid-line, a class at the end
    kept, added = with_skipped_rows(milk, INVOICE.json_schema, walmart)
    assert [item["description"] for item in kept["line_items"]] == ["PAPER TOWEL", "GV MILK GAL", "GV EGGS 18CT"]


def test_a_section_head_over_rows_of_the_layout_does_not_end_the_table() -> None:
    document = "\n".join([
        "GROCERY",
        "212030414  GOOD & GATHER 2% MILK   NF  $3.49",
        "212100083  GG LARGE EGGS 12CT      NF  $2.99",
        "HOME",
        "054060207  UP&UP PAPER TOWELS 6PK  T   $11.99",
        "THANK YOU",
        "SUBTOTAL                              $18.47",
    ])  # fmt: skip
    read = answer("18.47", row("GOOD & GATHER 2% MILK", "3.49"), row("GG LARGE EGGS 12CT", "2.99"))
    kept, added = with_skipped_rows(read, INVOICE.json_schema, document)
    assert kept["line_items"][-1] == row("UP&UP PAPER TOWELS 6PK", "11.99")
    assert added == ["line_items[2]"]
    unheaded = document.replace("HOME", "Home delivery available")  # no head: the table ends there
    assert with_skipped_rows(read, INVOICE.json_schema, unheaded) == (read, [])


def test_a_price_printed_before_the_amount_that_the_layout_has_no_place_for_is_the_unit_price() -> None:
    document = "\n".join([
        "     1 AH HALFVOLLE MELK         1,19",
        "     2 AH BANANEN        0,29    0,58",
        "     1 LAYS PAPRIKA              2,49",
        "TOTAAL                           4,26",
    ])  # fmt: skip
    read = answer("4,26", row("AH HALFVOLLE MELK", "1,19", "1"), row("LAYS PAPRIKA", "2,49", "1"))
    data, added = with_skipped_rows(read, INVOICE.json_schema, document)
    assert data["line_items"][1] == row("AH BANANEN", "0,58", "2", "0,29")
    assert added == ["line_items[1]"]
    document = "2 x Pils 0,5l        à 4,20     8,40\n1 x Schnitzel Wiener Art       16,90\nSumme  25,30"
    data, added = with_skipped_rows(
        answer("25,30", row("Schnitzel Wiener Art", "16,90", "1")), INVOICE.json_schema, document
    )
    assert data["line_items"][0] == row("Pils 0,5l", "8,40", "2", "4,20")
    # a table without a price cell has no place for it: the line is no row
    schema = custom_schema({
        "type": "object",
        "properties": {"rows": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "x-finx-source": "copy"},
                "amount": {"type": ["string", "null"], "x-finx-source": "number"},
            },
            "required": ["name", "amount"],
        }}},
        "required": ["rows"],
    })  # fmt: skip
    rows = {"rows": [{"name": "AH HALFVOLLE MELK", "amount": "1,19"}]}
    assert with_skipped_rows(rows, schema.json_schema, "1 AH HALFVOLLE MELK  1,19\n2 AH BANANEN  0,29  0,58")[1] == []


def test_a_tax_class_letter_glued_to_the_amount_fits_any_such_letter_and_a_row_read_so_loses_it() -> None:
    lines = [
        "ADVIL TABLETS 200MG 24CT        8.49T",
        "  ExtraCare Card savings 20%    1.70-",
        "CVS HEALTH SALINE NASAL SPRY    4.29T",
        "KLEENEX TISSUE 3PK              6.99N",
        "HALLS COUGH DROP 30CT           2.79",
        "          SUBTOTAL             20.86",
    ]
    read = answer("22.71", row("CVS HEALTH SALINE NASAL SPRY", "4.29"), subtotal="20.86")
    data, _ = with_skipped_rows(read, INVOICE.json_schema, "\n".join(lines))
    assert [(item["description"], item["amount"]) for item in data["line_items"]] == [
        ("ADVIL TABLETS 200MG 24CT", "8.49"),
        ("CVS HEALTH SALINE NASAL SPRY", "4.29"),
        ("KLEENEX TISSUE 3PK", "6.99"),
        ("HALLS COUGH DROP 30CT", "2.79"),
    ]


def test_a_skipped_row_s_name_leaves_out_a_rate_printed_in_a_column_of_its_own() -> None:
    document = "\n".join([
        "DESCRIZIONE                IVA   Prezzo(€)",
        "TAGLIATELLE AL RAGU          10%     13,00",
        "TORTELLINI IN BRODO          10%     14,00",
        "SALAD BAR 50%                10%      3,00",
        "TOTALE COMPLESSIVO                   30,00",
    ])  # fmt: skip
    read = answer("30,00", row("TORTELLINI IN BRODO", "14,00"))
    written, added = with_skipped_rows(read, INVOICE.json_schema, document)
    assert [(item["description"], item["amount"]) for item in written["line_items"]] == [
        ("TAGLIATELLE AL RAGU", "13,00"),
        ("TORTELLINI IN BRODO", "14,00"),
        ("SALAD BAR 50%", "3,00"),  # one space before it: part of the name
    ]
    assert added == ["line_items[0]", "line_items[2]"]
