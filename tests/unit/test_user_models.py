"""A caller's pydantic model in, an instance of it out: in process (`schema_from_model`), through
the client (`with_model`), and from the CLI (`--schema package.module:Class`)."""

import re

import pytest

from finx.client import extract_request, with_model
from finx.errors import InvalidSchema
from finx.extraction.result import ExtractionResult, Timings
from finx.schemas import load_schema, schema_from_model
from finx.schemas.model_values import to_model
from tests.support.pydantic_models import Invoice, Refund, Transaction

ANSWER = {
    "entry": {"kind": None, "amount": 12.5, "reason": "damaged"},
    "reference": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "booked_at": "2026-11-03T14:05:00",
    "priority": 2,
    "tags": ["returns"],
    "rate": 0.25,
    "status": None,
}


def test_nulls_of_defaulted_fields_give_way_to_the_default():
    value = to_model(Transaction, ANSWER)
    assert isinstance(value.entry, Refund) and value.entry.kind == "refund"  # the branch that fits
    assert value.status == "posted"


def test_a_null_where_the_model_needs_a_value_is_still_refused():
    with pytest.raises(ValueError, match="rate"):
        to_model(Transaction, {**ANSWER, "rate": None})


def test_the_in_process_schema_validates_the_final_answer_into_the_callers_model():
    spec = schema_from_model(Transaction)
    assert spec.output_model is Transaction and spec.name == "custom"
    value = spec.validate_output(ANSWER)
    assert isinstance(value, Transaction)
    assert spec.dump(value)["entry"] == {"kind": "refund", "amount": 12.5, "reason": "damaged"}


def result_with(data):
    return ExtractionResult(
        schema_name="custom", schema_version="1", status="ok", data=data, sources=[], truncated=False, raw="",
        engine="vllm", model="m", adapter="base", prompt_tokens=1, completion_tokens=1,
        timings=Timings(prepare_s=0, generate_s=0, finish_s=0, total_s=0),
    )  # fmt: skip


def test_the_client_sends_the_models_schema_and_returns_an_instance():
    request = extract_request("text", Transaction)
    assert request.schema_json and '"discriminator"' in request.schema_json
    result = with_model(result_with(ANSWER), Transaction)
    assert isinstance(result.value, Transaction) and result.ok
    refused = with_model(result_with({**ANSWER, "rate": 3.0}), Transaction)
    assert refused.status == "invalid" and "does not validate into Transaction" in (refused.error or "")
    assert refused.data is not None  # what came back is kept for inspection


def test_the_cli_names_a_model_as_module_and_class():
    assert load_schema("tests.support.pydantic_models:Invoice").output_model is Invoice
    assert load_schema("entities:ORG").name == "entities:ORG"
    with pytest.raises(InvalidSchema, match=re.escape("cannot import no.such.module:Model")):
        load_schema("no.such.module:Model")
    with pytest.raises(InvalidSchema, match="is not a pydantic model class"):
        load_schema("tests.support.pydantic_models:INVOICE_TEXT")
