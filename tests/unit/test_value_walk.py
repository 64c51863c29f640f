"""The one walk over a schema's data: every leaf with its path and sub-schema, in document order."""

from finx.values.paths import Leaf, leaves, non_null

AMOUNT = {"type": "string", "x-finx-source": "amount"}
SCHEMA = {
    "type": "object",
    "properties": {
        "money": {"type": "array", "items": {"type": "object", "properties": {"amount": AMOUNT}}},
        "date": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "choice": {"anyOf": [{"type": "object", "properties": {"a": AMOUNT}}, {"type": "object"}]},
    },
}


def test_every_leaf_comes_with_its_path_and_sub_schema_in_document_order() -> None:
    data = {"money": [{"amount": "1.00"}, {"amount": "2.50"}], "date": None, "choice": {"a": "3"}, "extra": [True]}
    assert list(leaves(SCHEMA, data)) == [
        Leaf("money[0].amount", AMOUNT, "1.00"),
        Leaf("money[1].amount", AMOUNT, "2.50"),
        Leaf("date", SCHEMA["properties"]["date"], None),
        Leaf("choice.a", {}, "3"),  # a union of several branches does not say which one applies
        Leaf("extra[0]", {}, True),  # not in the schema
    ]


def test_a_bare_value_is_its_own_leaf_and_empty_containers_have_none() -> None:
    assert list(leaves({}, "x")) == [Leaf("", {}, "x")]
    assert list(leaves(SCHEMA, {"money": [], "choice": {}})) == []


def test_non_null_drops_only_a_single_null_option() -> None:
    assert non_null(SCHEMA["properties"]["date"]) == {"type": "string"}
    assert non_null(SCHEMA["properties"]["choice"]) is SCHEMA["properties"]["choice"]
