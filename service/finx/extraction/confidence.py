"""Per-value confidence: the probability the constrained model gave to the tokens of each value.

An engine reports, for every generated token, its log-probability under the constraint (the
grammar-masked distribution, renormalised over the tokens the grammar allowed). Here the answer's
JSON text is scanned for the character span of every leaf (a string with its quotes, a number,
`true`/`false`, `null`), and a leaf's confidence is the product of the probabilities of the tokens
that overlap its span, which starts at its key's `:`, so that the token that chose between writing
a value and `null` counts for the value it chose. For a `null` leaf it is the probability of writing
`null` there, i.e. of the field being absent.

A document answered in several chunks gets, for each value of the merged result, the highest
confidence any chunk gave that value at that field; a null field gets the lowest confidence of
the chunks that left it null (the least sure one). `withhold` turns values below a threshold into
`null` (or drops list items), wherever the schema lets the value be absent.

This module knows JSON text, token offsets and paths; not engines, prompts or documents.
"""

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from finx.extraction.chunking import normalised_key
from finx.schemas.compile import is_nullable
from finx.values.paths import ValuePath, child_path, item_path, leaves, non_null

LeafSpans = dict[ValuePath, tuple[int, int]]
INDEX = re.compile(r"\[\d+\]")
WHITESPACE = " \t\n\r"


def leaf_spans(text: str) -> LeafSpans:
    """Character span (start, end) of every leaf value of a JSON text, by path (`a.b`, `xs[0]`):
    the value with its quotes, from its key's `:` on (the token that chose between writing a
    value and `null` can sit there: `":` + `null` against `":"`). Raises ValueError for text
    that is not one JSON value."""
    spans: LeafSpans = {}
    end = _value(text, _skip(text, 0), "", spans)
    if _skip(text, end) != len(text):
        raise ValueError("extra text after the JSON value")
    return spans


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in WHITESPACE:
        index += 1
    return index


def _value(text: str, index: int, path: ValuePath, spans: LeafSpans, decided_at: int | None = None) -> int:
    """Parse the value at `index`; a leaf's span starts at `decided_at` (its key's `:`) if given."""
    if index >= len(text):
        raise ValueError("unexpected end of JSON")
    char = text[index]
    if char == "{":
        return _container(text, index, path, spans, "}", keyed=True)
    if char == "[":
        return _container(text, index, path, spans, "]", keyed=False)
    end = _string_end(text, index) if char == '"' else _scalar_end(text, index)
    spans[path] = (index if decided_at is None else decided_at, end)
    return end


def _container(text: str, index: int, path: ValuePath, spans: LeafSpans, closer: str, keyed: bool) -> int:
    index = _skip(text, index + 1)
    position = 0
    while index < len(text) and text[index] != closer:
        if keyed:
            key_end = _string_end(text, index)
            key = json.loads(text[index:key_end])
            index = _skip(text, key_end)
            if text[index] != ":":
                raise ValueError(f"expected ':' at {index}")
            child, decided_at = child_path(path, key), index
            index = _skip(text, index + 1)
        else:
            child, decided_at = item_path(path, position), None
        index = _skip(text, _value(text, index, child, spans, decided_at))
        position += 1
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
    if index >= len(text):
        raise ValueError("unexpected end of JSON")
    return index + 1


def _string_end(text: str, index: int) -> int:
    if text[index] != '"':
        raise ValueError(f"expected a string at {index}")
    index += 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text[index] == '"':
            return index + 1
        else:
            index += 1
    raise ValueError("unterminated string")


def _scalar_end(text: str, index: int) -> int:
    end = index
    while end < len(text) and text[end] not in ",]}" + WHITESPACE:
        end += 1
    if end == index:
        raise ValueError(f"expected a value at {index}")
    return end


def token_ends(decode: Callable[[list[int]], str], token_ids: Sequence[int]) -> list[int]:
    """The character offset in the decoded text where each token ends (non-decreasing: a token that
    completes a character split over several tokens owns it)."""
    ends = [len(decode(list(token_ids[: i + 1]))) for i in range(len(token_ids))]
    for i in range(len(ends) - 2, -1, -1):
        ends[i] = min(ends[i], ends[i + 1])
    return ends


def leaf_confidences(text: str, ends: Sequence[int], logprobs: Sequence[float]) -> dict[ValuePath, float]:
    """Confidence of every leaf of one answer: exp of the summed log-probabilities of the tokens
    overlapping its span. Empty when the text is not complete JSON."""
    try:
        spans = leaf_spans(text)
    except (ValueError, KeyError, IndexError, json.JSONDecodeError):
        return {}
    confidences = {}
    for path, (start, end) in spans.items():
        total, begin = 0.0, 0
        for token_end, logprob in zip(ends, logprobs, strict=True):
            if begin < end and token_end > start:
                total += logprob
            begin = token_end
        confidences[path] = math.exp(total)
    return confidences


def leaf_values(data: Any) -> dict[ValuePath, Any]:
    """Every leaf of a JSON value by path (strings, numbers, booleans, nulls)."""
    return {leaf.path: leaf.value for leaf in leaves({}, data)}


def merged_confidences(
    chunks: Sequence[tuple[dict[ValuePath, Any], dict[ValuePath, float]]], merged: Any
) -> dict[ValuePath, float]:
    """Confidence of every leaf of the merged result from the chunks' (values, confidences): a
    value's best confidence at its field (list positions ignored), a null's lowest."""
    best: dict[tuple[str, str], float] = {}
    for values, confidences in chunks:
        for path, value in values.items():
            if path not in confidences:
                continue
            key = (INDEX.sub("[]", path), normalised_key(value))
            pick = min if value is None else max
            best[key] = pick(best.get(key, confidences[path]), confidences[path])
    out = {}
    for path, value in leaf_values(merged).items():
        key = (INDEX.sub("[]", path), normalised_key(value))
        if key in best:
            out[path] = round(best[key], 4)
    return out


def withhold(
    data: Any,
    schema: dict[str, Any],
    confidences: dict[ValuePath, float],
    threshold: float,
    removed: list[ValuePath],
    path: ValuePath = "",
) -> Any:
    """`data` with every value whose confidence is below `threshold` made `null` where the schema
    allows null, or dropped from its list where the list may be shorter (their paths are appended
    to `removed`); nulls stay as they are."""
    if isinstance(data, dict):
        properties = non_null(schema).get("properties", {})
        return {
            name: withhold(child, properties.get(name, {}), confidences, threshold, removed, child_path(path, name))
            for name, child in data.items()
        }
    if isinstance(data, list):
        array = non_null(schema)
        items = array.get("items", {})
        kept = []
        for i, child in enumerate(data):
            here = item_path(path, i)
            if _below(child, here, confidences, threshold) and len(data) > array.get("minItems", 0):
                removed.append(here)
                continue
            kept.append(withhold(child, items, confidences, threshold, removed, here))
        return kept
    if data is not None and _below(data, path, confidences, threshold) and is_nullable(schema):
        removed.append(path)
        return None
    return data


def _below(value: Any, path: ValuePath, confidences: dict[ValuePath, float], threshold: float) -> bool:
    if isinstance(value, dict | list):
        return False
    return path in confidences and confidences[path] < threshold
