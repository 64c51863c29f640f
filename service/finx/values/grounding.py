"""Grounding: trace every extracted string value back to character offsets in the source text.

Matching is tried from strictest to loosest, and the result says which one worked:
`exact`, `case_insensitive`, `whitespace` (runs of whitespace collapsed and case ignored, which
also bridges broken lines), `fuzzy` (best approximate substring, score >= `FUZZY_THRESHOLD`), or
`not_found`. Offsets are Python string indices into the source, end exclusive.
"""

import re
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel

from finx.values.paths import leaves

MatchKind = Literal["exact", "case_insensitive", "whitespace", "fuzzy", "not_found"]
WithheldReason = Literal[
    "below_confidence", "misplaced_row", "unreadable_row", "header_row", "total_row", "other_role", "inconsistent"
]
"""Why a value was withheld: its confidence was below the threshold; its table row's cells are
printed apart (`extraction.table_rows`, misplaced); its row holds a cell with no reading of its
kind (an amount that is no number, or only part of a printed figure); its row is the table's head
(a column's name read as an item); or its row is the sum of the rows above it (a total read as an
item) or comes after such a row, is the line of the answer's tax, subtotal or total, or is printed
below the total's line; or the document writes it only in clauses that give its kind of
value another role (`extraction.roles`: a covenant's period as a contract's term); or it contradicts
another of the answer's figures (an invoice's tax not below its total)."""
FUZZY_THRESHOLD = 85.0
FUZZY_MIN_LENGTH = 4
FUZZY_MAX_SOURCE = 200_000
WHITESPACE = re.compile(r"\s+")


class ValueSource(BaseModel):
    """Where one extracted string value comes from in the document."""

    path: str
    """Location of the value in the result, e.g. `money[0].amount`."""
    value: str
    start: int | None
    end: int | None
    match: MatchKind
    score: float
    """1.0 for exact, case-insensitive and whitespace matches; the fuzzy similarity in [0, 1]; 0 if not found."""
    normalised: str | None = None
    """For a normalised field (date, duration, name, amount): the canonical value in the result, or
    None when the written value has no canonical reading. Unset for values kept as written."""
    confidence: float | None = None
    """Probability the constrained model gave to the tokens of this value (`finx.extraction.confidence`)."""
    page: int | None = None
    """1-based page and line of `start`, where the document was read from a file (`result.locate`)."""
    line: int | None = None
    boxes: list[tuple[float, float, float, float]] | None = None
    """For PDFs and scans: one `[x0, y0, x1, y1]` per line of the value, in points from the page's
    top-left corner (`ingest.base`); None for text formats."""
    reason: WithheldReason | None = None
    """For a withheld value: why it was withheld; None for the result's own values."""


def string_values(data: Any) -> Iterator[tuple[str, str]]:
    """Every non-empty string in a JSON value, with its path, in document order."""
    for leaf in leaves({}, data):
        if isinstance(leaf.value, str) and leaf.value.strip():
            yield leaf.path, leaf.value


def occurrences(value: str, document: str) -> list[tuple[int, int]]:
    """Every place `value` is written in `document`: case ignored, any whitespace between its words."""
    words = value.split()
    if not words:
        return []
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)
    return [(match.start(), match.end()) for match in pattern.finditer(document)]


def ground(source: str, data: Any) -> list[ValueSource]:
    """Offsets and match kind for every string value in `data`."""
    folded = _fold_case(source)
    normalised, offsets = _collapse_whitespace(folded)
    return [_locate(source, folded, normalised, offsets, path, value) for path, value in string_values(data)]


def _locate(source: str, folded: str, normalised: str, offsets: list[int], path: str, value: str) -> ValueSource:
    def found(start: int, end: int, match: MatchKind, score: float = 1.0) -> ValueSource:
        return ValueSource(path=path, value=value, start=start, end=end, match=match, score=round(score, 3))

    start = source.find(value)
    if start >= 0:
        return found(start, start + len(value), "exact")
    folded_value = _fold_case(value)
    start = folded.find(folded_value)
    if start >= 0:
        return found(start, start + len(value), "case_insensitive")
    needle = WHITESPACE.sub(" ", folded_value).strip()
    start = normalised.find(needle)
    if start >= 0:
        return found(offsets[start], offsets[start + len(needle) - 1] + 1, "whitespace")
    if len(needle) >= FUZZY_MIN_LENGTH and len(normalised) <= FUZZY_MAX_SOURCE:
        from rapidfuzz import fuzz

        alignment = fuzz.partial_ratio_alignment(needle, normalised)
        if alignment is not None and alignment.score >= FUZZY_THRESHOLD and alignment.dest_end > alignment.dest_start:
            begin = offsets[alignment.dest_start]
            end = offsets[alignment.dest_end - 1] + 1
            return found(begin, end, "fuzzy", alignment.score / 100)
    return ValueSource(path=path, value=value, start=None, end=None, match="not_found", score=0.0)


def _fold_case(text: str) -> str:
    """Lower-case character by character, keeping the length (and so every offset) unchanged."""
    return "".join(lower if len(lower := char.lower()) == 1 else char for char in text)


def _collapse_whitespace(text: str) -> tuple[str, list[int]]:
    """`text` with each whitespace run as one space, and the source index of every kept character."""
    chars: list[str] = []
    offsets: list[int] = []
    for match in re.finditer(r"\s+|\S+", text):
        if match.group().isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                offsets.append(match.start())
        else:
            chars.extend(match.group())
            offsets.extend(range(match.start(), match.end()))
    return "".join(chars), offsets
