"""Where each value of a schema comes from, and how written values become canonical ones.

A compiled schema marks its strings with `x-finx-source` (see `schemas/fields.py`). This module
walks those marks, knowing nothing about engines or prompts:
- `copied_modes(schema)`: which source modes a schema uses (copy-grounding applies when any
  string is copied);
- `normalise_values(schema, written, document)`: the model's written values -> canonical ones (ISO
  dates, durations, party names, amounts; every copy without the space of a whitespace run at its
  ends: copy-grounding lets a value start at one, ` Weber GmbH`), with the written form of every
  value that changed; a party name ending in an abbreviated legal form gets the period the
  document writes after it;
- `written_form(schema, target, text)`: for training, a labeled (canonical) object -> the values
  as the document writes them, which is what the model is taught to copy;
- `string_leaves(schema, data)`: every string value with its path and source mode.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

from finx.schemas.compile import JsonSchema
from finx.schemas.fields import SOURCE_KEYWORD
from finx.schemas.strings import UNIQUE_KEYWORD
from finx.values.grounding import ground
from finx.values.normalise import NORMALISERS, SEARCHES, find_written, whole_party_name
from finx.values.paths import child_path, item_path, leaves, non_null

WHITESPACE = re.compile(r"\s+")


def string_mode(schema: JsonSchema) -> str | None:
    """The source mode of a string node (`free` when unmarked); None for anything else."""
    inner = non_null(schema)
    if inner.get("type") != "string":
        return None
    return str(inner.get(SOURCE_KEYWORD, "free"))


def copied_modes(schema: JsonSchema) -> set[str]:
    """Every source mode other than `free` used anywhere in the schema."""
    inner = non_null(schema)
    mode = string_mode(inner)
    if mode is not None:
        return {mode} - {"free"}
    if inner.get("type") == "object":
        return set().union(*(copied_modes(child) for child in inner["properties"].values()))
    if inner.get("type") == "array":
        return copied_modes(inner["items"])
    return set()


def normalise_values(schema: JsonSchema, written: Any, document: str = "") -> tuple[Any, dict[str, str | None]]:
    """(`written` with normalised strings made canonical, {path: canonical} for each of them).

    A written value with no canonical reading becomes null (a list drops it); its path maps to None.
    """
    changed: dict[str, str | None] = {}
    return _normalise(schema, written, "", changed, document), changed


def written_form(schema: JsonSchema, target: Any, text: str) -> Any:
    """`target` with every copied string replaced by the span of `text` it stands for, if found.

    Copied strings are located by grounding (exact, then case- and whitespace-insensitive, then
    fuzzy) and written as the document has them, whitespace runs as one space; dates and durations
    by the first written form that normalises to the labeled value. Values not found stay as labeled.
    """
    inner = non_null(schema)
    if target is None:
        return None
    mode = string_mode(inner)
    if mode is not None:
        return _written_string(mode, target, text) if isinstance(target, str) else target
    if inner.get("type") == "object" and isinstance(target, dict):
        return {name: written_form(child, target.get(name), text) for name, child in inner["properties"].items()}
    if inner.get("type") == "array" and isinstance(target, list):
        return [written_form(inner["items"], item, text) for item in target]
    return target


def string_leaves(schema: JsonSchema, data: Any) -> Iterator[tuple[str, str, str]]:
    """(path, source mode, value) of every non-empty string of `data` that the schema describes."""
    for leaf in leaves(schema, data):
        mode = string_mode(leaf.schema)
        if mode is not None and isinstance(leaf.value, str) and leaf.value.strip():
            yield leaf.path, mode, leaf.value


def _written_string(mode: str, value: str, text: str) -> str:
    if mode == "free":
        return value
    if mode in SEARCHES:
        found = find_written(mode, NORMALISERS[mode](value) or value, text)
        if found is not None:
            return found
    sources = ground(text, {"v": value})
    if not sources or sources[0].start is None or sources[0].end is None:
        return value
    start, end = sources[0].start, sources[0].end
    if sources[0].match == "fuzzy":  # an approximate span may cut words: widen it to whole words
        while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
            end += 1
        if starts_inside_initials(text, start):
            start -= 1
    return WHITESPACE.sub(" ", text[start:end]).strip()


def starts_inside_initials(text: str, start: int) -> bool:
    """Whether a span of `text` starts at the period after an initial (`.F. CHANG'S` of `P.F. CHANG'S`,
    `. B . FOSTER` of `L. B . FOSTER`): a fuzzy match stops at such periods, and training labels'
    written forms so cut taught the model to drop the initial. (A span that stops inside `L.P.` is
    completed where names are normalised: `normalise.CUT_ABBREVIATION`.)"""
    before = text[start - 2] if start >= 2 else " "
    return text.startswith(".", start) and start > 0 and text[start - 1].isalpha() and not before.isalnum()


def _normalise(schema: JsonSchema, value: Any, path: str, changed: dict[str, str | None], document: str) -> Any:
    inner = non_null(schema)
    if value is None:
        return None
    mode = string_mode(inner)
    if mode is not None:
        if mode == "free" or not isinstance(value, str):
            return value
        canonical: str | None = value.strip() or None  # a copy starting at a whitespace run keeps no space
        if mode in NORMALISERS and canonical is not None:
            canonical = NORMALISERS[mode](canonical)
            if mode == "name" and canonical is not None:
                canonical = whole_party_name(canonical, document)
        if canonical != value:
            changed[path] = canonical
        return canonical
    if inner.get("type") == "object" and isinstance(value, dict):
        return {
            name: _normalise(inner["properties"][name], item, child_path(path, name), changed, document)
            if name in inner["properties"]
            else item
            for name, item in value.items()
        }
    if inner.get("type") == "array" and isinstance(value, list):
        items = [
            _normalise(inner["items"], item, item_path(path, index), changed, document)
            for index, item in enumerate(value)
        ]
        kept = [item for item, original in zip(items, value, strict=True) if item is not None or original is None]
        return unique(kept) if inner.get(UNIQUE_KEYWORD) else kept
    return value


def unique(items: list[Any]) -> list[Any]:
    """`items` without repeats (JSON-equal), first occurrence kept: what `uniqueItems` asks for."""
    seen: set[str] = set()
    kept = []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept
