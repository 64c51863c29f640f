"""Hostile schemas are refused fast with InvalidSchema: exponential `$ref` expansion, deep `anyOf`
nesting, deeply nested JSON, oversized compiled forms; repeated custom schemas are built once."""

import json
import time

import pytest

from finx.api_convert import request_from_pb
from finx.errors import InvalidSchema
from finx.schemas import custom_schema
from finx.schemas.compile import MAX_COMPILED_NODES, compile_schema
from finx.v1 import extraction_pb2 as pb
from tests.support.hostile import nested_any_of, ref_bomb


def refused_within(schema: object, seconds: float, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidSchema, match=message):
        custom_schema(schema)
    assert time.perf_counter() - started < seconds


def test_exponential_ref_expansion_is_refused_at_the_node_budget() -> None:
    bomb = ref_bomb(levels=7, width=8)
    assert len(json.dumps(bomb)) < 4096
    refused_within(bomb, 2.0, f"expands to more than {MAX_COMPILED_NODES} nodes")


def test_deep_any_of_and_type_lists_are_invalid_schemas_not_recursion_errors() -> None:
    refused_within(nested_any_of(900), 2.0, "nests (too )?deep")
    refused_within(nested_any_of(40), 2.0, "nests deeper than 32 levels")


def test_deeply_nested_json_in_a_request_is_an_invalid_schema() -> None:
    deep = '{"type": "object", "properties": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    with pytest.raises(InvalidSchema, match="schema_json nests too deeply"):
        request_from_pb(pb.ExtractRequest(text="TOTAL 9.00", schema_json=deep))


def test_an_oversized_compiled_schema_is_refused() -> None:
    wordy = {"type": "object", "properties": {"a": {"type": "string", "description": "x" * 100_000}}}
    refused_within(wordy, 2.0, "over finx's limit")


def test_reasonable_nesting_still_compiles() -> None:
    compiled = compile_schema(ref_bomb(levels=3, width=4))
    assert json.dumps(compiled).count('"type": "string", "maxLength": 256') == 4**3


def test_a_repeated_custom_schema_is_built_once() -> None:
    schema = {"type": "object", "properties": {"total": {"type": "string"}, "vat": {"type": "string"}}}
    assert custom_schema(schema) is custom_schema(json.loads(json.dumps(schema)))
