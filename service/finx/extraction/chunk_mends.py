"""Step 0b of `answer.final_answer`: each chunk's answer mended before the chunks are merged, so
that a mended value keeps the confidence the model gave it (its leaf in the chunk's values changes
with it):

- `trim_list_entries`: in entity lists, separators and unclosed brackets at a name's ends removed
  (`list_entries.trimmed_name`);
- `mend_money`: in the entities schema's money lists, the currency cut from an amount's ends and
  percentages read as money dropped (`list_entries.mended_money`);
- `mend_rows`: in tables, a row's cells read from beside it mended (a name that took in a count or
  left its rest on the line, a pack size, the amount of another line or the unit price before its
  own, a glued currency symbol: `row_mends.py`, `row_names.py`);
- `mend_header`: a receipt's address without the seller's name and number over it, a seller
  without its branch number and with its legal form's period, an invoice's figures without a
  glued symbol (`header_values.header_mends`).

`mend_chunks` runs them in that order. Knows schemas and the chunks' answers; not how they were
generated, merged or grounded.
"""

import re
from collections.abc import Sequence
from typing import Any

from finx.config import is_list_only
from finx.extraction.header_values import header_mends
from finx.extraction.list_entries import mended_money, trimmed_items, trimmed_name
from finx.extraction.row_mends import mended_rows
from finx.schemas.base import SchemaSpec
from finx.schemas.entities import MONEY_LISTS
from finx.schemas.invoice import COUNT_CELLS, NAME_PARTS
from finx.values.paths import item_path

ChunkLeaves = Sequence[tuple[dict[str, Any], dict[str, float]]]
"""Per chunk answer: (leaf values, leaf confidences) by path; both empty without log-probabilities."""
LIST_ITEM_PATH = re.compile(r"[^.\[\]]+\[\d+\]")
"""The path of a list's item at the top of the answer (`org[3]`)."""


def trim_list_entries(
    spec: SchemaSpec, parts: list[dict[str, Any]], chunks: ChunkLeaves
) -> tuple[list[dict[str, Any]], ChunkLeaves]:
    """The chunks' answers and leaf values with entity-list names trimmed (`list_entries.trimmed_name`),
    so that a trimmed name keeps its confidence; other schemas' answers are returned as they are."""
    if not is_list_only(spec.json_schema):
        return parts, chunks
    trimmed_parts = [
        {name: trimmed_items(value) if isinstance(value, list) else value for name, value in part.items()}
        for part in parts
    ]
    trimmed_chunks = [
        (
            {
                path: trimmed_name(value) if isinstance(value, str) and LIST_ITEM_PATH.fullmatch(path) else value
                for path, value in values.items()
            },
            confidences,
        )
        for values, confidences in chunks
    ]
    return trimmed_parts, trimmed_chunks


def mend_money(
    spec: SchemaSpec, parts: list[dict[str, Any]], chunks: ChunkLeaves
) -> tuple[list[dict[str, Any]], ChunkLeaves]:
    """The chunks' answers and leaf values with the entities schema's money entries mended
    (`list_entries.mended_money`), so that a cut amount keeps its confidence; other schemas'
    answers are returned as they are."""
    if spec.built_in != "entities":
        return parts, chunks
    mended_parts, changes = [], []
    for part in parts:
        kept, changed = dict(part), {}
        for name in MONEY_LISTS & part.keys():
            if not isinstance(part[name], list):
                continue
            kept[name] = []
            for index, entry in enumerate(part[name]):
                mended = mended_money(entry)
                if mended is not None and mended is not entry:
                    changed[f"{item_path(name, index)}.amount"] = mended["amount"]
                if mended is not None:
                    kept[name].append(mended)
        mended_parts.append(kept)
        changes.append(changed)
    return mended_parts, with_changed_leaves(chunks, changes)


def mend_rows(
    spec: SchemaSpec, document: str, parts: list[dict[str, Any]], chunks: ChunkLeaves
) -> tuple[list[dict[str, Any]], ChunkLeaves]:
    """The chunks' answers and leaf values with each table's rows mended (`row_mends.mended_rows`),
    so that a mended cell keeps the confidence the model gave the cell."""
    invoice = spec.built_in == "invoice"
    name_parts, count_cells = (NAME_PARTS, COUNT_CELLS) if invoice else ({}, {})
    mended = [mended_rows(part, spec.json_schema, document, name_parts, count_cells) for part in parts]
    return [kept for kept, _ in mended], with_changed_leaves(chunks, [changed for _, changed in mended])


def mend_header(
    spec: SchemaSpec, document: str, parts: list[dict[str, Any]], chunks: ChunkLeaves
) -> tuple[list[dict[str, Any]], ChunkLeaves]:
    """The chunks' answers and leaf values with a receipt's address cut to start after the seller's
    name and registration number, the seller's name without its branch number or the address it ran
    into and with its whole legal form, an invoice's figures without a glued currency symbol
    (`header_values.header_mends`), so that they keep their confidence."""
    mended = [header_mends(part, spec.built_in, document) for part in parts]
    return [{**part, **changed} for part, changed in zip(parts, mended, strict=True)], with_changed_leaves(
        chunks, mended
    )


def with_changed_leaves(chunks: ChunkLeaves, changes: list[dict[str, Any]]) -> ChunkLeaves:
    """Each chunk's leaf values with the values a mend changed, by path (so the changed value keeps
    the confidence the model gave its leaf); a chunk without leaf values (no log-probabilities) has
    none to change."""
    return [
        ({**values, **changed} if values else values, confidences)
        for (values, confidences), changed in zip(chunks, changes, strict=True)
    ]


def mend_chunks(
    spec: SchemaSpec, document: str, parts: list[dict[str, Any]], chunks: ChunkLeaves
) -> tuple[list[dict[str, Any]], ChunkLeaves]:
    """The chunks' answers (`parts`) and leaf values (`chunks`) with every mend of this module
    applied, in the order the module lists them."""
    parts, chunks = trim_list_entries(spec, parts, chunks)
    parts, chunks = mend_money(spec, parts, chunks)
    parts, chunks = mend_rows(spec, document, parts, chunks)
    return mend_header(spec, document, parts, chunks)
