"""An invoice's or receipt's single values against the document and the rest of the answer: a
figure's own line read as an item is withheld as a total row only below the items; an item's amount
taken for one of the bill's figures is withheld from the figure instead; a tax the model wrote as
its rate is taken from the line that states it, before the rows are judged; a receipt's address
read from the seller's name or registration number over it starts after them; a seller's name
holds no branch number."""

import json

import pytest

from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.party_names import (
    is_place_or_contact,
    seller_address,
    seller_before_place,
    seller_name,
    with_form_rest,
)
from finx.extraction.sum_rows import item_line_figures, total_rows
from finx.schemas import get_schema
from tests.support.scripted_engine import ScriptedEngine
from tests.support.tables import INVOICE, extract, row

SHOP = "\n".join([
    "LIDL",
    "Bananen                         1,29 A",
    "Vollkornbrot                    1,49 A",
    "Chips Paprika                   1,19 B",
    "zu zahlen                       3,97",
    "Karte                           3,97",
])  # fmt: skip
ITEMS = [row("Bananen", "1,29"), row("Vollkornbrot", "1,49"), row("Chips Paprika", "1,19")]


def test_an_item_whose_amount_the_answer_took_for_its_subtotal_stays_and_the_subtotal_goes() -> None:
    data = dict.fromkeys(INVOICE.json_schema["properties"]) | {"subtotal": "1,29", "total": "3,97", "line_items": ITEMS}
    assert total_rows(data, INVOICE.json_schema, SHOP) == {}
    assert item_line_figures(data, INVOICE.json_schema, SHOP) == ["subtotal"]
    result = extract(SHOP, data)
    assert (result.data["subtotal"], result.data["total"]) == (None, "3,97")
    assert result.data["line_items"] == ITEMS
    assert [(source.path, source.value, source.reason) for source in result.withheld] == [
        ("subtotal", "1,29", "inconsistent")
    ]
    last = {**data, "subtotal": "1,19"}  # the last item's: no item under it, so no judging it
    assert item_line_figures(last, INVOICE.json_schema, SHOP) == []


def test_a_tax_line_over_a_payment_line_read_as_rows_is_still_under_the_items() -> None:
    document = "ES TEH  2  10,000\nNASI GORENG  1  45,000\nPB1 10%  5,500\nTOTAL  60,500\nTUNAI  100,000"
    items = [row("ES TEH", "10,000", "2"), row("NASI GORENG", "45,000", "1")]
    read = [*items, row("PB1 10%", "5,500"), row("TUNAI", "100,000")]
    data = dict.fromkeys(INVOICE.json_schema["properties"]) | {"tax": "5,500", "total": "60,500", "line_items": read}
    assert total_rows(data, INVOICE.json_schema, document) == {
        "line_items[2]": "total_row",
        "line_items[3]": "total_row",
    }
    assert item_line_figures({**data, "line_items": items}, INVOICE.json_schema, document) == []


def test_a_tax_written_as_its_rate_is_taken_from_its_line_and_that_line_read_as_a_row_withheld() -> None:
    document = "\n".join([
        "KIND BAR DK CHOC NUTS     2.49 S",
        "LACROIX LIME 8PK          5.99 S",
        "  TAX                     0.72",
        "**** BALANCE              9.20",
    ])  # fmt: skip
    items = [row("KIND BAR DK CHOC NUTS", "2.49 S"), row("LACROIX LIME 8PK", "5.99 S")]
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "total": "9.20",
        "line_items": [*items, row("TAX", "0.72")],
    }
    for tax in (None, "8.625%"):
        result = extract(document, {**written, "tax": tax})
        assert (result.data["tax"], result.data["total"]) == ("0.72", "9.20")
        assert result.data["line_items"] == [row("KIND BAR DK CHOC NUTS", "2.49"), row("LACROIX LIME 8PK", "5.99")]
        assert {(source.path, source.reason) for source in result.withheld} == {
            ("line_items[2].description", "total_row"),
            ("line_items[2].amount", "total_row"),
        }


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("148481-U 425, JALAN PAHANG, SETAPAK", "425, JALAN PAHANG, SETAPAK"),
        ("URBAN IDEA SDN BHD (417940-M), A-G-06, DATARAN GLOMAC", "A-G-06, DATARAN GLOMAC"),
        ("WAHIN HARDWARE SDN BHD 148481-U 425, JALAN PAHANG", "425, JALAN PAHANG"),
        ("412 Main Street, Boulder CO 80302", None),
        ("Ye Olde Co Shop, 12 Main Rd", None),  # a legal form's word inside a name: no comma or number after it
        ("LOT 22, JALAN PANTAI BARU, 59200 KUALA LUMPUR", None),
        ("148481-U", None),  # nothing would be left
        ("75, JALAN SS 22/19, DAMANSARA JAYA, 47400 PJ, TEL", "75, JALAN SS 22/19, DAMANSARA JAYA, 47400 PJ"),
        ("NO. 1, JALAN RAJA UDA, PULAU PINANG GST REG NO: 000987654321", "NO. 1, JALAN RAJA UDA, PULAU PINANG"),
        ("LOT 5, JALAN TELOK GADONG, KLANG", None),  # a word starting with the letters of a label
        ("12 Rothschild Blvd, Tel Aviv 6688101", None),  # a place's name, no label
        ("THE TUBE, 47301 PETALING JAYA (GST ID NO : 001656262656", "THE TUBE, 47301 PETALING JAYA"),
    ],
)
def test_an_address_starts_after_the_seller_s_name_and_number_and_ends_before_its_contacts(
    address: str, kept: str | None
) -> None:
    assert seller_address(address) == kept


def test_the_extractor_returns_a_receipt_s_seller_without_its_branch_and_address_without_the_seller() -> None:
    document = "WAHIN HARDWARE SDN BHD 1432\n148481-U\n425, JALAN PAHANG,\nSETAPAK, 53000 KUALA LUMPUR.\nTOTAL 12.00"
    written = {
        "company": "WAHIN HARDWARE SDN BHD",
        "date": None,
        "address": "148481-U 425, JALAN PAHANG,",
        "total": "12.00",
    }
    engine = ScriptedEngine(lambda prompt: json.dumps(written))
    try:
        result = Extractor(engine).extract(ExtractionTask(document, get_schema("receipt")))
    finally:
        engine.close()
    assert (result.data["company"], result.data["address"]) == ("WAHIN HARDWARE SDN BHD", "425, JALAN PAHANG,")
    assert result.confidence["address"] > 0 and result.confidence["company"] > 0  # the model's confidence kept


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("TRADER JOE'S #552", "TRADER JOE'S"),
        ("STARBUCKS Store #10442", "STARBUCKS"),
        ("Albert Heijn 1432", "Albert Heijn"),
        ("TRIPLE SIX POINT ENTERPRISE 666", None),  # three digits: part of the name
        ("Forever 21", None),
        ("#552", None),
        ("INV#0099 Northbeam Consulting Pty Ltd", "Northbeam Consulting Pty Ltd"),
        ("PRO FORMA / INVOICE 22-0456 Kenya Coffee Exporters Ltd", "Kenya Coffee Exporters Ltd"),
        ("7-ELEVEN", None),
        ("Invoice Ninja Ltd", None),  # no number after the word
    ],
)
def test_a_seller_s_name_holds_no_branch_or_document_number(name: str, kept: str | None) -> None:
    assert seller_name(name) == kept


def test_a_date_left_null_is_the_one_date_the_document_prints() -> None:
    document = "LIDL\nBananen   1,29 A\nzu zahlen   1,29\n05.12.24 17:43  Filiale 1234  Kasse 3\nDatum: 05.12.24"
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "total": "1,29",
        "line_items": [row("Bananen", "1,29")],
    }
    result = extract(document, written)
    assert result.data["invoice_date"] == "05.12.24" and "invoice_date" not in result.confidence
    assert result.data["due_date"] is None  # the document's own date only
    two = document.replace("Datum: 05.12.24", "Gueltig bis 31.12.24")  # two dates: which is it?
    assert extract(two, written).data["invoice_date"] is None
    assert extract(two, {**written, "invoice_date": "31.12.24"}).data["invoice_date"] == "31.12.24"  # the model's stays


def test_a_date_an_amount_or_words_read_as_the_invoice_s_number_and_its_number_as_the_seller_are_withheld() -> None:
    document = "INV#0099 Northbeam Consulting Pty Ltd\nDate: 15 Jul 2024\nConsulting  3,600\nTotal  3,600"
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "invoice_number": "15 Jul 2024",
        "total": "3,600",
        "line_items": [row("Consulting", "3,600")],
    }
    result = extract(document, written)
    assert result.data["invoice_number"] is None
    assert [(source.path, source.reason) for source in result.withheld] == [("invoice_number", "inconsistent")]
    assert extract(document, {**written, "invoice_number": "0099"}).data["invoice_number"] == "0099"
    for no_number in ("$8.00", "Order Summary", "0412 PLAZA UNIVERSIDAD"):  # an amount, words
        assert extract(document, {**written, "invoice_number": no_number}).data["invoice_number"] is None
    titled = extract(document, {**written, "invoice_number": "0099", "vendor": "INV#0099"})
    assert titled.data["vendor"] is None and [(source.path, source.reason) for source in titled.withheld] == [
        ("vendor", "inconsistent")
    ]


def test_an_invoice_s_figures_lose_a_glued_currency_symbol_and_a_receipt_s_total_keeps_it() -> None:
    document = "SORIANA\n2  LECHE LALA 1L   $57.00\n1  PAN BIMBO      -$2.50\nIVA    $7.55\nTOTAL  $54.50"
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "vendor": "SORIANA",
        "tax": "$7.55",
        "total": "$54.50",
        "line_items": [row("LECHE LALA 1L", "$57.00", "2"), row("PAN BIMBO", "-$2.50", "1")],
    }
    data = extract(document, written).data
    assert (data["tax"], data["total"]) == ("7.55", "54.50")
    assert [item["amount"] for item in data["line_items"]] == ["57.00", "-2.50"]
    receipt = {"company": "SORIANA", "date": None, "address": None, "total": "$54.50"}
    engine = ScriptedEngine(lambda prompt: json.dumps(receipt))
    try:
        kept = Extractor(engine).extract(ExtractionTask(document, get_schema("receipt"))).data
    finally:
        engine.close()
    assert kept["total"] == "$54.50"  # as SROIE labels a receipt's total


def test_a_total_read_from_a_line_that_names_the_tax_is_the_one_a_total_s_line_states() -> None:
    document = "\n".join([
        "Woolworths",
        "Vegemite Spread 380g             8.00",
        "Finish Dishwasher Tabs 46pk     22.00",
        "SUBTOTAL                        30.00",
        "TOTAL                          $30.00",
        "Total includes GST              $2.73",
    ])  # fmt: skip
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "vendor": "Woolworths",
        "total": "$2.73",
        "line_items": [row("Vegemite Spread 380g", "8.00"), row("Finish Dishwasher Tabs 46pk", "22.00")],
    }
    data = extract(document, written).data
    assert (data["total"], data["tax"]) == ("30.00", None)  # no tax's line: `Total includes GST` names one
    assert extract(document, {**written, "total": "30.00"}).data["total"] == "30.00"
    two = document.replace("TOTAL                          $30.00", "TOTAL  30.00\nTOTAL DUE  25.00")
    assert extract(two, written).data["total"] == "2.73"  # two totals stated: which is it? the model's stays


def test_a_seller_s_legal_form_keeps_the_period_the_document_prints_it_with() -> None:
    document = "PROFORMA INVOICE  No. PF-24-077\nNingbo Brightway Trading Co., Ltd.\nTotal  4,350.00"
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {"total": "4,350.00", "line_items": []}
    cut = {**written, "vendor": "Ningbo Brightway Trading Co., Ltd"}
    assert extract(document, cut).data["vendor"] == "Ningbo Brightway Trading Co., Ltd."
    bare = document.replace("Ltd.", "Ltd")  # printed without it: kept as printed
    assert extract(bare, cut).data["vendor"] == "Ningbo Brightway Trading Co., Ltd"


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Brighton Road, Crawley", True),
        ("RR 2 Box 118, Stowe VT", True),
        ("Sunnyvale - 1 (408) 555-0167", True),
        ("SUBWAY#42210-0 PHONE 03-78870693", True),
        ("GREEN LANE PHARMACY SDN BHD", False),  # a legal form: a name
        ("COUNTRY FARM STORE", False),
        ("Carphone Warehouse", False),
        ("Box Bakmie", False),  # no number after the box
        ("Gohliser Str. 22, 04155 Leipzig", True),
        ("9 Elm Close, Oxford OX2 6JT", True),
        ("Kaiserstrasse 5", True),
        ("Studio 54 Nightclub", False),
        ("B2 3rd Floor Partners", False),  # no British postcode: its letters are not capitals
        ("Lamar - Austin TX", True),
        ("Orion Retail NV", False),  # a legal form, not Nevada
        ("Hotel Austin TX Group", False),  # the state's code does not end it
    ],
)
def test_a_seller_that_holds_a_street_or_a_phone_and_no_legal_form_is_a_place_or_contact_line(
    name: str, place: bool
) -> None:
    assert is_place_or_contact(name) is place


def test_a_seller_read_on_into_its_address_is_cut_and_a_seller_that_is_a_contact_line_withheld() -> None:
    document = "\n".join([
        "PETRONAS STESEN MINYAK",
        "SRI KEMBANGAN JAYA",
        "BATU 12, JALAN PUCHONG,",
        "43300 SERI KEMBANGAN, SELANGOR",
        "TOTAL (RM) 43.44",
    ])  # fmt: skip
    written = {
        "company": "PETRONAS STESEN MINYAK SRI KEMBANGAN JAYA BATU 12, JALAN PUCHONG, 43300 SERI KEMBANGAN, SELANGOR",
        "date": None,
        "address": "BATU 12, JALAN PUCHONG, 43300 SERI KEMBANGAN, SELANGOR",
        "total": "43.44",
    }
    engine = ScriptedEngine(lambda prompt: json.dumps(written), probability=0.999)  # one per character
    try:
        extractor = Extractor(engine)
        result = extractor.extract(ExtractionTask(document, get_schema("receipt")))
        assert result.data["company"] == "PETRONAS STESEN MINYAK SRI KEMBANGAN JAYA"
        assert result.confidence["company"] > 0 and result.withheld == []
        written["company"] = "BATU 12, JALAN PUCHONG,"  # an address line as the seller
        result = extractor.extract(ExtractionTask(document, get_schema("receipt")))
    finally:
        engine.close()
    assert result.data["company"] is None
    assert [(source.path, source.value, source.reason) for source in result.withheld] == [
        ("company", "BATU 12, JALAN PUCHONG,", "inconsistent")
    ]
    branch = "CHECKERS HYPERMARKET SDN BHD\n(JALAN KLANG LAMA)\nTOTAL 9.00"  # a branch in brackets stays
    assert seller_before_place("CHECKERS HYPERMARKET SDN BHD (JALAN KLANG LAMA)", branch) is None


def test_a_receipt_s_address_read_from_the_line_with_its_date_and_time_is_withheld() -> None:
    document = (
        "RELAIS TOTAL OULMES\nAUTOROUTE RABAT MEKNES\n15000 KHEMISSET\nLE 30/03/2018 A 12:36 CAISSIER 1\nTOTAL 56.00 DH"
    )
    written = {"company": "RELAIS TOTAL OULMES", "date": "30/03/2018", "address": None, "total": "56.00"}
    engine = ScriptedEngine(lambda prompt: json.dumps(written), probability=0.999)
    try:
        extractor = Extractor(engine)
        for address, kept in [
            ("LE 30/03/2018 A 12:36 CAISSIER 1", False),
            ("15000 KHEMISSET LE 30/03/2018", False),
            ("AUTOROUTE RABAT MEKNES 15000 KHEMISSET", True),
        ]:
            written["address"] = address
            result = extractor.extract(ExtractionTask(document, get_schema("receipt")))
            assert result.data["address"] == (address if kept else None)
            assert [(source.path, source.reason) for source in result.withheld] == (
                [] if kept else [("address", "inconsistent")]
            )
    finally:
        engine.close()


def test_a_subtotal_that_is_the_total_s_line_read_twice_is_withheld() -> None:
    document = "THE CROWN & ANCHOR\n2 Coffee  6.40\n1 Fish & Chips  16.50\nTOTAL  22.90\nCard  22.90"
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "subtotal": "22.90",
        "total": "22.90",
        "line_items": [row("Coffee", "6.40"), row("Fish & Chips", "16.50")],
    }
    result = extract(document, written)
    assert (result.data["subtotal"], result.data["total"]) == (None, "22.90")
    assert [(source.path, source.reason) for source in result.withheld] == [("subtotal", "inconsistent")]
    printed = document.replace("TOTAL  22.90", "SUBTOTAL  22.90\nTOTAL  22.90")  # a subtotal's own line first
    assert extract(printed, written).data["subtotal"] == "22.90"
    net = document.replace("TOTAL  22.90", "Total net  22.90")  # a total's line that names the net
    assert extract(net, written).data["subtotal"] == "22.90"


def test_a_buyer_that_is_its_address_line_is_withheld() -> None:
    document = "Malerbetrieb Krüger GmbH\nHerrn Thomas Weber\nGohliser Str. 22, 04155 Leipzig\nDecke streichen  181,30\nTotal  181,30"
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "vendor": "Malerbetrieb Krüger GmbH",
        "customer": "Gohliser Str. 22, 04155 Leipzig",
        "total": "181,30",
        "line_items": [row("Decke streichen", "181,30")],
    }
    result = extract(document, written)
    assert result.data["customer"] is None and result.data["vendor"] == "Malerbetrieb Krüger GmbH"
    assert [(source.path, source.reason) for source in result.withheld] == [("customer", "inconsistent")]
    assert extract(document, {**written, "customer": "Herrn Thomas Weber"}).data["customer"] == "Herrn Thomas Weber"


@pytest.mark.parametrize(
    ("name", "document", "whole"),
    [
        ("Kowalski Sp.", "Sprzedawca: Kowalski Sp. z o.o.\nNabywca: Nowak", "Kowalski Sp. z o.o."),
        ("TIENDAS SORIANA S.A.", "TIENDAS SORIANA S.A. DE C.V.\nSUC. 0412", "TIENDAS SORIANA S.A. DE C.V."),
        ("Brandt GmbH", "Brandt GmbH & Co. KG, Bremen", "Brandt GmbH & Co. KG"),
        ("TIENDAS SORIANA S.A.", "TIENDAS SORIANA S.A. DE C.V.\nTIENDAS SORIANA S.A.", None),  # not everywhere
        ("Kowalski Sp. z o.o.", "Kowalski Sp. z o.o.\n", None),  # already whole
        ("Maple S.A.", "Maple S.A. de calidad\n", None),  # words, not a form
    ],
)
def test_a_seller_stopped_inside_a_legal_form_of_several_words_gets_its_rest(
    name: str, document: str, whole: str | None
) -> None:
    assert with_form_rest(name, document) == whole


def test_a_tax_printed_in_parts_is_the_line_of_their_sum_and_never_one_part() -> None:
    lines = ["SPICE ROUTE KITCHEN", "Paneer Tikka   1   320.00   320.00", "Sub Total   320.00"]
    parts = ["CGST @ 2.5%   8.00", "SGST @ 2.5%   8.00"]
    document = "\n".join([*lines, *parts, "Total Tax   16.00", "Grand Total   336.00"])
    written = dict.fromkeys(INVOICE.json_schema["properties"]) | {
        "subtotal": "320.00",
        "tax": "8.00",
        "total": "336.00",
        "line_items": [row("Paneer Tikka", "320.00")],
    }
    assert extract(document, written).data["tax"] == "16.00"  # one part read: the sum's line instead
    assert extract(document, {**written, "tax": None}).data["tax"] == "16.00"
    unsummed = "\n".join([*lines, *parts, "Grand Total   336.00"])  # no line states the sum
    result = extract(unsummed, written)
    assert result.data["tax"] is None
    assert [(source.path, source.reason) for source in result.withheld] == [("tax", "inconsistent")]
    assert extract(unsummed, {**written, "tax": None}).data["tax"] is None
    one_rate = "\n".join([*lines, "GST @ 5%   16.00", "Grand Total   336.00"])  # a tax in one part stays
    assert extract(one_rate, {**written, "tax": "16.00"}).data["tax"] == "16.00"
