"""Long documents: split into overlapping chunks, and merge per-chunk results into one object.

Serving and training use the same chunker with the same sizes (`EngineConfig.chunk_tokens`,
`chunk_overlap_tokens`), so the model is trained on exactly the windows it later sees.
Chunks end at a line break where one is near the end of the window, so lines stay whole.

Merging follows the schema's top-level properties: lists are concatenated in document order and
de-duplicated (case and whitespace ignored), capped at the schema's `maxItems` (a list marked
`x-finx-merge: first` is the first chunk's non-empty one instead). A list of objects is a table
whose rows may repeat (two identical lines on one receipt): a row appears as many times as in the
chunk that holds it most often, so rows read twice in the overlap of two chunks count once and
repeated rows of one chunk are kept, but never more often than the document writes the row (its
rarest cell that the document holds at all): a small model that loops on one line writes it up to
the row bound, where the receipt prints it once. Rows that agree on their first and last cells
(description and amount) are at most as many as the lines that print the first: a line read twice
with a cell apart (its count once and once not) is one row, the fullest reading. The halves of a
chunk that was read again in two (`splitting.py`) are disjoint text, so their rows are joined as
they come first. Any other value
is taken from the chunk whose candidate is best grounded in the whole document (exact beats
case-insensitive beats whitespace beats fuzzy beats not found), then from the chunk whose answer
the model was most confident of, then from the earliest chunk; where the schema gives the value a
cue (`x-finx-cue`: the words that state its role), a candidate the document writes just after
its cue comes first (a governing law over a state of incorporation), and where it names other
roles (`x-finx-other-roles`), a candidate written only in their clauses comes last (`roles.py`).
"""

import bisect
import json
import re
import sys
from dataclasses import dataclass
from typing import Any, Protocol

from finx.extraction.roles import is_cued, only_in_other_roles
from finx.schemas.compile import JsonSchema
from finx.schemas.fields import CUE_KEYWORD, OTHER_ROLES_KEYWORD
from finx.schemas.strings import MERGE_KEYWORD
from finx.values.grounding import ValueSource, ground, occurrences
from finx.values.paths import non_null

MATCH_RANK = {"exact": 4, "case_insensitive": 3, "whitespace": 2, "fuzzy": 1, "not_found": 0}
"""How well a candidate for a single value is copied from the document, by its match; a value copied
with its case across a line break ranks as `exact` (`copy_rank`)."""
LINE_BREAK_SEARCH = 0.25
"""Look for a line break in the last quarter of a window to end the chunk there."""


class OffsetTokenizer(Protocol):
    def __call__(self, text: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    text: str


def token_offsets(tokenizer: OffsetTokenizer, text: str) -> list[tuple[int, int]]:
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return [tuple(pair) for pair in encoded["offset_mapping"]]


def chunk_document(text: str, tokenizer: OffsetTokenizer, max_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """Overlapping windows of at most `max_tokens` tokens covering the whole text."""
    if overlap_tokens >= max_tokens // 2:
        raise ValueError("overlap must be less than half the chunk size")
    offsets = token_offsets(tokenizer, text)
    if len(offsets) <= max_tokens:
        return [Chunk(0, 0, len(text), text)]
    token_starts = [start for start, _ in offsets]
    chunks: list[Chunk] = []
    first_token = 0
    while True:
        last_token = min(first_token + max_tokens, len(offsets))
        start = offsets[first_token][0] if chunks else 0
        end = offsets[last_token - 1][1] if last_token < len(offsets) else len(text)
        if last_token < len(offsets):
            search_from = offsets[last_token - int(max_tokens * LINE_BREAK_SEARCH)][0]
            line_break = text.rfind("\n", search_from, end)
            if line_break > start:
                end = line_break + 1
        chunks.append(Chunk(len(chunks), start, end, text[start:end]))
        if last_token >= len(offsets):
            return chunks
        next_first = bisect.bisect_left(token_starts, end) - overlap_tokens
        first_token = max(next_first, first_token + 1)


def merge_results(
    schema: JsonSchema,
    document: str,
    parts: list[dict[str, Any]],
    confidences: list[dict[str, float]] | None = None,
    groups: list[int] | None = None,
) -> dict[str, Any]:
    """One object from per-chunk objects (in chunk order), following the schema's top level: a
    list joins every chunk's items (repeats dropped), or is the first chunk's non-empty list where
    the schema says `x-finx-merge: first`; a single value is the best candidate.

    `confidences[i]` holds part i's confidence by top-level field name (absent: unknown).
    `groups[i]` is the chunk part i was read from: parts of one group are the disjoint pieces of
    a chunk read again in parts, whose lists are joined as they come (default: one part a chunk)."""
    merged: dict[str, Any] = {}
    for name, child in schema["properties"].items():
        present = [index for index, part in enumerate(parts) if part.get(name) is not None]
        values = [parts[index][name] for index in present]
        if child.get("type") == "array":
            if groups is not None:
                values = joined_by_group(values, [groups[index] for index in present])
            if child.get(MERGE_KEYWORD) == "first":
                values = [next((items for items in values if items), [])]
            rows = child.get("items", {}).get("type") == "object"
            merged[name] = merge_lists(values, child["maxItems"], rows_of=document if rows else None)
        else:
            sure = [(confidences[index] if confidences else {}).get(name, 0.0) for index in present]
            roles = non_null(child)
            merged[name] = best_candidate(
                values, sure, document, roles.get(CUE_KEYWORD), roles.get(OTHER_ROLES_KEYWORD)
            )
    return merged


def merge_lists(lists: list[list[Any]], max_items: int, rows_of: str | None = None) -> list[Any]:
    """The lists joined in order, each distinct item once, at most `max_items`. With `rows_of` (the
    document) the items are table rows: a row as often as the list that holds it most often, and
    at most as often as `times_written` in that document."""
    kept: dict[str, int] = {}
    merged: list[Any] = []
    for items in lists:
        seen_here: dict[str, int] = {}
        for item in items:
            key = normalised_key(item)
            seen_here[key] = seen_here.get(key, 0) + 1
            allowed = 1 if rows_of is None else seen_here[key]
            if rows_of is not None and allowed > 1:  # a repeat: the document is searched only then
                allowed = min(allowed, times_written(item, rows_of))
            if kept.get(key, 0) < allowed and len(merged) < max_items:
                kept[key] = kept.get(key, 0) + 1
                merged.append(item)
    return merged if rows_of is None else within_lines_printed(merged, rows_of)


def within_lines_printed(rows: list[Any], document: str) -> list[Any]:
    """`rows` where no more of them agree on their first and last cells (a table's description and
    amount, in the order a printed row writes them) than `document` prints the first: of those that
    do, the ones with the most cells written, the earliest on ties, in their order. A small model
    reads one line twice with a cell apart (`TAIL STOMACH` with `1` and with `2` as its count, or
    once with its count and once without), which the exact repeats that `merge_lists` drops do not
    catch."""
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        cells = list(row.values()) if isinstance(row, dict) else []
        if len(cells) >= 2 and isinstance(cells[0], str) and cells[0].strip() and cells[-1] is not None:
            groups.setdefault(normalised_key([cells[0], cells[-1]]), []).append(index)
    dropped: set[int] = set()
    for indexes in groups.values():
        printed = len(occurrences(rows[indexes[0]][next(iter(rows[indexes[0]]))], document))
        if 0 < printed < len(indexes):
            by_cells = sorted(indexes, key=lambda index: -sum(cell is not None for cell in rows[index].values()))
            dropped.update(by_cells[printed:])
    return [row for index, row in enumerate(rows) if index not in dropped]


def times_written(row: Any, document: str) -> int:
    """How many times `document` can hold `row`: the occurrences of its rarest non-empty string cell
    among those it holds at all (at least 1; unbounded when it holds none, nothing to count by)."""
    cells = row.values() if isinstance(row, dict) else [row]
    counts = [len(occurrences(cell, document)) for cell in cells if isinstance(cell, str) and cell.strip()]
    found = [count for count in counts if count]
    return min(found) if found else sys.maxsize


def joined_by_group(lists: list[list[Any]], groups: list[int]) -> list[list[Any]]:
    """Consecutive lists of the same group joined into one, in order."""
    joined: list[list[Any]] = []
    for index, items in enumerate(lists):
        if index > 0 and groups[index] == groups[index - 1]:
            joined[-1] = joined[-1] + items
        else:
            joined.append(list(items))
    return joined


def best_candidate(
    candidates: list[Any],
    confidences: list[float],
    document: str,
    cue: list[str] | None = None,
    other_roles: list[str] | None = None,
) -> Any:
    """The best grounded candidate; among equally grounded ones the most confident, the earliest
    chunk on ties (so a later chunk wins only when the model was surer of it). With `other_roles`,
    a candidate the document writes only in other roles (`roles.only_in_other_roles`) comes after
    all others; with a `cue`, one it writes in its role (`roles.is_cued`) before them."""
    if len(candidates) < 2:
        return candidates[0] if candidates else None

    def grounding(candidate: Any) -> float:
        sources = ground(document, {"v": candidate})
        if not sources:
            return 0.0
        return sum(copy_rank(source, document) + source.score for source in sources) / len(sources)

    ranks = [
        (
            not (other_roles is not None and only_in_other_roles(candidate, other_roles, document)),
            cue is not None and is_cued(candidate, cue, document),
            grounding(candidate),
            sure,
        )
        for candidate, sure in zip(candidates, confidences, strict=True)
    ]
    return candidates[ranks.index(max(ranks))]


def copy_rank(source: ValueSource, document: str) -> int:
    """`MATCH_RANK` of a value's match, where a `whitespace` match the document writes in the value's
    case counts as `exact`: a copy that crosses a line break (a receipt's address on three lines) is
    as much a copy as one on one line, and must not lose to a one-line candidate the model was less
    sure of (`ANY REQUEST FOR PRODUCTION OF FULL TAX` from a receipt's footer)."""
    written = document[source.start : source.end] if source.start is not None else ""
    if source.match == "whitespace" and written.split() == source.value.split():
        return MATCH_RANK["exact"]
    return MATCH_RANK[source.match]


def normalised_key(value: Any) -> str:
    """One key for values that differ only in case and spacing (every string inside is folded)."""
    return json.dumps(_folded(value), ensure_ascii=False, sort_keys=True)


def _folded(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value.casefold()).strip()
    if isinstance(value, dict):
        return {key: _folded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_folded(item) for item in value]
    return value
