"""Per-value confidence from token log-probabilities: leaf spans of JSON text, token offsets,
products over the tokens of each value, merging chunks, withholding unsure values."""

import math

import pytest

from finx.extraction.confidence import leaf_confidences, leaf_spans, merged_confidences, token_ends, withhold
from finx.schemas.compile import compile_schema


def test_leaf_spans_cover_every_leaf_with_its_quotes_from_its_keys_colon() -> None:
    text = '{"a": "x\\"y", "b": [1, {"c": null}], "d": true, "e": -2.5e3}'
    spans = leaf_spans(text)
    assert {path: text[start:end] for path, (start, end) in spans.items()} == {
        "a": ': "x\\"y"', "b[0]": "1", "b[1].c": ': null', "d": ": true", "e": ": -2.5e3",
    }  # fmt: skip


@pytest.mark.parametrize("text", ['{"a": ', '{"a": "x', "[1, 2] 3", ""])
def test_incomplete_json_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        leaf_spans(text)


def test_token_ends_follow_the_decoded_text_and_never_go_back() -> None:
    pieces = ["{", '"a', '":', '"', "\ufffd", "é", '"}']  # a character split over two tokens
    decoded = ["{", '{"a', '{"a":', '{"a":"', '{"a":"\ufffd', '{"a":"é', '{"a":"é"}']
    assert token_ends(lambda ids: decoded[len(ids) - 1], list(range(len(pieces)))) == [1, 3, 5, 6, 7, 7, 9]


def test_a_value_is_as_sure_as_the_tokens_that_write_it() -> None:
    # tokens: {"  a  ":"  AC  ME  ","  b  ":  null  }
    text = '{"a":"ACME","b":null}'
    ends = [2, 3, 6, 8, 10, 13, 14, 16, 20, 21]
    logprobs = [0.0, 0.0, -0.1, -0.2, -0.3, -0.4, 0.0, -0.6, -0.5, 0.0]
    confidences = leaf_confidences(text, ends, logprobs)
    assert confidences["a"] == pytest.approx(math.exp(-0.1 - 0.2 - 0.3 - 0.4))  # '":"' opens, '","' closes it
    # '":' is where the answer chose null over a string ('":"'): the null is only as sure as that choice
    assert confidences["b"] == pytest.approx(math.exp(-0.6 - 0.5))
    assert leaf_confidences('{"a":', [5], [0.0]) == {}


def test_chunks_merge_to_the_best_confidence_of_a_value_and_the_worst_of_a_null() -> None:
    chunks = [
        ({"org[0]": "Acme", "org[1]": "Beta", "date": None}, {"org[0]": 0.6, "org[1]": 0.9, "date": 0.8}),
        ({"org[0]": "ACME ", "date": None}, {"org[0]": 0.7, "date": 0.5}),
    ]
    assert merged_confidences(chunks, {"org": ["Acme", "Beta"], "date": None}) == {
        "org[0]": 0.7, "org[1]": 0.9, "date": 0.5,
    }  # fmt: skip


def test_withholding_nulls_unsure_values_and_drops_unsure_list_items_where_the_schema_allows() -> None:
    schema = compile_schema(
        {
            "type": "object",
            "properties": {
                "total": {"type": "string"},
                "vendor": {"type": "string"},
                "items": {"type": "array", "items": {"type": "string"}},
                "must": {"type": "string"},
            },
            "required": ["must"],
        }
    )
    data = {"total": "9.00", "vendor": "Acme", "items": ["a", "b"], "must": "x"}
    confidence = {"total": 0.3, "vendor": 0.95, "items[0]": 0.2, "items[1]": 0.99, "must": 0.1}
    removed: list[str] = []
    kept = withhold(data, schema, confidence, 0.5, removed)
    assert kept == {"total": None, "vendor": "Acme", "items": ["b"], "must": "x"}  # `must` cannot be null
    assert removed == ["total", "items[0]"]


def test_the_list_default_threshold_applies_to_list_only_schemas_unless_the_caller_sets_one() -> None:
    from finx.config import ExtractionPolicy
    from finx.schemas import get_schema

    policy = ExtractionPolicy(list_min_confidence=0.4)
    entities, receipt = get_schema("entities:ORG,PERSON").json_schema, get_schema("receipt").json_schema
    assert policy.min_confidence(entities, None) == 0.4
    assert policy.min_confidence(entities, 0.0) == 0.0  # the caller's choice wins, "keep everything" too
    assert policy.min_confidence(receipt, None) is None
    assert ExtractionPolicy(list_min_confidence=None).min_confidence(entities, None) is None
