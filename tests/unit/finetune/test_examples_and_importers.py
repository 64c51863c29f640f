"""Labeled-example loading and the importers, on small hand-made files in each format."""

import json
from pathlib import Path

import pytest

from finx.errors import FinxError
from finx.schemas import get_schema
from finx.training.data import DataSource, in_dev_split, read_source
from finx.training.examples import ExampleError, load_examples, make_example, write_examples
from finx.training.importers import import_examples
from finx.training.importers.tokens import TaggedToken, build_document, split_to_fit

FORMATS = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def test_loader_keeps_good_lines_and_names_line_and_field_of_bad_ones():
    report = load_examples(FORMATS / "examples.jsonl")
    assert [example.id for example in report.examples] == ["ok-1", "ok-2"]
    assert report.examples[1].schema.name == "custom"
    messages = "\n".join(report.errors)
    assert len(report.errors) == 5
    assert "examples.jsonl:2: line: Invalid JSON" in messages
    assert (
        "examples.jsonl:3: bad-field: target does not match receipt@3: tip: Extra inputs are not permitted" in messages
    )
    assert "examples.jsonl:4: schema: unknown schema 'payslip'" in messages
    assert "examples.jsonl:5: text: Field required" in messages
    assert (
        "examples.jsonl:8: too-long: target does not match receipt@3: total: String should have at most 40" in messages
    )


def test_write_then_load_round_trips(tmp_path):
    examples = load_examples(FORMATS / "examples.jsonl").examples
    path = tmp_path / "out.jsonl"
    assert write_examples(examples, path) == 2
    again = load_examples(path)
    assert again.errors == []
    assert [e.content_hash for e in again.examples] == [e.content_hash for e in examples]


def test_unlabelled_fields_round_trip_and_must_be_null_fields_of_the_schema(tmp_path):
    spec = get_schema("receipt")
    target = {"company": None, "date": None, "address": None, "total": "9.00"}
    example = make_example("r", spec, "TOTAL 9.00", target, unlabelled=frozenset({"company"}))
    write_examples([example], tmp_path / "out.jsonl")
    assert json.loads((tmp_path / "out.jsonl").read_text())["unlabelled"] == ["company"]
    assert load_examples(tmp_path / "out.jsonl").examples == [example]
    with pytest.raises(ExampleError, match="unlabelled names fields receipt@3 does not have: vendor"):
        make_example("r", spec, "TOTAL 9.00", target, unlabelled=frozenset({"vendor"}))
    with pytest.raises(ExampleError, match="unlabelled fields hold values: total"):
        make_example("r", spec, "TOTAL 9.00", target, unlabelled=frozenset({"total"}))


def test_sroie_importer_joins_box_lines_and_skips_unlabelled_receipts():
    report = import_examples("sroie", FORMATS / "sroie")
    (example,) = report.examples
    assert example.id == "sroie/R001" and example.schema.name == "receipt"
    assert example.text.splitlines() == [
        "KEDAI RUNCIT MAJU JAYA",
        "NO 8, JALAN MERANTI 2,",
        "31400 IPOH, PERAK",
        "DATE: 03/04/2019",
        "TOTAL: 12.40",
    ]
    assert example.target == {
        "company": "KEDAI RUNCIT MAJU JAYA",
        "date": "03/04/2019",
        "address": "NO 8, JALAN MERANTI 2, 31400 IPOH, PERAK",
        "total": "12.40",
    }


def kleister_folder(tmp_path):
    """The Kleister-NDA layout built from hand-written fixture rows (the file names are the format's)."""
    import lzma
    import shutil

    folder = tmp_path / "kleister"
    folder.mkdir()
    shutil.copy(FORMATS / "kleister-in-header.tsv", folder / "in-header.tsv")
    shutil.copy(FORMATS / "kleister-gold.tsv", folder / "expected.tsv")
    with lzma.open(folder / "in.tsv.xz", "wt", encoding="utf-8") as handle:
        handle.write((FORMATS / "kleister-in.tsv").read_text(encoding="utf-8"))
    return folder


def test_kleister_importer_unescapes_text_and_spaces_values(tmp_path):
    first, second = import_examples("kleister-nda", kleister_folder(tmp_path)).examples
    assert first.id == "kleister-nda/a1"
    assert first.text.splitlines()[2] == "Term: two (2) years."
    assert first.target == {
        "parties": ["Bluefin Robotics Corp", "Oceanic Data LLC"],
        "jurisdiction": "New York",
        "effective_date": "2021-03-01",
        "term": "2 years",
    }
    assert second.target["jurisdiction"] is None and second.target["term"] is None


def test_finer_importer_rebuilds_text_with_exact_entity_strings():
    first, second = import_examples("finer-ord", FORMATS / "finer.csv").examples
    assert first.schema.name == "entities:ORG,PERSON,LOCATION"
    assert first.text == "Goldman Sachs hired Jane Doe in New York, says Reuters.\nDoe left Morgan Stanley (MS)."
    assert first.target == {
        "org": ["Goldman Sachs", "Reuters", "Morgan Stanley", "MS"],
        "person": ["Jane Doe", "Doe"],
        "location": ["New York"],
    }
    assert second.target == {"org": [], "person": ["Li"], "location": ["Paris"]}
    for name, items in first.target.items():
        assert all(item in first.text for item in items), name


def test_conll_importer_groups_io_tags_and_drops_misc():
    (example,) = import_examples("conll", FORMATS / "fin.conll").examples
    assert (
        example.text
        == "This LOAN between SILICON VALLEY BANK and John Smith of Santa Clara, Inc\nSigned by John Smith."
    )
    assert example.target == {"org": ["SILICON VALLEY BANK"], "person": ["John Smith"], "location": ["Santa Clara"]}


def test_importer_errors_are_clear():
    with pytest.raises(FinxError, match="unknown format 'xlsx'"):
        import_examples("xlsx", FORMATS)
    with pytest.raises(FinxError, match="no such file or folder"):
        import_examples("sroie", FORMATS / "absent")


def test_dev_split_is_stable_disjoint_and_about_the_requested_size():
    ids = [f"doc-{i}" for i in range(2000)]
    dev = [i for i in ids if in_dev_split(i, 0.1)]
    assert 150 < len(dev) < 250
    assert dev == [i for i in ids if in_dev_split(i, 0.1)]
    source = FORMATS / "examples.jsonl"
    train = read_source(DataSource("jsonl", source, "train", dev_fraction=0.5)).examples
    held_out = read_source(DataSource("jsonl", source, "dev", dev_fraction=0.5)).examples
    assert {e.id for e in train} | {e.id for e in held_out} == {"ok-1", "ok-2"}
    assert not {e.id for e in train} & {e.id for e in held_out}


def test_data_import_cli_writes_jsonl(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "sroie.jsonl"
    process = subprocess.run(
        [sys.executable, "-m", "finx.cli", "data", "import", "sroie", str(FORMATS / "sroie"), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert process.returncode == 0, process.stderr
    assert "1 examples written" in process.stdout
    assert json.loads(out.read_text())["id"] == "sroie/R001"


def test_documents_with_more_entities_than_a_list_holds_are_cut_into_parts_that_fit():
    sentences = [[TaggedToken(f"Bank{i}", "ORG", True), TaggedToken("lends", "", False)] for i in range(7)]
    parts = split_to_fit(sentences, max_per_type=3)
    assert [len(part) for part in parts] == [3, 3, 1]
    texts = [build_document(part)[0] for part in parts]
    assert texts == ["Bank0 lends\nBank1 lends\nBank2 lends", "Bank3 lends\nBank4 lends\nBank5 lends", "Bank6 lends"]
    assert split_to_fit(sentences, max_per_type=24) == [sentences]


def test_conll_importer_keeps_a_long_agreement_as_parts(tmp_path):
    lines = ["-DOCSTART- -X- -X- O", ""]
    for i in range(30):
        lines += [f"Lender{i} NNP O I-ORG", "agrees VBZ O O", ""]
    (tmp_path / "long.conll").write_text("\n".join(lines))
    report = import_examples("conll", tmp_path / "long.conll")
    assert report.errors == []
    assert [example.id for example in report.examples] == ["conll/long/0-0", "conll/long/0-1"]
    assert [len(example.target["org"]) for example in report.examples] == [24, 6]


def test_cord_importer_reads_rows_as_printed_and_labels_every_line_item():
    report = import_examples("cord", FORMATS / "cord")
    assert report.errors == []
    [example] = report.examples
    assert example.id == "cord/handmade-cafe" and example.schema.name == "invoice"
    # rows top to bottom, words left to right (a word a little higher on its row stays in place),
    # a column gap as two spaces; only labelled words, so nothing unlabelled is in the text
    assert example.text.splitlines() == [
        "2 KOPI SUSU  36.000", "1 NASI  25.000  25.000", "GORENG", "PEDAS", "2 KOPI SUSU  36.000",
        "Subtotal  97.000", "PB1  9.700", "TOTAL  106.700", "TUNAI  110.000",
    ]  # fmt: skip
    assert example.target["line_items"] == [
        {"description": "KOPI SUSU", "quantity": "2", "unit_price": None, "amount": "36.000"},
        {"description": "NASI GORENG", "quantity": "1", "unit_price": "25.000", "amount": "25.000"},
        {"description": "KOPI SUSU", "quantity": "2", "unit_price": None, "amount": "36.000"},
    ]
    # key words printed in a value's field ("Subtotal", "TOTAL") are not part of the value
    assert (example.target["subtotal"], example.target["tax"], example.target["total"]) == (
        "97.000",
        "9.700",
        "106.700",
    )
    assert example.target["vendor"] is None and example.target["currency"] is None
    # CORD labels no seller, buyer, number, dates, currency or bank: those nulls are unknown, not absent
    assert example.unlabelled == {
        "vendor", "customer", "invoice_number", "invoice_date", "due_date", "currency", "iban", "account_number",
    }  # fmt: skip
    assert example.labelled(example.target).keys() == {"subtotal", "tax", "total", "line_items"}


def test_cord_receipt_with_more_items_than_the_schema_holds_is_reported(tmp_path):
    receipt = json.loads((FORMATS / "cord" / "handmade-cafe.json").read_text())
    first = [line for line in receipt["valid_line"] if line["group_id"] == 1]
    receipt["valid_line"] = [{**line, "group_id": 1000 + n} for n in range(201) for line in first]
    (tmp_path / "receipt_1.json").write_text(json.dumps(receipt))
    report = import_examples("cord", tmp_path)
    assert report.examples == []
    assert report.errors == [
        "cord/receipt_1: target does not match invoice@4: line_items: List should have at most 200 items after validation, not 201"
    ]
