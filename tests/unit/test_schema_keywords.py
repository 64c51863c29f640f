"""JSON Schema as pydantic writes it: each keyword compiles into a constraint llguidance accepts
(plain JSON and copy-grounded), a valid answer validates back into the user's model, and what no
backend can enforce is refused with the keyword and its place."""

import json
import re

import llguidance
import pytest

from finx.engines.constraints import guidance_grammar, guidance_lark
from finx.engines.copy_grammar import copy_grammar, whole_match
from finx.errors import InvalidSchema
from finx.schemas import custom_schema, get_schema
from finx.values.sources import normalise_values
from tests.support.pydantic_models import KEYWORD_MODELS, Contact, Invoice, Transaction

ANSWERS = {
    Invoice: {
        "invoice_number": "INV-2291", "po_number": "PO-4471", "invoice_date": "3 November 2026",
        "due_date": "3 Dec 2026", "currency": "USD",
        "lines": [{"description": "Steel brackets", "quantity": 2, "unit_price": 4.5},
                  {"description": "Hinge set", "quantity": 1, "unit_price": "12.00"}],
        "total": 21.0,
    },
    Contact: {"name": "Dana Whitfield", "email": "dana.whitfield@example.com"},
    Transaction: {
        "entry": {"kind": "refund", "amount": 12.5, "reason": "damaged goods"},
        "reference": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "booked_at": "2026-11-03T14:05:00",
        "priority": 2, "tags": ["returns", "returns", "q4"], "rate": 0.25, "status": "posted",
    },
}  # fmt: skip


@pytest.mark.parametrize("keywords", list(KEYWORD_MODELS))
def test_pydantic_models_compile_into_constraints_llguidance_accepts(keywords):
    model, text = KEYWORD_MODELS[keywords]
    spec = custom_schema(model.model_json_schema())
    assert not llguidance.LLMatcher.validate_grammar(guidance_grammar(spec.json_schema))
    assert not llguidance.LLMatcher.validate_grammar(guidance_lark(copy_grammar(spec.json_schema, text)))


@pytest.mark.parametrize("model", list(ANSWERS))
def test_an_answer_normalises_and_validates_back_into_the_users_model(model):
    spec = custom_schema(model.model_json_schema())
    normalised, _ = normalise_values(spec.json_schema, ANSWERS[model])
    value = model.model_validate(spec.dump(spec.model.model_validate(normalised)))
    if model is Invoice:
        assert str(value.invoice_date) == "2026-11-03" and str(value.due_date) == "2026-12-03"
        assert [str(line.unit_price) for line in value.lines] == ["4.5", "12.00"]
    if model is Transaction:
        assert value.entry.kind == "refund" and value.tags == {"returns", "q4"}
        assert normalised["tags"] == ["returns", "q4"]  # uniqueItems: repeats dropped, order kept


def test_compiled_forms_of_the_keywords():
    compiled = custom_schema(Transaction.model_json_schema()).json_schema["properties"]
    # const (with a default, so not required: nullable like every optional field)
    assert compiled["entry"]["anyOf"][1]["properties"]["kind"] == {"anyOf": [{"enum": ["refund"]}, {"type": "null"}]}
    assert compiled["reference"]["format"] == "uuid"
    assert compiled["priority"] == {"enum": [1, 2, 3]}
    assert compiled["tags"]["x-finx-unique"] is True and "uniqueItems" not in json.dumps(compiled)
    assert compiled["rate"] == {"type": "number", "exclusiveMinimum": 0.0, "exclusiveMaximum": 1.0}
    lists = {"type": "array", "items": {"type": "string"}}
    merges = custom_schema(
        {
            "type": "object",
            "properties": {"a": {**lists, "x-finx-merge": "first"}, "b": {**lists, "x-finx-merge": "union"}},
            "required": ["a", "b"],
        }
    ).json_schema["properties"]
    assert (merges["a"]["x-finx-merge"], "x-finx-merge" in merges["b"]) == ("first", False)
    cued = custom_schema(
        {
            "type": "object",
            "properties": {
                "law": {"type": ["string", "null"], "x-finx-cue": ["governed by", "(a+)+$"]},
                "term": {"type": ["string", "null"], "x-finx-other-roles": ["employ"]},
            },
            "required": [],
        }
    ).json_schema["properties"]
    # phrases, matched literally: `(a+)+$` is text to find, never a pattern run over a document
    assert cued["law"]["anyOf"][0] == {"type": "string", "maxLength": 256, "x-finx-cue": ["governed by", "(a+)+$"]}
    assert cued["term"]["anyOf"][0] == {"type": "string", "maxLength": 256, "x-finx-other-roles": ["employ"]}
    invoice = custom_schema(Invoice.model_json_schema()).json_schema["properties"]
    assert invoice["invoice_date"]["x-finx-source"] == "date" and "format" not in invoice["invoice_date"]
    assert invoice["total"]["anyOf"] == [
        {"type": "number", "exclusiveMinimum": 0.0},
        {"type": "string", "maxLength": 256},
    ]


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "string", "format": "binary"}, "unsupported string format 'binary' at #/properties/x"),
        ({"type": "string", "pattern": "^(?!PO)\\w+$"}, "look-around"),
        ({"type": "string", "pattern": "(a)\\1"}, "back-reference"),
        ({"type": "string", "pattern": "("}, "not a valid regular expression"),
        (
            {"type": "string", "pattern": "(a{1000}){1000}"},
            "pattern cannot be compiled (SchemaError: Compiled regex exceeds size limit",
        ),
        ({"type": "integer", "format": "date"}, "format does not apply to type 'integer' at #/properties/x"),
        ({"allOf": [{"type": "string"}, {"type": "string"}]}, "allOf is supported only around one schema"),
        ({"type": "array", "prefixItems": [{"type": "string"}]}, "unsupported JSON Schema keyword 'prefixItems'"),
        ({"const": 1, "enum": [1]}, "const and enum together"),
        ({"type": "string", "format": "email", "x-finx-source": "copy"}, "generated, not copied"),
        ({"type": "array", "items": {"type": "string"}, "x-finx-merge": "last"}, "x-finx-merge must be one of"),
        ({"type": "string", "x-finx-merge": "first"}, "x-finx-merge does not apply to type 'string'"),
        ({"type": "string", "x-finx-cue": "govern"}, "x-finx-cue must be a list of 1 to 20 phrases"),
        ({"type": "string", "x-finx-cue": []}, "x-finx-cue must be a list of 1 to 20 phrases"),
        ({"type": "string", "x-finx-cue": ["govern", " - "]}, "each with a letter or digit"),
        ({"type": "string", "x-finx-cue": ["x" * 61]}, "phrases of 1 to 60 characters"),
        ({"type": "integer", "x-finx-cue": ["govern"]}, "x-finx-cue does not apply to type 'integer'"),
        ({"type": "string", "x-finx-other-roles": "employ"}, "x-finx-other-roles must be a list of 1 to 20 phrases"),
        ({"type": "string", "x-finx-other-roles": ["employ", ""]}, "x-finx-other-roles must be a list of 1 to 20"),
        (
            {"type": "object", "properties": {"y": {"type": "string", "x-finx-other-roles": ["employ"]}}},
            "x-finx-other-roles applies to top-level strings only, found at #/properties/x/properties/y",
        ),
        (
            {"type": "object", "properties": {"y": {"type": "string", "x-finx-cue": ["govern"]}}},
            "x-finx-cue applies to top-level strings only, found at #/properties/x/properties/y",
        ),
        (
            {
                "type": "object",
                "properties": {"y": {"type": "array", "items": {"type": "string"}, "x-finx-merge": "first"}},
            },
            "x-finx-merge applies to top-level lists only, found at #/properties/x/properties/y",
        ),
    ],
)
def test_what_cannot_be_enforced_is_refused_naming_it(schema, message):
    with pytest.raises(InvalidSchema, match=message.replace("(", r"\(").replace("[", r"\[")):
        custom_schema({"type": "object", "properties": {"x": schema}, "required": ["x"]})


@pytest.mark.parametrize(
    ("pattern", "regex"),
    [
        ("^PO-\\d+$", "/(?:PO-\\d+)/"),
        ("PO-\\d+", "/(?s:.)*(?:PO-\\d+)(?s:.)*/"),
        ("^a/b", "/(?:a\\/b)(?s:.)*/"),
    ],
)
def test_a_copied_strings_pattern_is_matched_on_the_whole_value(pattern, regex):
    assert whole_match(pattern) == regex


def test_a_format_the_outlines_backend_cannot_enforce_is_an_invalid_schema_naming_it():
    from finx.engines.constraints import outlines_regex

    spec = custom_schema(
        {"type": "object", "properties": {"host": {"type": "string", "format": "ipv4"}}, "required": ["host"]}
    )
    with pytest.raises(InvalidSchema, match="the outlines backend cannot enforce 'format' on a bounded string"):
        outlines_regex(spec.json_schema)


def test_the_outlines_backend_enforces_a_pattern_that_keeps_the_length_bound_itself():
    from finx.engines.constraints import outlines_regex

    regex = re.compile(outlines_regex(get_schema("receipt").json_schema))
    answer = {"company": "KEDAI MAJU", "date": "04/03/2019", "address": None, "total": "30.30"}
    assert regex.fullmatch(json.dumps(answer, separators=(",", ":")))
    assert not regex.fullmatch(json.dumps(answer | {"date": "KEDAI MAJU"}, separators=(",", ":")))
    unbounded = custom_schema(
        {"type": "object", "properties": {"code": {"type": "string", "pattern": "^PO-\\d+$"}}, "required": ["code"]}
    )
    with pytest.raises(InvalidSchema, match="the outlines backend cannot enforce 'pattern' on a bounded string"):
        outlines_regex(unbounded.json_schema)
