"""Table rows read wrongly: cells the document does not print together, a cell that is no
reading of its kind, a first cell that took in the next one, an amount taken from the next row.

A table is a top-level list of objects (an invoice's line items) whose cells the schema lists in
the order a printed row writes them: the first (the description) and the last (the amount) on the
same line, or the amount on a line just below the description (`2 x 15,000` under the name, a
detail line between them). A small model sometimes reads a row wrongly in four ways:

- Misplaced: it pairs cells the document keeps apart: the buyer named at the top with a payment
  line's digits at the bottom (`Roastworks GmbH` / `6789`), the next row's description with this
  row's amount (`Installation 1` under `2,520.00`). A row is misplaced when its first and last
  non-empty copied cells are both found in the document, and no place of the last one starts on
  the lines of the first one or in the `reach` lines after them, or only after them where the
  first cell's line prints an amount after it (`1  Croissant  2.75` paired with the next line's
  `9.50`; such a row is mended first, below, and withheld in any layout where it cannot be, since
  a text that runs column by column does not print amounts beside descriptions); where more than
  half of a table of three rows or more is misplaced, the text was not written a row per line (a
  PDF's text layer that runs column by column) and none of it counts as misplaced. A title or
  seller one or two lines over the first row (`INVOICE` over `124.95`) is within reach and is not
  caught. Measured on finx-lora-v10's dev answers (reach 2, before the own-line rule): CORD item F1
  0.622 -> 0.646, finx's dev invoices 0.267 -> 0.293 (18 rows withheld, none of them right). With
  every rule of this module at reach 2, 10 of CORD's 1,297 gold rows (0.8 %) would be withheld,
  none of generator versions 2, 4, 5 and 6.
- Unreadable: a cell whose source mode has no reading of it (`values.normalise`), such as an
  amount that is no number (`GARLIC BREAD` / `DILMAH ENGLISH TEA`, `3 TELUR 72,000`): the cells
  were read across columns or rows. Of CORD's 1,297 gold rows 3 hold such a cell (`TOTAL 47,499`,
  `-`), of generator versions 2-6's none; on finx-lora-v11's CORD dev answers 5 rows, none right.
- Swallowed: the first cell ends with another cell's text that holds a digit (`Menus x200` with
  the count `x200`, `Installation 1` with `1`, `TEH PANAS 5,455` with the amount `5,455`) or
  starts with it (`4 HAKAU UDANG` with the count `4`) where the document prints that text nowhere
  else on the first cell's line: the first cell took in a cell printed beside it, and loses it
  (`Menus`). Where the line prints it apart too (`1 Combo 1  30.000`: a product named `Combo 1`
  bought once), the first cell is kept: of CORD's gold rows 5 end with their count, all printed
  so. A first cell that ends with a count and unit price (`Beratung 8 Std à 95,00`, `NASI PUTIH
  @10,000`) loses them too: no gold row of CORD or of generator versions 2-6 ends so (`Tiles
  30x30` is a size, not a count).
- Shifted: a row whose description's line prints an amount at its end, but which took its amount
  from another line (`1  Croissant  2.75` with the next row's `9.50`: a model that saw a unit
  price and an amount on the row before reads the next number as this row's amount), takes the
  amount its line prints; a count or unit price not printed on that line (or on a detail line
  under it, `  5 @ 0.19`), or the amount itself read as the unit price where the line prints it
  once, becomes null. Of CORD's 1,297 gold rows 1 is printed so. The description's line decides,
  so a description printed twice with different amounts is not mended (and is withheld).

A cell a schema declares part of the name (`name_parts`: the invoice's `quantity` where it is a
pack size, `schemas.invoice.NAME_PARTS`) read apart from the description printed just before it
(`DECK SCREWS` / `5LB` of `DECK SCREWS 5LB  29.97`) goes back into it. Written after reading the
errors of finx's hand-made shop receipts (5 of their 40 rows); no row of CORD's 500 receipts or
finx's dev invoices is changed.

Misplaced and unreadable rows are withheld: removed from the answer and listed with the withheld
values, so a reviewer still sees them; where that would leave a table shorter than its schema's
`minItems`, the table is kept as read (the answer stays valid).

Knows values, the document text, the shape of a table and the source modes of its cells; not what
the cells mean.
"""

import re
from bisect import bisect_left
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

from finx.schemas.compile import JsonSchema
from finx.values.grounding import WithheldReason, occurrences
from finx.values.normalise import NORMALISERS
from finx.values.paths import item_path
from finx.values.sources import string_mode

AMOUNT_AT_LINE_END = re.compile(r"(-?\d[\d.,]*[.,]\d+)\s*[^\w\s]{0,2}(?:\s+[A-Z]{1,3}\*?)?\s*$")
"""A number with a decimal or group mark at the end of a line (`2.75`, `1,200`, `45,00 €`), perhaps
with a tax code or currency after it (`1,09 B`, `3.49 F`, `2.75 EUR`): a printed row's amount (a
bare `1` or an item code is not taken for one); its first group is the amount as printed (`-1.00`)."""
WORD = re.compile(r"[^\W\d_]{2,}")
"""Two letters or more: a word of a name (a line without one, `  5 @ 0.19`, details the row above)."""
PRICE_TAIL = re.compile(r"\s+(?:\d+(?:[.,]\d+)?\s*[^\W\d_]{0,5}\.?\s+)?(?:x|×|@|à)\s*\d[\d.,]*$", re.IGNORECASE)
"""A count and unit price printed after an item's name: ` x200`, ` @ 0.45`, ` 8 Std à 95,00`
(not a size: `Tiles 30x30`)."""
COLUMN_LAYOUT_ROWS = 3
"""A table of at least this many rows, more than half of them misplaced, comes from a text that
does not print a row per line (a PDF whose text layer runs column by column): none is withheld."""


def misread_rows(
    data: dict[str, Any], schema: JsonSchema, document: str, reach: int | None
) -> dict[str, WithheldReason]:
    """{path (`line_items[3]`): why} of the rows of `data`'s tables that hold a cell with no reading
    of its source mode (`unreadable_row`), or (unless `reach` is None) whose last copied cell is
    printed only away from their first one, more than `reach` lines below it or above it
    (`misplaced_row`), in table and row order."""
    newlines = [index for index, character in enumerate(document) if character == "\n"]
    misread: dict[str, WithheldReason] = {}
    for name, rows, cells, min_rows in tables(data, schema):
        unreadable = {index for index, row in enumerate(rows) if not is_readable(row, cells)}
        misplaced, beside_own_amount = set(), set()
        if reach is not None:
            placements = {
                index: placement(row, list(cells), document, newlines, reach) for index, row in enumerate(rows)
            }
            misplaced = {index for index, where in placements.items() if where == "apart"}
            beside_own_amount = {index for index, where in placements.items() if where == "beside_own_amount"}
            if len(rows) >= COLUMN_LAYOUT_ROWS and len(misplaced | beside_own_amount) > len(rows) / 2:
                misplaced = set()  # the text does not print a row per line: nothing to judge by
        found = unreadable | misplaced | beside_own_amount
        if len(rows) - len(found) < min_rows:
            continue  # the schema asks for more rows than would be left: kept as read
        for index in sorted(found):
            misread[item_path(name, index)] = "unreadable_row" if index in unreadable else "misplaced_row"
    return misread


def mended_rows(
    data: dict[str, Any],
    schema: JsonSchema,
    document: str,
    name_parts: Mapping[str, Mapping[str, re.Pattern[str]]] = MappingProxyType({}),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`data` with each table row mended, {path of each changed cell: its new value}): a first cell
    that took in another cell or a count and price is cut (`first_cell_cut`: `Menus x200` ->
    `Menus`), a cell that is part of the name goes back into it (`with_name_part`, for the cells
    `name_parts` names per table), and a row that took its amount from another line than its
    description's, which prints its own amount, takes that one (`with_own_line_amount`)."""
    newlines = [index for index, character in enumerate(document) if character == "\n"]
    kept, changed = dict(data), dict[str, Any]()
    for name, rows, cells, _ in tables(data, schema):
        names = list(cells)
        kept[name] = []
        for index, row in enumerate(rows):
            for cell, pattern in name_parts.get(name, {}).items():
                joined = with_name_part(row, names[0], cell, pattern, document)
                if joined is not None:
                    changed |= {
                        f"{item_path(name, index)}.{key}": joined[key]
                        for key in (names[0], cell)
                        if joined[key] != row[key]
                    }
                    row = joined
            value = first_cell_cut(row, names, document)
            if value is not None:
                row = {**row, names[0]: value}
                changed[f"{item_path(name, index)}.{names[0]}"] = value
            mended = with_own_line_amount(row, cells, document, newlines)
            if mended is not None:
                changed |= {
                    f"{item_path(name, index)}.{cell}": mended[cell]
                    for cell in names
                    if mended.get(cell) != row.get(cell)
                }
                row = mended
            kept[name].append(row)
    return kept, changed


def with_own_line_amount(
    row: dict[str, Any], cells: dict[str, str], document: str, newlines: list[int]
) -> dict[str, Any] | None:
    """The row with the amount its first cell's line prints at its end as its last cell, where the
    row took its last written cell from another line (`1  Croissant  2.75` read with the next
    line's `9.50`, `placement` `beside_own_amount`) and every place of the first cell prints the
    same amount; the cells between keep only values printed on that line or on a detail line
    under it (`  5 @ 0.19`), and not the amount itself where the line prints it once (`2.75` as
    the unit price); only where the last copied cell is a figure (source mode `number`: an amount).
    None where there is nothing to mend."""
    names = list(cells)
    if len(names) < 2 or cells[names[-1]] != "number" or not isinstance(row.get(names[0]), str):
        return None
    if placement(row, names, document, newlines, reach=0) != "beside_own_amount":
        return None
    places = occurrences(row[names[0]], document)
    amounts = {
        match.group(1)
        for _, end in places
        if (match := AMOUNT_AT_LINE_END.search(document, end, line_end(document, end)))
    }
    if len(amounts) != 1:
        return None
    amount = amounts.pop()
    start, end = places[0]
    line = document[line_start(document, start) : line_end(document, end)]
    next_line = line_end(document, end) + 1
    detail = document[next_line : line_end(document, next_line)]
    near = line if WORD.search(detail) else f"{line}\n{detail}"
    mended = {**row, names[-1]: amount}
    for cell in names[1:-1]:
        value = row.get(cell)
        if not isinstance(value, str):
            continue
        printed = len(re.findall(rf"(?<![\w.,]){re.escape(value)}(?![\w]|[.,]\d)", near))
        if printed == 0 or (value == amount and printed == 1):
            mended[cell] = None
    return mended


def with_name_part(
    row: dict[str, Any], first: str, cell: str, pattern: re.Pattern[str], document: str
) -> dict[str, Any] | None:
    """The row with `cell` joined to its first cell and null, where `cell`'s value fits `pattern`
    whole and is printed right after the first cell (one space between, on its line: `DECK SCREWS
    5LB` read as `DECK SCREWS` / `5LB`), or only null where the first cell already ends with it
    (`WOOD GLUE 16OZ` / `16OZ`); None otherwise."""
    name, part = row.get(first), row.get(cell)
    if not isinstance(name, str) or not isinstance(part, str) or not pattern.fullmatch(part.strip()):
        return None
    if re.search(rf"(?<!\S){re.escape(part.strip())}$", name.strip(), re.IGNORECASE):
        return {**row, cell: None}
    joined = f"{name.strip()} {part.strip()}"
    if not re.search(rf"(?<!\S){re.escape(joined)}(?!\S)", document, re.IGNORECASE):
        return None
    return {**row, first: joined, cell: None}


def first_cell_cut(row: dict[str, Any], cells: list[str], document: str) -> str | None:
    """The row's first cell without another cell it took in (`first_cell_without_other`) or
    without a trailing count and price (`without_price_tail`); None where it is whole."""
    if not cells or not isinstance(row.get(cells[0]), str):
        return None
    return first_cell_without_other(row, cells, document) or without_price_tail(row[cells[0]])


def without_price_tail(first: str) -> str | None:
    """`first` without a trailing count and unit price (`PRICE_TAIL`), where a name with a letter is
    left (`Beratung 8 Std à 95,00` -> `Beratung`); None where it has no such tail."""
    tail = PRICE_TAIL.search(first)
    if tail is None or not any(character.isalpha() for character in first[: tail.start()]):
        return None
    return first[: tail.start()].rstrip()


def tables(data: dict[str, Any], schema: JsonSchema) -> list[tuple[str, list[dict[str, Any]], dict[str, str], int]]:
    """(name, rows, {copied cell: its source mode} in the schema's order, the schema's `minItems`) of
    each table of `data`."""
    found = []
    for name, child in schema.get("properties", {}).items():
        rows = data.get(name)
        if is_table(child) and isinstance(rows, list) and all(isinstance(row, dict) for row in rows):
            modes = {cell: string_mode(cell_schema) for cell, cell_schema in child["items"]["properties"].items()}
            copied = {cell: str(mode) for cell, mode in modes.items() if mode not in (None, "free")}
            found.append((name, rows, copied, int(child.get("minItems", 0))))
    return found


def is_readable(row: dict[str, Any], cells: dict[str, str]) -> bool:
    """Whether every written cell of a normalised source mode has a reading (`COLD FRAPE` as an
    amount has none)."""
    return all(
        NORMALISERS[mode](row[cell]) is not None
        for cell, mode in cells.items()
        if mode in NORMALISERS and isinstance(row.get(cell), str) and row[cell].strip()
    )


def first_cell_without_other(row: dict[str, Any], cells: list[str], document: str) -> str | None:
    """The row's first cell without a copy of another of its cells that holds a digit (a count, a
    price) at its end or start (`Menus x200` with the count `x200`, `TEH PANAS 5,455` with the
    amount `5,455`, `4 HAKAU UDANG` with the count `4`), where the document prints that text nowhere
    else on the first cell's line; None where the first cell took in no other cell."""
    first = row.get(cells[0]) if cells else None
    others = {row[cell].strip() for cell in cells[1:] if isinstance(row.get(cell), str) and row[cell].strip()}
    if not isinstance(first, str) or not others:
        return None
    head, separator, tail = first.strip().rpartition(" ")
    if separator and tail in others and is_cut_off(tail, head, first, document):
        return head.rstrip()
    head, separator, tail = first.strip().partition(" ")
    if separator and head in others and is_cut_off(head, tail, first, document):
        return tail.lstrip()
    return None


def is_cut_off(part: str, rest: str, first: str, document: str) -> bool:
    """Whether `part`, a copy of another cell at one end of the first cell `first`, is to be cut
    off, leaving `rest`: it holds a digit (`Widget A` with a variant `A` is a name), `rest` a letter,
    and the first cell's line prints `part` nowhere else (`1 Combo 1  30.000` keeps `Combo 1`)."""
    if not any(character.isdigit() for character in part) or not any(character.isalpha() for character in rest):
        return False
    places = occurrences(first, document)
    if not places:
        return False
    start, end = places[0]
    rest_of_line = document[line_start(document, start) : start] + " " + document[end : line_end(document, end)]
    return re.search(rf"(?<![\w.,]){re.escape(part)}(?!\w)", rest_of_line, re.IGNORECASE) is None


def placement(
    row: dict[str, Any], cells: list[str], document: str, newlines: list[int], reach: int
) -> Literal["placed", "apart", "beside_own_amount"]:
    """Where the row's last written cell is printed against its first: `placed` on the first cell's
    lines or `reach` lines after them (also where fewer than two cells are written or one of them
    is not found); `beside_own_amount` elsewhere while every place of the first cell ends a line
    that prints an amount after it (`1  Croissant  2.75` paired with the next line's `9.50`: that
    line's amount is the row's, whatever the table's layout); `apart` otherwise."""
    written = [row[cell] for cell in cells if isinstance(row.get(cell), str) and row[cell].strip()]
    if len(written) < 2:
        return "placed"
    places = occurrences(written[0], document)
    first, last = line_spans(places, newlines), line_spans(occurrences(written[-1], document), newlines)
    if not first or not last or any(start <= line <= end for start, end in first for line, _ in last):
        return "placed"
    if all(AMOUNT_AT_LINE_END.search(document, end, line_end(document, end)) for _, end in places):
        return "beside_own_amount"
    return "placed" if any(start <= line <= end + reach for start, end in first for line, _ in last) else "apart"


def line_start(document: str, offset: int) -> int:
    """The offset of the start of the line that holds `offset`."""
    return document.rfind("\n", 0, offset) + 1


def line_end(document: str, offset: int) -> int:
    """The offset of the end of the line that holds `offset`."""
    found = document.find("\n", offset)
    return len(document) if found < 0 else found


def line_spans(places: list[tuple[int, int]], newlines: list[int]) -> list[tuple[int, int]]:
    """The (first line, last line), from 0, of each place (start, end offsets) of a document
    (`newlines`: the offsets of its line breaks)."""
    return [(bisect_left(newlines, start), bisect_left(newlines, end)) for start, end in places]


def is_table(schema: JsonSchema) -> bool:
    """A top-level list of objects."""
    return schema.get("type") == "array" and schema.get("items", {}).get("type") == "object"
