"""The synthetic generator: reproducible, every kind present, labels exactly as the text shows them."""

from finx.training.synthetic import generate
from finx.values.grounding import ground


def test_same_seed_same_documents_other_seed_other_documents():
    first = [(e.text, e.target) for e in generate(12, seed=3)]
    assert first == [(e.text, e.target) for e in generate(12, seed=3)]
    assert first != [(e.text, e.target) for e in generate(12, seed=4)]


def test_every_label_is_an_exact_substring_of_its_document():
    examples = generate(80, seed=11)
    assert {e.schema.name for e in examples} == {"invoice", "entities"}
    for example in examples:
        for source in ground(example.text, example.target):
            assert source.match == "exact", (example.id, source.path, source.value)


def test_entities_documents_cover_all_seven_types():
    covered = set()
    for example in generate(40, seed=5):
        if example.schema.name == "entities":
            covered |= {name for name, items in example.target.items() if items}
    assert covered == {"org", "person", "location", "ticker", "money", "date", "percent"}


def test_version_2_tables_are_reproducible_and_every_cell_is_text_of_the_document():
    from finx.training.synthetic_tables import generate as generate_v2

    examples = generate_v2(120, seed=2)
    assert [(e.text, e.target) for e in examples] == [(e.text, e.target) for e in generate_v2(120, seed=2)]
    tables = [e for e in examples if e.schema.name == "invoice"]
    assert len(tables) == 60
    for example in tables:
        flat = " ".join(example.text.split())
        for row in example.target["line_items"]:
            for cell in row.values():
                assert cell is None or cell in flat, (example.id, cell)
        for name in ("subtotal", "tax", "total", "invoice_number", "vendor"):
            assert example.target[name] is None or example.target[name] in example.text, (example.id, name)


def test_version_2_covers_long_tables_every_layout_and_both_number_conventions():
    from finx.training.synthetic_tables import generate as generate_v2

    tables = [e for e in generate_v2(600, seed=4) if e.schema.name == "invoice"]
    sizes = [len(e.target["line_items"]) for e in tables]
    assert max(sizes) == 20 and min(sizes) == 1
    amounts = [row["amount"] for e in tables for row in e.target["line_items"]]
    assert any(a.endswith(",00") or "," in a[-3:] for a in amounts)  # decimal comma
    assert any(len(a.split(".")[-1]) == 3 for a in amounts)  # 55.000: a thousands dot, no decimals
    texts = "\n".join(e.text for e in tables)
    assert " x " in texts and " @ " in texts and "Description" in texts and "VOID" in texts


def test_data_sources_pick_the_generator_version_and_refuse_an_unknown_one():
    from pathlib import Path

    import pytest

    from finx.errors import FinxError
    from finx.training.data import DataSource, read_source

    v1 = read_source(DataSource("synthetic", Path("."), max_examples=8, seed=1)).examples
    assert [(e.text, e.target) for e in v1] == [(e.text, e.target) for e in generate(8, seed=1)]
    v2 = read_source(DataSource("synthetic", Path("."), max_examples=8, seed=1, version=2)).examples
    assert [e.text for e in v2] != [e.text for e in v1]
    v3 = read_source(DataSource("synthetic", Path("."), max_examples=8, seed=1, version=3)).examples
    assert {e.schema.name for e in v3} == {"nda"}
    v4 = read_source(DataSource("synthetic", Path("."), max_examples=8, seed=1, version=4)).examples
    assert {e.schema.name for e in v4} == {"invoice"}
    v5 = read_source(DataSource("synthetic", Path("."), max_examples=8, seed=1, version=5)).examples
    assert {e.schema.name for e in v5} == {"invoice"} and [e.text for e in v5] != [e.text for e in v4]
    v6 = read_source(DataSource("synthetic", Path("."), max_examples=8, seed=1, version=6)).examples
    assert {e.schema.name for e in v6} == {"invoice"} and [e.text for e in v6] != [e.text for e in v5]
    with pytest.raises(FinxError, match="unknown synthetic generator version 7"):
        read_source(DataSource("synthetic", Path("."), max_examples=8, version=7))


def test_a_receipt_without_a_head_gets_one_labelled_and_keeps_its_table():
    from pathlib import Path

    from finx.training.data import DataSource, read_source
    from finx.training.synthetic_tables import with_shop_header

    folder = Path(__file__).parents[2] / "fixtures" / "formats" / "cord"
    (plain,) = read_source(DataSource("cord", folder)).examples
    assert plain.target["vendor"] is None
    (headed,) = read_source(DataSource("cord", folder, shop_header=1.0, seed=3)).examples
    assert headed.text.endswith("\n" + plain.text)
    head = headed.text[: -len(plain.text)]
    for name in ("vendor", "invoice_date", "invoice_number"):
        assert headed.target[name] and headed.target[name] in head, name
    unchanged = {
        name: value for name, value in headed.target.items() if name not in ("vendor", "invoice_date", "invoice_number")
    }
    assert unchanged == {name: plain.target[name] for name in unchanged}
    # the head labels its fields: they are no longer unlabelled; the rest still is
    assert headed.unlabelled == plain.unlabelled - {"vendor", "invoice_date", "invoice_number"}
    assert "customer" in headed.unlabelled
    assert with_shop_header(plain, 3, 1.0) == headed  # the same seed and id: the same head
    assert with_shop_header(plain, 3, 0.0) == plain
    assert with_shop_header(headed, 4, 1.0) == headed  # a receipt with a seller keeps its own


def test_shop_heads_are_given_to_the_share_asked_for_and_vary():
    from finx.training.synthetic_tables import generate as generate_v2
    from finx.training.synthetic_tables import with_shop_header

    tables = [e for e in generate_v2(400, seed=1) if e.schema.name == "invoice"]
    headless = [e.__class__(e.id, e.schema, e.text, e.target | {"vendor": None}, e.source) for e in tables]
    headed = [with_shop_header(e, 5, 0.85) for e in headless]
    share = sum(h is not e for h, e in zip(headed, headless, strict=True)) / len(headless)
    assert 0.75 < share < 0.95
    assert len({h.target["vendor"] for h in headed if h.target["vendor"]}) > 20


def test_version_3_agreements_state_their_term_or_not_and_every_label_is_in_the_text():
    import re

    from finx.training.sft_data import value_in_text
    from finx.training.synthetic_contracts import generate as generate_agreements

    agreements = generate_agreements(120, seed=4)
    assert [(e.text, e.target) for e in agreements] == [(e.text, e.target) for e in generate_agreements(120, seed=4)]
    for agreement in agreements:
        assert len(agreement.target["parties"]) == 2 and agreement.target["jurisdiction"]
        for name, value in agreement.target.items():
            for item in value if isinstance(value, list) else [value]:
                assert item is None or value_in_text(item, agreement.text), (agreement.id, name, item)
    with_term = [a for a in agreements if a.target["term"]]
    assert 0.6 < len(with_term) / len(agreements) < 0.9
    # agreements without a term still write durations (survival, non-solicitation, notice): not the term
    durations = re.compile(r"\b(?:days|months?|years?)\b")
    assert all(durations.search(a.text) for a in agreements if a.target["term"] is None)
    # legal forms keep their period, as the preamble writes them
    assert any(party.endswith(("Inc.", "L.L.C.", "N.V.")) for a in agreements for party in a.target["parties"])


def test_version_4_invoices_print_their_currency_and_bank_details_and_every_label_is_in_the_text():
    from finx.training.sft_data import value_in_text
    from finx.training.synthetic_invoices import generate as generate_invoices

    invoices = generate_invoices(300, seed=5)
    assert [(e.text, e.target) for e in invoices] == [(e.text, e.target) for e in generate_invoices(300, seed=5)]
    for invoice in invoices:
        assert invoice.target["vendor"] and invoice.target["customer"] and invoice.target["line_items"]
        for name, value in invoice.target.items():
            for item in value if isinstance(value, list) else [value]:
                cells = item.values() if isinstance(item, dict) else [item]
                assert all(cell is None or value_in_text(cell, invoice.text) for cell in cells), (invoice.id, name)
    share = {name: sum(bool(e.target[name]) for e in invoices) / len(invoices) for name in ("currency", "iban",
             "account_number", "due_date")}  # fmt: skip
    # currency, IBAN, account number and due date each printed on some invoices and absent (null) on others
    assert all(0.2 < value < 0.95 for value in share.values()), share
    currencies = {e.target["currency"] for e in invoices}
    assert {"EUR", "€"} <= currencies  # codes and symbols
    assert any(" " not in (e.target["iban"] or " ") for e in invoices)  # IBANs printed unspaced too
    assert max(len(e.target["line_items"]) for e in invoices) == 20


def test_version_5_receipts_name_items_in_many_languages_and_every_label_is_in_the_text():
    from finx.training.sft_data import value_in_text
    from finx.training.synthetic_receipts import LANGUAGES
    from finx.training.synthetic_receipts import generate as generate_receipts

    receipts = generate_receipts(300, seed=7)
    assert [(e.text, e.target) for e in receipts] == [(e.text, e.target) for e in generate_receipts(300, seed=7)]
    for receipt in receipts:
        assert receipt.schema.name == "invoice" and receipt.target["line_items"] and receipt.target["total"]
        for name, value in receipt.target.items():
            for item in value if isinstance(value, list) else [value]:
                cells = item.values() if isinstance(item, dict) else [item]
                assert all(cell is None or value_in_text(cell, receipt.text) for cell in cells), (receipt.id, name)
    names = {row["description"] for e in receipts for row in e.target["line_items"]}
    assert len(names) > 500  # open names, not a fixed list of thirty
    nouns = {noun: language for language, words in LANGUAGES.items() for noun in words["nouns"]}
    languages = {nouns[noun] for noun in nouns if any(noun.casefold() in name.casefold() for name in names)}
    assert languages == set(LANGUAGES)
    quantities = {row["quantity"] for e in receipts for row in e.target["line_items"] if row["quantity"]}
    assert {"8 Std", "1式"} <= quantities and any(q.endswith(" kg") for q in quantities)  # units and weights
    # the currency on the rows' amounts is not part of their label
    assert any("€ " in e.text or " €" in e.text for e in receipts)
    assert all("€" not in row["amount"] for e in receipts for row in e.target["line_items"])
    share = sum(e.target["currency"] is not None for e in receipts) / len(receipts)
    assert 0.4 < share < 0.8


def test_version_6_short_invoices_put_rows_right_under_a_packed_head_and_every_label_is_in_the_text():
    from finx.training.sft_data import value_in_text
    from finx.training.synthetic_short import generate as generate_short

    invoices = generate_short(300, seed=6)
    assert [(e.text, e.target) for e in invoices] == [(e.text, e.target) for e in generate_short(300, seed=6)]
    for invoice in invoices:
        target = invoice.target
        assert target["vendor"] and target["customer"] and target["line_items"] and target["total"]
        for name, value in target.items():
            for item in value if isinstance(value, list) else [value]:
                cells = item.values() if isinstance(item, dict) else [item]
                assert all(cell is None or value_in_text(cell, invoice.text) for cell in cells), (invoice.id, name)
        # no column head or rule: the first row's description comes right after the head's last value
        if "\n" in invoice.text:
            first_row = next(line for line in invoice.text.splitlines() if target["line_items"][0]["amount"] in line)
            assert not any(word in first_row for word in ("Description", "---", "==="))
    texts = [e.text for e in invoices]
    assert sum(" | " in text.splitlines()[0] for text in texts) > 20  # heads packed in one line
    assert sum(" dated " in text for text in texts) > 20  # invoices written as one sentence

    # a row's currency mark is printed but never labelled; quantities carry their unit where printed
    def row_line(invoice):
        return next(line for line in invoice.text.splitlines() if invoice.target["line_items"][0]["amount"] in line)

    marked = [
        e for e in invoices if e.target["currency"] and " dated " not in e.text and e.target["currency"] in row_line(e)
    ]
    assert len(marked) > 30
    assert all(not any(c in row["amount"] for c in "$€£¥") for e in invoices for row in e.target["line_items"])
    quantities = {row["quantity"] for e in invoices for row in e.target["line_items"] if row["quantity"]}
    assert any(q.endswith(" days") or q.endswith(" hrs") for q in quantities)
    # descriptions keep the numbers and sizes that are part of a name
    assert any(row["description"] == "Basmati rice 5kg" for e in invoices for row in e.target["line_items"])
    share = {name: sum(bool(e.target[name]) for e in invoices) / len(invoices) for name in ("iban", "account_number")}
    assert all(0.15 < value < 0.5 for value in share.values()), share
