"""Label checks: scrambled or invented labels are listed before training, real ones are not."""

import pytest

from finx.schemas import custom_schema, get_schema
from finx.training.examples import ExampleError, make_example
from finx.training.labels import check_labels, issues_by_field, label_problem

RECEIPT = "KEDAI MAJU\nNO 8, JALAN MAWAR 3,\n81750 MASAI, JOHOR.\nDATE : 04/03/2019\nTOTAL : 30.30\nCASH 50.00"
GOOD = {
    "company": "KEDAI MAJU",
    "date": "04/03/2019",
    "address": "NO 8, JALAN MAWAR 3, 81750 MASAI, JOHOR.",
    "total": "30.30",
}


def receipt(target):
    return make_example("r1", get_schema("receipt"), RECEIPT, target)


def test_correct_receipt_labels_raise_nothing():
    assert check_labels([receipt(GOOD)]) == []


SHOP = custom_schema(
    {
        "type": "object",
        "properties": {
            name: {"type": ["string", "null"], "maxLength": 80, "x-finx-source": "copy"}
            for name in ("company", "date", "address", "total")
        },
        "required": ["company", "date", "address", "total"],
    }
)
"""The receipt's fields as plain copies (the built-in `receipt` refuses a date that has no date's
shape before any label check)."""


def test_a_built_in_date_without_a_dates_shape_is_refused_by_the_schema():
    with pytest.raises(
        ExampleError,
        match=r"r1: target does not match receipt@3: date: '30.30' does not have the field's shape \(its pattern\)$",
    ):
        receipt(GOOD | {"date": GOOD["total"]})


def test_swapped_fields_are_named_with_their_problem():
    scrambled = {"company": GOOD["address"], "date": GOOD["total"], "address": GOOD["company"], "total": GOOD["date"]}
    issues = check_labels([make_example("r1", SHOP, RECEIPT, scrambled)])
    assert [(issue.path, issue.problem) for issue in issues] == [
        ("date", "reads as an amount, not a date"),
        ("total", "reads as a date, not an amount"),
    ]
    assert str(issues[0]) == "r1: custom.date = '30.30': reads as an amount, not a date"
    assert issues_by_field(issues) == {"custom.date": 1, "custom.total": 1}


@pytest.mark.parametrize(
    ("path", "mode", "value", "problem"),
    [
        pytest.param("company", "copy", "KEDAI MAJU SDN BHD", "not in the document", id="invented-copy"),
        pytest.param("company", "copy", "kedai  maju", None, id="case-and-spacing-ignored"),
        pytest.param("date", "copy", "yesterday", "not a date", id="date-field-not-a-date"),
        pytest.param("total", "copy", "CASH", "no digits: not an amount", id="amount-without-digits"),
        pytest.param("effective_date", "date", "2019-03-05", "not written in the document", id="iso-date-absent"),
        pytest.param("effective_date", "date", "2019-04-03", None, id="iso-date-written-otherwise"),  # 04/03: US order
        pytest.param("parties[0]", "name", "Kedai Maju", None, id="party-name"),
        pytest.param("date[0]", "copy", "the third quarter", "not in the document", id="entity-period-not-typed"),
        pytest.param("note", "free", "anything", None, id="free-text"),
    ],
)
def test_label_problems(path, mode, value, problem):
    assert label_problem(path, mode, value, RECEIPT) == problem
