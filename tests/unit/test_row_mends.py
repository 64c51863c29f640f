"""Table rows read with a cell from beside them (`extraction.row_mends`): a description that took in
the count printed after it loses it, a row that took the next line's amount or the unit price
before its own takes its own, a pack size read apart from the name or left out goes back into it."""

from finx.extraction.row_mends import mended_rows
from finx.extraction.table_rows import misread_rows
from finx.schemas import custom_schema
from finx.schemas.invoice import COUNT_CELLS, NAME_PARTS
from tests.support.tables import INVOICE, extract, row


def answer(*rows: dict[str, str | None]) -> dict[str, object]:
    return {"vendor": None, "total": "318.00", "line_items": list(rows)}


def test_a_description_that_took_in_another_cell_loses_it_unless_the_line_prints_it_apart() -> None:
    document = (
        "Menus x200 @ 0.45 = 90.00\nInstallation 1 @ 800.00 = 800.00\n1 Combo 1  30.000\n"
        "Beratung 8 Std à 95,00 = 760,00\nTiles 30x30  4  12.00\nWidget A  9.00\nTEH PANAS 5,455\n4 HAKAU UDANG  92,000\n"
        "JOIE KUBBIE(BABY BOX) 901800109  1,100,000\nKAPAS COTTON BALL 120  21,000\n"
        "TAGLIATELLE AL RAGU          10%     13,00\nSALAD BAR 50%  9,00\nTotal 2,822,723.00"
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
        row("JOIE KUBBIE(BABY BOX) 901800109", "1,100,000"),  # an item code at its end
        row("KAPAS COTTON BALL 120", "21,000"),  # three digits: part of the name, kept
        row("TAGLIATELLE AL RAGU          10%", "13,00"),  # the VAT column copied with it
        row("SALAD BAR 50%", "9,00"),  # one space before the rate: part of the name, kept
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
        "JOIE KUBBIE(BABY BOX)",
        "KAPAS COTTON BALL 120",
        "TAGLIATELLE AL RAGU",
        "SALAD BAR 50%",
    ]
    assert cut == {
        "line_items[0].description": "Menus",
        "line_items[1].description": "Installation",
        "line_items[5].description": "Beratung",
        "line_items[8].description": "TEH PANAS",
        "line_items[9].description": "HAKAU UDANG",
        "line_items[10].description": "JOIE KUBBIE(BABY BOX)",
        "line_items[12].description": "TAGLIATELLE AL RAGU",
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
        "TESCO SEMI SKIMMED MILK 4PT      £1.45",
        "  2   Roll-up banner 33x80     298.00",
        "2     Silicone spatula, 3-piece     800    1.35    1,080.00",
        "Total 165.90",
    ])  # fmt: skip
    data = answer(
        row("DECK SCREWS", "29.97", quantity="5LB"),
        row("WOOD GLUE", "5.48", quantity="16OZ"),
        row("Usluga transportowa", "120,00", quantity="1 szt"),  # a count with its unit: kept apart
        row("WIDGET", "9.00", quantity="5LB"),  # printed in a column of its own: kept apart
        row("WOOD GLUE 16OZ", "5.48", quantity="16OZ"),  # read twice: the count is no count
        row("TESCO SEMI SKIMMED MILK", "1.45", quantity="4PT"),  # four pints
        row("Roll-up banner", "298.00", quantity="33x80"),  # a size in two measures
        row("Silicone spatula", "1,080.00", quantity="3-piece"),  # a set's pieces, after a comma
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document, NAME_PARTS)
    assert [(item["description"], item["quantity"]) for item in kept["line_items"]] == [
        ("DECK SCREWS 5LB", None),
        ("WOOD GLUE 16OZ", None),
        ("Usluga transportowa", "1 szt"),
        ("WIDGET", "5LB"),
        ("WOOD GLUE 16OZ", None),
        ("TESCO SEMI SKIMMED MILK 4PT", None),
        ("Roll-up banner 33x80", None),
        ("Silicone spatula, 3-piece", None),
    ]
    assert changed == {
        "line_items[0].description": "DECK SCREWS 5LB",
        "line_items[0].quantity": None,
        "line_items[1].description": "WOOD GLUE 16OZ",
        "line_items[1].quantity": None,
        "line_items[4].quantity": None,
        "line_items[5].description": "TESCO SEMI SKIMMED MILK 4PT",
        "line_items[5].quantity": None,
        "line_items[6].description": "Roll-up banner 33x80",
        "line_items[6].quantity": None,
        "line_items[7].description": "Silicone spatula, 3-piece",
        "line_items[7].quantity": None,
    }
    assert mended_rows(data, INVOICE.json_schema, document)[0]["line_items"][:4] == data["line_items"][:4]


def test_a_count_printed_before_the_name_goes_to_the_quantity_where_that_holds_none_or_another_cells_figure() -> None:
    document = (
        "4 SIAO MAI BABI  80,000\n2x Flat White  7.00\n1069- ROTI KEJU  8.500\n3 CEKER AYAM  60,000\n600ML AQUA  5.000"
    )
    data = answer(
        row("4 SIAO MAI BABI", "80,000", quantity="80,000"),  # the amount read as the count
        row("2x Flat White", "7.00"),  # no count read
        row("1069- ROTI KEJU", "8.500"),  # an item code, not a count
        row("3 CEKER AYAM", "60,000", quantity="2"),  # a count of its own: kept as read
        row("600ML AQUA", "5.000"),  # a size
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document, NAME_PARTS, COUNT_CELLS)
    assert [(item["description"], item["quantity"]) for item in kept["line_items"]] == [
        ("SIAO MAI BABI", "4"),
        ("Flat White", "2x"),
        ("1069- ROTI KEJU", None),
        ("3 CEKER AYAM", "2"),
        ("600ML AQUA", None),
    ]
    assert changed == {
        "line_items[0].description": "SIAO MAI BABI",
        "line_items[0].quantity": "4",
        "line_items[1].description": "Flat White",
        "line_items[1].quantity": "2x",
    }
    assert mended_rows(data, INVOICE.json_schema, document)[0] == data  # a table without a count cell


def test_the_extractor_returns_an_invoice_item_with_its_pack_size_in_its_name_and_its_confidence() -> None:
    document = "HOME DEPOT\nWOOD GLUE 16OZ      5.48\nTOTAL               5.48"
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "total": "5.48",
        "line_items": [row("WOOD GLUE", "5.48", quantity="16OZ")],
    }
    result = extract(document, written)
    assert result.data["line_items"] == [row("WOOD GLUE 16OZ", "5.48")]
    assert result.confidence["line_items[0].description"] > 0  # the name's confidence kept


def test_a_row_that_took_the_unit_price_before_its_amount_takes_the_amount_that_ends_its_line() -> None:
    document = "2 Iced Tea @ 2.95  5.90\n2 x Pils 0,5l  à 4,20  8,40\n2 Flat White @3.20\n1 Club Sandwich  12.50"
    data = answer(
        row("Iced Tea", "2.95", quantity="2"),
        row("Pils 0,5l", "4,20", quantity="2"),
        row("Flat White", "3.20", quantity="2"),  # nothing after the price: kept
        row("Club Sandwich", "12.50", quantity="1"),
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document)
    assert [item["amount"] for item in kept["line_items"]] == ["5.90", "8,40", "3.20", "12.50"]
    assert changed == {"line_items[0].amount": "5.90", "line_items[1].amount": "8,40"}


def test_a_row_whose_line_ends_with_its_unit_price_takes_the_amount_printed_alone_under_it() -> None:
    document = "\n".join([
        "9312345678901",
        "SANDPAPER ASSORTED 10PK        2 @ $6.45",
        "                                      $12.90",
        "SEALANT CLEAR 300G                     $8.96",
    ])  # fmt: skip
    took_price = answer(row("SANDPAPER ASSORTED 10PK 2 @", "6.45"), row("SEALANT CLEAR 300G", "8.96"))
    kept, changed = mended_rows(took_price, INVOICE.json_schema, document, NAME_PARTS, COUNT_CELLS)
    assert kept["line_items"] == [row("SANDPAPER ASSORTED 10PK", "12.90"), row("SEALANT CLEAR 300G", "8.96")]
    assert changed == {"line_items[0].description": "SANDPAPER ASSORTED 10PK", "line_items[0].amount": "12.90"}
    right = answer(row("SANDPAPER ASSORTED 10PK", "12.90", "2", "6.45"), row("SEALANT CLEAR 300G", "8.96"))
    assert mended_rows(right, INVOICE.json_schema, document, NAME_PARTS, COUNT_CELLS) == (right, {})  # not shifted


def test_a_row_that_took_the_unit_price_before_the_lines_total_takes_the_total_and_keeps_the_price() -> None:
    document = "\n".join([
        "5 HOT TEA 12,000  60,000",
        "ES TEH TAWAR  8000  8,000",
        "Deposit  500.00  1,250.00",
        "COFFEE  2  3.50",
        "2 NASI PUTIH 10,000 20,000",
        "Arabica AA 60kg bags  20  USD 410.00  USD 8,200.00",
        "Table lamp  29.00 plus shade 58.00",
    ])  # fmt: skip
    data = answer(
        row("HOT TEA", "12,000", quantity="5"),
        row("ES TEH TAWAR", "8000", quantity="1"),
        row("Deposit", "500.00"),  # 1,250.00 is no whole multiple of it: a balance, not a total
        row("COFFEE", "3.50", quantity="2"),  # the line's last figure taken: nothing to mend
        row("NASI PUTIH", "10,000", unit_price="5,000"),  # a unit price of its own is kept
        row("Arabica AA 60kg bags", "410.00", quantity="20"),  # a currency mark between the two
        row("Table lamp", "29.00"),  # words between: another figure, not this row's total
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document)
    assert [(item["unit_price"], item["amount"]) for item in kept["line_items"]] == [
        ("12,000", "60,000"),
        ("8000", "8,000"),
        (None, "500.00"),
        (None, "3.50"),
        ("5,000", "20,000"),
        ("410.00", "8,200.00"),
        (None, "29.00"),
    ]
    assert changed == {
        "line_items[0].unit_price": "12,000",
        "line_items[0].amount": "60,000",
        "line_items[1].unit_price": "8000",
        "line_items[1].amount": "8,000",
        "line_items[4].amount": "20,000",
        "line_items[5].unit_price": "410.00",
        "line_items[5].amount": "8,200.00",
    }


def test_a_pack_size_printed_after_the_name_but_read_in_no_cell_goes_back_into_the_name() -> None:
    document = (
        "AGUA CIEL 1L   14.00\nSABRITAS ORIGINAL 45G\t38.00\nArabica AA 60kg bags  8,200.00\nCOCA COLA  600ML  18.00"
    )
    data = answer(
        row("AGUA CIEL", "14.00"),
        row("SABRITAS ORIGINAL", "38.00"),
        row("Arabica AA", "8,200.00"),  # the size and more of the name up to the column gap
        row("COCA COLA", "18.00"),  # the size in a column of its own: kept apart
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document, NAME_PARTS, COUNT_CELLS)
    assert [item["description"] for item in kept["line_items"]] == [
        "AGUA CIEL 1L",
        "SABRITAS ORIGINAL 45G",
        "Arabica AA 60kg bags",
        "COCA COLA",
    ]
    assert changed == {
        "line_items[0].description": "AGUA CIEL 1L",
        "line_items[1].description": "SABRITAS ORIGINAL 45G",
        "line_items[2].description": "Arabica AA 60kg bags",
    }
    assert mended_rows(data, INVOICE.json_schema, document) == (data, {})  # a schema without name parts
    twice = "Spremuta 0,5L  4 pz  755,80\nSpremuta  4 n.  503,72"
    spremuta = answer(row("Spremuta", "503,72"))  # printed with and without a size: left as read
    assert mended_rows(spremuta, INVOICE.json_schema, twice, NAME_PARTS, COUNT_CELLS) == (spremuta, {})


def test_the_rest_of_a_name_up_to_the_column_gap_is_joined_and_a_count_after_it_goes_to_the_quantity() -> None:
    document = "\n".join([
        "FA-Cookies Mix 200 gr",
        "1  80,000.00  80,000.00",
        "SOSRO TEH BOTOL 350  2 3500  7.000",
        "Cuka Apel Moringa 1",
        "289000  289000",
        "KERTAS KADO 1500  2  3,000",
        "Copier paper A3 ream ...... 709,47",
        "BUDS CREAM 30ML BU350003  200,000",
        "Timber 2x4 3m 20 kg  85.00",
        "Cloud hosting, monthly       3     £180.00    £540.00",
    ])  # fmt: skip
    data = answer(
        row("FA-Cookies Mix", "80,000.00", quantity="1", unit_price="80,000.00"),
        row("SOSRO TEH BOTOL", "7.000", quantity="2", unit_price="3500"),
        row("Cuka Apel Moringa", "289000", quantity="289000"),  # the count: a copy of the amount
        row("KERTAS KADO", "3,000", quantity="2"),  # four digits after the name: a price, not the name
        row("Copier paper A3 ream", "709,47"),  # leader dots and a price
        row("BUDS CREAM 30ML", "200,000"),  # an item code
        row("Timber 2x4 3m", "85.00", quantity="20 kg"),  # a cell of the row
        row("Cloud hosting", "540.00", quantity="3", unit_price="180.00"),  # after a comma
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document, NAME_PARTS, COUNT_CELLS)
    assert [(item["description"], item["quantity"]) for item in kept["line_items"]] == [
        ("FA-Cookies Mix 200 gr", "1"),
        ("SOSRO TEH BOTOL 350", "2"),
        ("Cuka Apel Moringa", "1"),
        ("KERTAS KADO", "2"),
        ("Copier paper A3 ream", None),
        ("BUDS CREAM 30ML", None),
        ("Timber 2x4 3m", "20 kg"),
        ("Cloud hosting, monthly", "3"),
    ]
    assert changed == {
        "line_items[0].description": "FA-Cookies Mix 200 gr",
        "line_items[1].description": "SOSRO TEH BOTOL 350",
        "line_items[2].quantity": "1",
        "line_items[7].description": "Cloud hosting, monthly",
    }


def test_a_weight_bought_printed_apart_from_its_unit_is_a_quantity_not_part_of_the_name() -> None:
    document = "BIRRA 2.449 kg x 3,99  9,77\nTimber 2x4 3m 20 kg  85.00\nHavregryn 1,5kg  32,50"
    data = answer(
        row("BIRRA", "9,77", quantity="2.449 kg"),
        row("Timber 2x4 3m", "85.00", quantity="20 kg"),
        row("Havregryn", "32,50", quantity="1,5kg"),  # a pack size: the unit glued to the figure
    )
    kept, _ = mended_rows(data, INVOICE.json_schema, document, NAME_PARTS)
    assert [(item["description"], item["quantity"]) for item in kept["line_items"]] == [
        ("BIRRA", "2.449 kg"),
        ("Timber 2x4 3m", "20 kg"),
        ("Havregryn 1,5kg", None),
    ]


def test_a_figure_loses_the_tax_class_letter_glued_to_it_and_a_row_takes_its_own_line_s_amount() -> None:
    document = "\n".join([
        "Mleko 3,2% 1l          2 x3,49     6,98C",
        "Jablka luz         1,215 x3,99     4,85C",
        "Woda mineralna 1,5l    3 x2,19     6,57A",
        "SUMA PLN                          18,40",
    ])  # fmt: skip
    data = answer(
        row("Mleko 3,2% 1l", "6,98C", quantity="2", unit_price="3,49"),
        row("Jablka luz", "6,57A"),  # the next line's amount: its own line prints 4,85C
        row("Woda mineralna 1,5l", "6,57"),
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document)
    assert [(item["description"], item["amount"]) for item in kept["line_items"]] == [
        ("Mleko 3,2% 1l", "6,98"),
        ("Jablka luz", "4,85"),
        ("Woda mineralna 1,5l", "6,57"),
    ]
    assert changed == {"line_items[0].amount": "6,98", "line_items[1].amount": "4,85"}


def test_a_figure_takes_the_minus_its_row_s_line_prints_it_with() -> None:
    document = "\n".join([
        "CHEERIOS                  5.49  B",
        "  SC KROGER SAVINGS       1.50-B",
        "Desconto sobre item 003   -3,50",
        "GV MILK 1.50              1.50",
    ])  # fmt: skip
    data = {
        "line_items": [
            row("CHEERIOS", "5.49"),
            row("SC KROGER SAVINGS", "1.50"),
            row("Desconto sobre item 003", "3,50"),
            row("GV MILK 1.50", "1.50"),  # printed unsigned on its line
        ]
    }
    mended, changed = mended_rows(data, INVOICE.json_schema, document)
    assert [item["amount"] for item in mended["line_items"]] == ["5.49", "1.50-", "-3,50", "1.50"]
    assert changed == {"line_items[1].amount": "1.50-", "line_items[2].amount": "-3,50"}


def test_a_rate_read_as_the_amount_or_count_gives_way_to_the_line_s_amount_and_a_pack_size_as_price_to_the_name() -> (
    None
):
    document = "\n".join([
        "TORTELLINI IN BRODO          10%     14,00",
        "1 SALAD BAR 50%  17,273",
        "ADVIL TABLETS 200MG 24CT        8.49T",
        "  ExtraCare Card savings 20%    1.70-",
    ])  # fmt: skip
    data = answer(
        row("TORTELLINI IN BRODO", "10%", quantity="10%", unit_price="13,00"),  # the VAT column
        row("SALAD BAR", "50%", quantity="1"),  # the rate is the name's
        row("ADVIL TABLETS 200MG", "8.49", unit_price="24CT"),
        row("ExtraCare Card savings", "20%"),  # the line's amount with the minus printed after it
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document, NAME_PARTS, COUNT_CELLS)
    assert kept["line_items"] == [
        row("TORTELLINI IN BRODO", "14,00"),
        row("SALAD BAR 50%", "17,273", quantity="1"),
        row("ADVIL TABLETS 200MG 24CT", "8.49"),
        row("ExtraCare Card savings 20%", "1.70-"),
    ]
    assert changed == {
        "line_items[0].quantity": None,
        "line_items[0].unit_price": None,
        "line_items[0].amount": "14,00",
        "line_items[1].amount": "17,273",
        "line_items[1].description": "SALAD BAR 50%",
        "line_items[2].description": "ADVIL TABLETS 200MG 24CT",
        "line_items[2].unit_price": None,
        "line_items[3].amount": "1.70-",
        "line_items[3].description": "ExtraCare Card savings 20%",
    }


def test_a_count_written_with_its_unit_price_is_split_into_the_two_cells() -> None:
    document = "Minyak Goreng 2L\n   2 x 36.900                 73.800\nGula Pasir 1kg\n   3 X 17.500    52.500\nKopi 1 @ 9.000  9.000"
    data = answer(
        row("Minyak Goreng 2L", "73.800", quantity="2 x 36.900"),
        row("Gula Pasir 1kg", "52.500", quantity="3 X 17.500", unit_price="17.500"),  # the same price: kept
        row("Kopi", "9.000", quantity="1 @ 9.000", unit_price="8.000"),  # another price written: not split
    )
    kept, changed = mended_rows(data, INVOICE.json_schema, document, NAME_PARTS, COUNT_CELLS)
    assert [(item["quantity"], item["unit_price"]) for item in kept["line_items"]] == [
        ("2", "36.900"),
        ("3", "17.500"),
        ("1 @ 9.000", "8.000"),
    ]
    assert changed == {
        "line_items[0].quantity": "2",
        "line_items[0].unit_price": "36.900",
        "line_items[1].quantity": "3",
    }
