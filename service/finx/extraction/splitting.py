"""Tables longer than one answer: a chunk whose answer fills a table is read again in two halves.

One answer holds at most `ExtractionPolicy.rows_per_answer` rows in each table, a top-level list
of objects (the bound its grammar enforces: it keeps an answer within the token limit, 32-38
tokens a row, and stops a model that loops on one row). The schema's own `maxItems` bounds the
merged document, which may be far larger (an invoice of several pages). An answer that fills a
table's answer bound while the schema allows more may have left rows unread, so its chunk is split at
the line break nearest its middle (a row is a line: rows stay whole) and both halves are read
again, recursively, at most `ExtractionPolicy.table_splits` times; a full table that mostly
repeats itself is a model looping, not a long table, and is not read again. The halves are disjoint text,
so their rows are joined as they come, repeats included (`chunking.merge_results`' groups); the
chunks of an ordinary long document overlap and are merged as before.

Knows schemas, chunks and answers as JSON text; not engines, prompts or tokenizers.
"""

import json
from typing import Any

from finx.extraction.chunking import Chunk, normalised_key
from finx.extraction.table_rows import is_table
from finx.schemas.compile import JsonSchema

LOOP_SHARE = 0.75
"""A full list with fewer distinct items than this share of its length is a loop, not a table."""
MIN_SPLIT_CHARS = 40
"""A chunk shorter than this is not split again (a half would hold a line or two at most)."""


def answer_schema(schema: JsonSchema, rows_per_answer: int) -> JsonSchema:
    """`schema` with every table (a top-level list of objects) bounded to `rows_per_answer` rows
    (those already bounded lower keep their bound; lists of other items keep theirs): the schema
    one chunk's answer is generated under."""
    properties = dict(schema["properties"])
    changed = False
    for name, child in properties.items():
        if is_table(child) and child.get("maxItems", rows_per_answer + 1) > rows_per_answer:
            properties[name] = {**child, "maxItems": rows_per_answer}
            changed = True
    return {**schema, "properties": properties} if changed else schema


def fills_a_list(answer_text: str, answer: JsonSchema, document: JsonSchema) -> bool:
    """Whether a complete answer fills one of its lists to the answer bound while the document's
    schema would take more items: the chunk may hold more than one answer can."""
    try:
        data = json.loads(answer_text)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    for name, child in answer["properties"].items():
        bound = child.get("maxItems")
        items: Any = data.get(name)
        if bound is None or not isinstance(items, list):
            continue
        if len(items) >= bound and document["properties"][name].get("maxItems", bound) > bound and not looping(items):
            return True
    return False


def looping(items: list[Any]) -> bool:
    """Whether a full list repeats itself more than a table does (more than a quarter of its items
    are repeats): a model writing one row again and again to the bound has not left rows unread,
    and reading its chunk again in halves would only repeat that at twice the cost."""
    distinct = {normalised_key(item) for item in items}
    return len(distinct) < LOOP_SHARE * len(items)


def split_chunk(chunk: Chunk) -> tuple[Chunk, Chunk] | None:
    """The chunk as two disjoint halves cut at the line break nearest its middle (else the space
    nearest it), or None when it is too short or has nowhere to cut."""
    text = chunk.text
    if len(text) < MIN_SPLIT_CHARS:
        return None
    middle = len(text) // 2
    cut = _nearest(text, "\n", middle) or _nearest(text, " ", middle)
    if cut is None:
        return None
    return (
        Chunk(chunk.index, chunk.start, chunk.start + cut, text[:cut]),
        Chunk(chunk.index, chunk.start + cut, chunk.end, text[cut:]),
    )


def _nearest(text: str, separator: str, middle: int) -> int | None:
    """The offset just after the `separator` nearest `middle`, leaving text on both sides."""
    before = text.rfind(separator, 0, middle)
    after = text.find(separator, middle)
    cuts = [index + 1 for index in (before, after) if index != -1 and 0 < index + 1 < len(text)]
    cuts = [cut for cut in cuts if text[:cut].strip() and text[cut:].strip()]
    return min(cuts, key=lambda cut: abs(cut - middle)) if cuts else None
