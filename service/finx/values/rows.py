"""Printed table rows: which lines of a text one row of a table may be read from.

A receipt or invoice prints a row on a line (`1  Croissant  2.75`), or on a few lines around one:
a name line over its amount line (`BAK MANDI (TAIWAN BESAR)` / `500900014` / `125,000`), a detail
line under it (`BANANAS EACH  0.95` / `5 @ 0.19`), the rest of a long name under it (`2 BAKPAO BKR
C  42,000` / `CRISPY`). A *row line* holds a word and ends with an amount; a *row span* is up to
`ROW_SPAN_LINES` consecutive lines that hold at most one row line. Every cell of a row is read
from one row span, so a row cannot take the next row's amount (`Croissant` with `9.50` from `1
Eggs Benedict  9.50`). Of CORD's 1,297 gold rows, 47 have cells in no row span, 45 of them because
a cell is no span of the text at all (`BAKPAO BKR C CRISPY` around the amount); of generator
versions 2-6's rows none.

A text that prints no row line (a PDF's text layer that runs column by column: names first,
amounts after) has no row spans: nothing to read a row from by lines.

Knows lines, words, amounts and the shape of a table schema; not what the cells mean.
"""

import re

from finx.schemas.compile import JsonSchema
from finx.values.sources import string_mode

AMOUNT_AT_LINE_END = re.compile(r"\d[.,]\d+\s*[^\w\s]{0,2}(?:\s+[A-Z]{1,3}\*?)?\s*$")
"""A number with a decimal or group mark at the end of a line (`2.75`, `1,200`, `45,00 €`), perhaps
with a tax code or currency after it (`1,09 B`, `3.49 F`, `2.75 EUR`): a printed row's amount (a
bare `1` or an item code is not taken for one)."""
DETAIL_LINE = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*(?:[^\W\d_]{1,5}\.?\s*)?(?:x|×|@)\s*\d", re.I)
"""A line that starts with a count and a unit price (`5 @ 0.19`, `5 Stk x 0,30`, `0,860 kg x 2,50
EUR/kg`): the detail of the row above or below it, not a row of its own."""
WORD = re.compile(r"[^\W\d_]{2,}")
"""Two letters or more: a name's word (`x` in `2 x 15,000` is none)."""
ROW_SPAN_LINES = 3
"""The most lines one row is printed on (name, item code, amount)."""


def is_table(schema: JsonSchema) -> bool:
    """A top-level list of objects."""
    return schema.get("type") == "array" and schema.get("items", {}).get("type") == "object"


def copied_cells(schema: JsonSchema) -> list[str]:
    """The cells of a table's rows that are copied from the document, in the schema's order."""
    cells = schema.get("items", {}).get("properties", {})
    return [name for name, cell in cells.items() if string_mode(cell) not in (None, "free")]


def is_row_line(line: str) -> bool:
    """Whether a line prints a row: a word, and an amount at its end (`1  Croissant  2.75`), and is
    no detail line (`5 Stk x 0,30  1,50`)."""
    return (
        WORD.search(line) is not None
        and AMOUNT_AT_LINE_END.search(line) is not None
        and DETAIL_LINE.search(line) is None
    )


def row_spans(text: str) -> list[str]:
    """The texts (lines joined by a line break) of the longest spans of `text` one row may be read
    from, in order (a span inside another is left out: its text is part of the other's); none where
    the text prints no row line."""
    lines = text.split("\n")
    rows = [is_row_line(line) for line in lines]
    if not any(rows):
        return []
    spans: list[str] = []
    reached = -1
    for first in range(len(lines)):
        last = first
        while last + 1 < min(first + ROW_SPAN_LINES, len(lines)) and sum(rows[first : last + 2]) <= 1:
            last += 1
        if last > reached:
            spans.append("\n".join(lines[first : last + 1]))
            reached = last
    return spans
