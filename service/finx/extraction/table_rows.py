"""Table rows read from the wrong lines: a row whose cells the document does not print together.

A table is a top-level list of objects (an invoice's line items). A printed row writes its first
cell (the description) and its last cell (the amount) on the same line, or the amount on a line
just below the description (`2 x 15,000` under the name, a detail line between them). A small
model sometimes pairs cells the document keeps apart: the buyer named at the top with a payment
line's digits at the bottom (`Roastworks GmbH` / `6789`), the next row's description with this
row's amount (`Installation 1` under `2,520.00`). Such a row is withheld: removed from the answer
and listed with the withheld values, so a reviewer still sees it. A title or seller one or two
lines over the first row (`INVOICE` over `124.95`) is within reach and is not caught.

A row is misplaced when its first and last non-empty copied cells are both found in the
document, and no place of the last one starts on the lines of the first one or in the `reach`
lines after them; where more than half of a table of three rows or more is misplaced, the text
was not written a row per line (a PDF's text layer that runs column by column) and no row of it
is withheld. Measured on finx-lora-v10's dev answers (reach 2): CORD item F1 0.622 ->
0.646, finx's dev invoices 0.267 -> 0.293 (18 rows withheld, none of them right); of the gold rows
of all 1,297 CORD rows 12 (0.9 %) would be withheld, of generator versions 2, 4, 5 and 6 none
(reach 1 withholds 20 gold CORD rows).

Knows values, the document text and the shape of a table; not what the cells mean.
"""

from bisect import bisect_left
from typing import Any

from finx.schemas.compile import JsonSchema
from finx.values.grounding import occurrences
from finx.values.paths import item_path
from finx.values.sources import string_mode

COLUMN_LAYOUT_ROWS = 3
"""A table of at least this many rows, more than half of them misplaced, comes from a text that
does not print a row per line (a PDF whose text layer runs column by column): none is withheld."""


def misplaced_rows(data: dict[str, Any], schema: JsonSchema, document: str, reach: int) -> list[str]:
    """The paths (`line_items[3]`) of the rows of `data`'s tables whose last copied cell is printed
    only away from their first one (more than `reach` lines below it, or above it)."""
    newlines = [index for index, character in enumerate(document) if character == "\n"]
    misplaced = []
    for name, child in schema.get("properties", {}).items():
        rows = data.get(name)
        if not is_table(child) or not isinstance(rows, list):
            continue
        cells = [cell for cell, cell_schema in child["items"]["properties"].items() if copied(cell_schema)]
        found = [
            item_path(name, index)
            for index, row in enumerate(rows)
            if isinstance(row, dict) and not row_is_placed(row, cells, document, newlines, reach)
        ]
        if len(rows) >= COLUMN_LAYOUT_ROWS and len(found) > len(rows) / 2:
            continue  # the text does not print a row per line: nothing to judge by
        misplaced += found
    return misplaced


def row_is_placed(row: dict[str, Any], cells: list[str], document: str, newlines: list[int], reach: int) -> bool:
    """Whether the row's last written cell starts on its first cell's lines or `reach` lines after
    them (true where fewer than two cells are written or one of them is not found)."""
    written = [row[cell] for cell in cells if isinstance(row.get(cell), str) and row[cell].strip()]
    if len(written) < 2:
        return True
    first, last = line_spans(written[0], document, newlines), line_spans(written[-1], document, newlines)
    if not first or not last:
        return True
    return any(start <= line <= end + reach for start, end in first for line, _ in last)


def line_spans(value: str, document: str, newlines: list[int]) -> list[tuple[int, int]]:
    """The (first line, last line), from 0, of every place `value` is written in `document`
    (`newlines`: the offsets of the document's line breaks)."""
    return [(bisect_left(newlines, start), bisect_left(newlines, end)) for start, end in occurrences(value, document)]


def is_table(schema: JsonSchema) -> bool:
    """A top-level list of objects."""
    return schema.get("type") == "array" and schema.get("items", {}).get("type") == "object"


def copied(schema: JsonSchema) -> bool:
    """A string cell copied from the document (nullable or not)."""
    return string_mode(schema) not in (None, "free")
