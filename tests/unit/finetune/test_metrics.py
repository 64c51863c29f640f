"""Metrics against hand-computed cases."""

import io
import json

import pytest

from finx.training.metrics import Counts, GroupScores, entity_counts, field_counts


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        pytest.param("9.00", "9.00", (1, 0, 0), id="scalar-equal"),
        pytest.param("ACME  Sdn Bhd", "acme sdn bhd", (1, 0, 0), id="scalar-normalised"),
        pytest.param("9.00", "9.50", (0, 1, 1), id="scalar-wrong"),
        pytest.param("9.00", None, (0, 0, 1), id="scalar-missed"),
        pytest.param(None, "9.00", (0, 1, 0), id="scalar-invented"),
        pytest.param(None, None, (0, 0, 0), id="scalar-both-null"),
        pytest.param(["A", "B", "C"], ["a", "B", "D", "E"], (2, 2, 1), id="list"),
        pytest.param(["A"], None, (0, 0, 1), id="list-failed-extraction"),
        pytest.param([{"amount": "5", "currency": "$"}], [{"amount": "5", "currency": "$ "}], (1, 0, 0), id="objects"),
    ],
)
def test_field_counts(gold, predicted, expected):
    counts = field_counts(gold, predicted)
    assert (counts.tp, counts.fp, counts.fn) == expected


def test_precision_recall_f1_by_hand():
    counts = Counts(tp=3, fp=1, fn=2)
    assert counts.precision == pytest.approx(0.75)
    assert counts.recall == pytest.approx(0.6)
    assert counts.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Counts().f1 == 1.0  # nothing to find and nothing found


def test_entity_counts_need_type_and_text():
    gold = {"org": ["Apple", "IBM"], "person": ["Tim Cook"]}
    predicted = {"org": ["apple", "Tim Cook"], "person": []}
    counts = entity_counts(gold, predicted)
    assert (counts.tp, counts.fp, counts.fn) == (1, 1, 2)


def test_group_scores_micro_validity_and_truncation():
    group = GroupScores()
    gold = {"company": "A", "total": "1"}
    group.add(gold, {"company": "A", "total": "2"}, truncated=False, is_entities=False)
    group.add(gold, None, truncated=True, is_entities=False)
    report = group.as_dict()
    assert report["documents"] == 2 and report["schema_valid_rate"] == 0.5 and report["truncation_rate"] == 0.5
    micro = report["field_f1_micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (1, 1, 3)
    assert report["entity_f1"] is None


def row(description, amount, quantity=None, unit_price=None):
    return {"description": description, "quantity": quantity, "unit_price": unit_price, "amount": amount}


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        pytest.param([row("Tea", "5")], [row("tea ", "5", quantity="1")], (1, 0, 0), id="key-cells-decide"),
        pytest.param([row("Tea", "5")], [row("Tea", "6")], (0, 1, 1), id="wrong-amount"),
        pytest.param([row("Tea", "5")], [row("1 Tea 5", "5")], (0, 1, 1), id="whole-line-as-description"),
        pytest.param([row("Tea", "5"), row("Tea", "5")], [row("Tea", "5")], (1, 0, 1), id="repeated-row-missed"),
        pytest.param([row("Tea", "5")], [row("Tea", "5"), row("Tea", "5")], (1, 1, 0), id="row-matched-once"),
        pytest.param([row("Tea", "5")], None, (0, 0, 1), id="failed-extraction"),
        pytest.param([], [row("Subtotal", "9")], (0, 1, 0), id="invented-row"),
    ],
)
def test_table_rows_are_right_when_description_and_amount_are(gold, predicted, expected):
    counts = field_counts(gold, predicted)
    assert (counts.tp, counts.fp, counts.fn) == expected


def test_table_cells_are_scored_per_column_beside_the_rows():
    group = GroupScores()
    gold = {"total": "11", "line_items": [row("Tea", "5", "1"), row("Cake", "6", "2", "3")]}
    predicted = {"total": "11", "line_items": [row("Tea", "5", "5"), row("Cake 2 x 3", "6", None, "3")]}
    group.add(gold, predicted, truncated=False, is_entities=False)
    report = group.as_dict()
    assert report["fields"]["line_items"]["tp"] == 1
    cells = {name: (c["tp"], c["fp"], c["fn"]) for name, c in report["cells"].items()}
    assert cells == {
        "line_items.description": (1, 1, 1),
        "line_items.quantity": (0, 1, 2),
        "line_items.unit_price": (1, 0, 0),
        "line_items.amount": (2, 0, 0),
    }
    micro = report["field_f1_micro"]  # one count per row, cells not counted twice
    assert (micro["tp"], micro["fp"], micro["fn"]) == (2, 1, 1)


def test_eval_does_not_score_the_fields_an_example_declares_unlabelled(monkeypatch):
    from types import SimpleNamespace

    import finx.training.evaluate as evaluate_module
    from finx.config import ExtractionPolicy
    from finx.extraction.result import ExtractionResult, Timings
    from finx.schemas import get_schema
    from finx.training.examples import make_example

    target = {"company": None, "date": None, "address": None, "total": "9.00"}
    example = make_example("r", get_schema("receipt"), "SHOP A TOTAL 9.00", target, unlabelled=frozenset({"company"}))
    predicted = {"company": "SHOP A", "date": None, "address": None, "total": "9.00"}
    result = ExtractionResult(
        schema_name="receipt", schema_version="1", status="ok", data=predicted, sources=[], truncated=False,
        raw="", engine="fake", model="m", adapter="base", prompt_tokens=9, completion_tokens=9,
        timings=Timings(prepare_s=0.0, generate_s=0.0, finish_s=0.0, total_s=0.0),
    )  # fmt: skip

    class Answering:
        def __init__(self, engine):
            self.policy = ExtractionPolicy()

        def extract_many(self, tasks):
            return [result for _ in tasks]

    monkeypatch.setattr(evaluate_module, "Extractor", Answering)
    engine = SimpleNamespace(
        name="fake", dtype="float32", base_model_dir=SimpleNamespace(name="m"), merged_adapter=None
    )
    predictions = io.StringIO()
    group = evaluate_module.evaluate(engine, [example], predictions=predictions)["groups"]["jsonl/receipt"]
    # the seller is not labelled: the predicted "SHOP A" is neither right nor wrong, and not counted
    assert "company" not in group["fields"]
    assert group["field_f1_micro"] == {"tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    # each document as it was scored, one JSON line: the labelled gold and answer
    assert [json.loads(line) for line in predictions.getvalue().splitlines()] == [
        {
            "id": "r", "group": "jsonl/receipt", "status": "ok", "error": None, "chunks": 1,
            "gold": {"date": None, "address": None, "total": "9.00"},
            "predicted": {"date": None, "address": None, "total": "9.00"},
            "confidence": {}, "withheld": [],
        }
    ]  # fmt: skip


def test_eval_scores_entity_lists_as_served_and_calibrates_on_every_entry():
    from finx.extraction.extractor import ExtractionTask, Extractor
    from finx.schemas import get_schema
    from finx.training.evaluate import evaluate
    from finx.training.examples import make_example
    from tests.support.scripted_engine import ScriptedEngine

    spec = get_schema("entities:ORG,PERSON,LOCATION")
    document = "Acme met the Northwind Traders Group of Oslo in Bergen."
    answer = {"org": ["Acme", "Northwind Traders Group"], "person": [], "location": ["Oslo", "Bergen"]}
    gold = {"org": ["Acme", "Northwind Traders Group"], "person": [], "location": ["Oslo"]}
    engine = ScriptedEngine(lambda prompt: json.dumps(answer), probability=0.93)  # the long name: confidence 0.16
    try:
        served = Extractor(engine).extract(ExtractionTask(document, spec))
        predictions = io.StringIO()
        report = evaluate(engine, [make_example("n", spec, document, gold)], predictions=predictions)
    finally:
        engine.close()
    record = json.loads(predictions.getvalue())
    # scored as a served request answers: the entry below the list threshold (0.3) is withheld
    assert record["predicted"] == served.data == {"org": ["Acme"], "person": [], "location": ["Oslo", "Bergen"]}
    assert record["confidence"] == {"org[0]": 0.647, "location[0]": 0.647, "location[1]": 0.5596}
    assert record["withheld"] == [
        {"path": "org[1]", "value": "Northwind Traders Group", "confidence": 0.163, "reason": "below_confidence"}
    ]
    group = report["groups"]["jsonl/entities:ORG,PERSON,LOCATION"]
    assert (group["entity_f1"]["tp"], group["entity_f1"]["fp"], group["entity_f1"]["fn"]) == (2, 1, 1)
    # calibration sees every entry, the withheld one (right, at 0.16) too
    assert group["calibration"]["lists"]["values"] == 4


def test_the_printed_row_f1_pools_a_groups_tables_and_is_absent_without_one():
    from finx.training.evaluate import table_rows_f1

    rows = {"tp": 6, "fp": 2, "fn": 4, "precision": 0.75, "recall": 0.6, "f1": 0.667}
    invoice = {"fields": {"total": {"tp": 9, "fp": 0, "fn": 0}, "line_items": rows}, "cells": {"line_items.amount": {}}}
    assert table_rows_f1(invoice) == 2 * 6 / (2 * 6 + 2 + 4)
    assert table_rows_f1({"fields": {"total": {"tp": 9, "fp": 0, "fn": 0}}, "cells": {}}) is None
