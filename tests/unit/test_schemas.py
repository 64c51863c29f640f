"""Schema registry, the supported JSON Schema subset, and the bounds every compiled schema carries."""

import json
import re

import pytest
from pydantic import ValidationError

from finx.errors import InvalidSchema, UnknownSchema
from finx.schemas import custom_schema, get_schema, list_schemas, load_schema
from finx.schemas.compile import DEFAULT_MAX_ITEMS, compile_schema
from finx.schemas.fields import DATE_SHAPE
from finx.schemas.strings import DEFAULT_MAX_STRING


def walk(schema):
    yield schema
    for child in schema.get("properties", {}).values():
        yield from walk(child)
    if "items" in schema:
        yield from walk(schema["items"])
    for option in schema.get("anyOf", []):
        yield from walk(option)


def test_registry_lists_the_four_builtins():
    assert [spec.name for spec in list_schemas()] == ["entities", "invoice", "nda", "receipt"]
    assert all(spec.description and spec.version for spec in list_schemas())


@pytest.mark.parametrize("name", ["entities", "invoice", "nda", "receipt", "entities:ORG,PERSON"])
def test_every_compiled_schema_is_bounded_and_closed(name):
    for node in walk(get_schema(name).json_schema):
        if node.get("type") == "string":
            assert 0 < node["maxLength"] <= 4096
        if node.get("type") == "array":
            assert 0 < node["maxItems"] <= 256
        if node.get("type") == "object":
            assert node["additionalProperties"] is False
            assert node["required"] == list(node["properties"])


def test_entities_covers_the_financial_types():
    properties = get_schema("entities").json_schema["properties"]
    assert list(properties) == ["org", "person", "location", "ticker", "money", "date", "percent"]
    money = properties["money"]["items"]["properties"]
    assert set(money) == {"amount", "currency"}


def test_restricted_entities_keep_canonical_order_and_reject_unknown_types():
    spec = get_schema("entities:person,ORG")
    assert spec.name == "entities:ORG,PERSON"
    assert list(spec.json_schema["properties"]) == ["org", "person"]
    with pytest.raises(UnknownSchema, match="unknown entity type 'FOO'"):
        get_schema("entities:FOO")


def test_unknown_schema_names_the_known_ones():
    with pytest.raises(UnknownSchema, match="known: entities, invoice, nda, receipt"):
        get_schema("payslip")


def test_builtin_model_rejects_overlong_values_and_extra_keys():
    spec = get_schema("receipt")
    good = {"company": "ACME", "date": None, "address": None, "total": "9.00"}
    assert spec.dump(spec.validate_json(json.dumps(good))) == good
    with pytest.raises(ValidationError):
        spec.validate_json(json.dumps({**good, "total": "9" * 41}))
    with pytest.raises(ValidationError):
        spec.validate_json(json.dumps({**good, "extra": 1}))


CUSTOM = {
    "type": "object",
    "description": "Payslip",
    "properties": {
        "employee": {"type": "string"},
        "net pay": {"type": ["string", "null"], "maxLength": 20},
        "deductions": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "kind": {"enum": ["monthly", "weekly"]},
        "hours": {"type": "number", "minimum": 0},
    },
    "required": ["employee", "deductions"],
}


def test_custom_schema_is_normalised_bounded_and_validates():
    spec = custom_schema(CUSTOM)
    compiled = spec.json_schema
    assert compiled["required"] == ["employee", "net pay", "deductions", "kind", "hours"]
    assert compiled["properties"]["employee"] == {"type": "string", "maxLength": DEFAULT_MAX_STRING}
    assert compiled["properties"]["net pay"] == {"anyOf": [{"type": "string", "maxLength": 20}, {"type": "null"}]}
    assert compiled["properties"]["deductions"]["maxItems"] == DEFAULT_MAX_ITEMS
    assert compiled["properties"]["kind"] == {"anyOf": [{"enum": ["monthly", "weekly"]}, {"type": "null"}]}
    value = {"employee": "Jo", "net pay": None, "deductions": [{"name": "tax"}], "kind": "weekly", "hours": 7.5}
    assert spec.dump(spec.validate_json(json.dumps(value))) == value
    with pytest.raises(ValidationError):
        spec.validate_json(json.dumps({**value, "kind": "daily"}))
    assert spec.name == "custom" and spec.description == "Payslip"


def test_custom_schema_hash_is_stable_and_content_addressed():
    assert custom_schema(CUSTOM).key == custom_schema(json.loads(json.dumps(CUSTOM))).key
    other = {**CUSTOM, "required": ["employee"]}
    assert custom_schema(other).key != custom_schema(CUSTOM).key


def obj(**properties):
    return {"type": "object", "properties": properties}


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        pytest.param([], "must be a JSON object", id="not-an-object"),
        pytest.param({"type": "string"}, "top level of a schema must be an object", id="top-level-string"),
        pytest.param(
            obj(a={"type": "string", "multipleOf": 2}),
            "unsupported JSON Schema keyword 'multipleOf' at #/properties/a",
            id="unknown-keyword",
        ),
        pytest.param(obj(a={"type": "string", "format": "binary"}), "unsupported string format 'binary'", id="format"),
        pytest.param({"type": "object"}, "needs at least one property", id="free-form-object"),
        pytest.param(
            {**obj(a={"type": "string"}), "additionalProperties": True},
            "additionalProperties must be false",
            id="open-object",
        ),
        pytest.param(obj(a={"type": "array"}), "an array needs 'items'", id="array-without-items"),
        pytest.param(obj(a={"type": "string", "maxLength": 10**6}), "over finx's limit", id="huge-maxLength"),
        pytest.param(obj(a={"type": "string", "maxLength": -1}), "non-negative integer", id="negative-maxLength"),
        pytest.param(obj(a={"anyOf": [{"type": "null"}]}), "allows only null", id="null-only-union"),
        pytest.param(obj(a={"type": "date"}), "unsupported type 'date'", id="unknown-type"),
        pytest.param(obj(a={"description": "x"}), "missing 'type'", id="no-type"),
        pytest.param({**obj(a={"type": "string"}), "required": ["b"]}, "unknown property 'b'", id="required-unknown"),
        pytest.param(obj(a={"$ref": "#/$defs/missing"}), "unresolvable $ref", id="dangling-ref"),
        pytest.param(
            {**obj(a={"$ref": "#/$defs/node"}), "$defs": {"node": obj(next={"$ref": "#/$defs/node"})}},
            "recursive $ref",
            id="recursive-ref",
        ),
    ],
)
def test_unsupported_schemas_are_rejected_with_a_clear_message(schema, message):
    with pytest.raises(InvalidSchema) as error:
        compile_schema(schema)
    assert message in str(error.value)


def test_refs_from_pydantic_are_inlined():
    compiled = get_schema("invoice").json_schema
    assert "$defs" not in json.dumps(compiled) and "$ref" not in json.dumps(compiled)
    assert compiled["properties"]["line_items"]["items"]["type"] == "object"


def test_load_schema_reads_a_file_and_reports_bad_files(tmp_path):
    path = tmp_path / "payslip.json"
    path.write_text(json.dumps(CUSTOM))
    assert load_schema(str(path)).key == custom_schema(CUSTOM).key
    (tmp_path / "broken.json").write_text("{nope")
    with pytest.raises(InvalidSchema, match="cannot read schema file"):
        load_schema(str(tmp_path / "broken.json"))
    with pytest.raises(InvalidSchema, match="schema file not found"):
        load_schema(str(tmp_path / "absent.json"))


@pytest.mark.parametrize(
    ("printed", "is_date"),
    [
        ("11/14/2024", True),
        ("2024-11-05", True),
        ("14.11.24", True),
        ("14 Jul 2024", True),
        ("NOV 25, 2024", True),
        ("24-MAR-2018", True),
        ("Dec 01 '24", True),  # a restaurant check's year
        ("DEC01'24", True),
        ("2024年11月18日", True),
        ("12 High Street", False),
        ("2024 7:48 PM", False),
        ("Chk 5581", False),
    ],
)
def test_a_printed_date_has_one_of_the_shapes_dates_are_printed_in(printed: str, is_date: bool) -> None:
    assert bool(re.fullmatch(DATE_SHAPE, printed)) is is_date
