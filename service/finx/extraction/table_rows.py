"""Table rows read wrongly, withheld: cells the document does not print together, a cell that is no
reading of its kind, a column's head or the table's total read as an item.

A table is a top-level list of objects (an invoice's line items) whose cells the schema lists in
the order a printed row writes them: the first (the description) and the last (the amount) on the
same line, or the amount on a line just below the description (`2 x 15,000` under the name, a
detail line between them). A small model sometimes reads a row that is not one of the table's
(rows it read with a cell taken from beside it are mended first, `row_mends`):

- Misplaced: it pairs cells the document keeps apart: the buyer named at the top with a payment
  line's digits at the bottom (`Roastworks GmbH` / `6789`), the next row's description with this
  row's amount (`Installation 1` under `2,520.00`). A row is misplaced when its first and last
  non-empty copied cells are both found in the document, and no place of the last one starts on
  the lines of the first one or in the `reach` lines after them, or only after them where the
  first cell's line prints an amount after it (`1  Croissant  2.75` paired with the next line's
  `9.50`; such a row is mended first, `row_mends`, and withheld in any layout where it cannot be,
  since a text that runs column by column does not print amounts beside descriptions); where more
  than half of a table of three rows or more is misplaced, the text was not written a row per line
  (a PDF's text layer that runs column by column) and none of it counts as misplaced. A title or
  seller one or two lines over the first row (`INVOICE` over `124.95`) is within reach and is not
  caught. Measured on finx-lora-v10's dev answers (reach 2, before the own-line rule): CORD item F1
  0.622 -> 0.646, finx's dev invoices 0.267 -> 0.293 (18 rows withheld, none of them right). With
  every rule of this module at reach 2, 16 of CORD's 1,297 gold rows (1.2 %: 10 misplaced as
  printed, 3 labelled `)` or `>`, a `MDSE ST` subtotal, 2 fuel receipts without an amount) would
  be withheld, none of generator versions 2-6. A row whose description's line prints no figure is
  misplaced too where every place of its amount within reach is on a line that starts with a name
  of another row (`BENTONVILLE AR` with the `15.97` of `PAPER TOWEL  003700083541 F  15.97 X`
  under it); one printed above on a line naming nothing else (`1x 20.000  20.000` over `Ice thai
  tea`), or under it on a detail line that starts with a count (`  2 St. x 217,38  434,76`),
  stays. On finx-lora-v11's answers to CORD's 500 receipts 9 rows more, none right (row F1 0.790
  -> 0.792); finx's dev invoices 1, not right; no labelled row of CORD or of generator versions
  2-6 (a first version that took any word before the amount withheld 19 of version 5's rows,
  whose detail lines print a unit: `St.`, `szt.`).
- Unreadable: a cell whose source mode has no reading of it (`values.normalise`), such as an
  amount that is no number (`GARLIC BREAD` / `DILMAH ENGLISH TEA`, `3 TELUR 72,000`): the cells
  were read across columns or rows. Of CORD's 1,297 gold rows 3 hold such a cell (`TOTAL 47,499`,
  `-`), of generator versions 2-6's none; on finx-lora-v11's CORD dev answers 5 rows, none right.
  So is a row whose first cell, the description, holds fewer than two letters (`2` / `1`, `A` of
  a tax class, `x1`, `0.354X`): 3 of 7,479 labelled rows (CORD's `)`, `>`; generator versions 2,
  4-6 and the shops none; `8o1t M8x40` has four); of finx-lora-v11's answers to CORD's 500
  receipts 16 rows with no letter and 4 with one, none right (and `A` / `423` of a shop's). So is
  a row whose amount is an item number (seven digits or more without a mark, `GROCERY` /
  `212030414`: `CODE_AS_AMOUNT`).
  So is a row whose amount is the count printed before its description on a line with no figure
  after it (`25 Louisiana Rub` read as `Louisiana Rub` / `25`, an unpriced part of the item
  above): 8 rows of finx-lora-v11's answers to CORD's 500 receipts, none right, no labelled row.
  So is a figure copied from only a part of a printed one (`10` of `CORNETTO CREMA  10%  1,40`,
  `40` of `£1.40`, `30.000` of a discount's `-30.000%`), judged on the row's lines where they print
  it at all (`0` of `6001-Plastic Bag` is whole on the `0 x1  0` under it): on finx-lora-v11's
  answers to all 500 CORD receipts 17 rows, none right (with the rows read again in their layout,
  `skipped_rows`: 2 right more, CORD row F1 0.772 -> 0.777).
- A head: its first cell is one whole column of a line of three columns or more without a figure
  (`PRIJS` of `AANTAL OMSCHRIJVING      PRIJS   BEDRAG`, paired with the first item's amount).
  No row of finx-lora-v11's answers to CORD's 500 receipts or finx's dev invoices is one.
- A total or a sum of a group of rows read as an item: `sum_rows`.

Misread rows are withheld: removed from the answer and listed with the withheld values, so a
reviewer still sees them; where that would leave a table shorter than its schema's `minItems`,
the table is kept as read (the answer stays valid).

Knows values, the document text, the shape of a table and the source modes of its cells; not what
the cells mean.
"""

import re
from bisect import bisect_left
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from finx.schemas.compile import JsonSchema
from finx.values.grounding import WithheldReason, occurrences
from finx.values.normalise import GLUED_UNIT, NORMALISERS, normalise_amount
from finx.values.paths import item_path
from finx.values.sources import string_mode

AMOUNT_AT_LINE_END = re.compile(r"(-?\d[\d.,]*[.,]\d+)\s*[^\w\s]{0,2}(?:\s+[A-Z]{1,3}\*?|[A-Z])?\s*$")
"""A number with a decimal or group mark at the end of a line (`2.75`, `1,200`, `45,00 €`), perhaps
with a tax code or currency after it (`1,09 B`, `3.49 F`, `2.75 EUR`, `6,98C`): a printed row's
amount (a bare `1` or an item code is not taken for one); its first group is the amount as printed
(`-1.00`)."""
CODE_AS_AMOUNT = re.compile(r"\d{7,}")
"""Seven digits or more without a mark: an item number or barcode (`212030414`), not an amount. None
of 7,520 labelled amounts (CORD, SROIE, finx's dev sets, generator versions 2, 4-6) is one."""
WORD = re.compile(r"[^\W\d_]{2,}")
"""Two letters or more: a word of a name (a line without one, `  5 @ 0.19`, details the row above)."""
ROW_LINES = 2
"""The lines after a row's description's line that may print its other cells (`6001-Plastic Bag
Small` over `0 x1  0`), for judging whether a figure is printed whole."""
GLUED_CODE = re.compile(r"[A-Z](?![^\W\d_])")
"""A tax class letter glued to a figure (`8.49T`, `6,98C`): a column of its own, not part of it."""
FIGURE_RUN = re.compile(r"-?\d[\d.,]*")
"""Digits with their sign, group and decimal marks (`27,500`, `0.19`, `-1.00`)."""
COLUMN_GAP = re.compile(r"\s{2,}|\t")
"""What separates a printed table's columns."""
HEAD_COLUMNS = 3
"""A line of at least this many columns and no figure is a table's head."""
COLUMN_LAYOUT_ROWS = 3
"""A table of at least this many rows, more than half of them misplaced, comes from a text that
does not print a row per line (a PDF whose text layer runs column by column): none is withheld."""


def misread_rows(
    data: dict[str, Any], schema: JsonSchema, document: str, reach: int | None
) -> dict[str, WithheldReason]:
    """{path (`line_items[3]`): why} of the rows of `data`'s tables that hold a cell with no reading
    of its source mode (`unreadable_row`), whose first cell is a column's head (`header_row`), or
    (unless `reach` is None) whose last copied cell is printed only away from their first one, more
    than `reach` lines below it or above it (`misplaced_row`), in table and row order."""
    newlines = [index for index, character in enumerate(document) if character == "\n"]
    misread: dict[str, WithheldReason] = {}
    for name, rows, cells, min_rows in tables(data, schema):
        unreadable = {
            index
            for index, row in enumerate(rows)
            if not is_readable(row, cells, document) or is_count_read_as_amount(row, cells, document)
        }
        heads = {index for index, row in enumerate(rows) if is_column_head(row.get(next(iter(cells), "")), document)}
        misplaced, beside_own_amount = set(), set()
        if reach is not None:
            placements = {
                index: placement(row, list(cells), document, newlines, reach) for index, row in enumerate(rows)
            }
            misplaced = {index for index, where in placements.items() if where == "apart"}
            beside_own_amount = {index for index, where in placements.items() if where == "beside_own_amount"}
            if len(rows) >= COLUMN_LAYOUT_ROWS and len(misplaced | beside_own_amount) > len(rows) / 2:
                misplaced = set()  # the text does not print a row per line: nothing to judge by
        found = unreadable | heads | misplaced | beside_own_amount
        if len(rows) - len(found) < min_rows:
            continue  # the schema asks for more rows than would be left: kept as read
        for index in sorted(found):
            misread[item_path(name, index)] = (
                "unreadable_row" if index in unreadable else "header_row" if index in heads else "misplaced_row"
            )
    return misread


def row_line(first: Any, document: str) -> int | None:
    """Where the line starts that prints a row's first cell first; None where it prints it nowhere."""
    places = occurrences(first, document) if isinstance(first, str) and first.strip() else []
    return line_start(document, places[0][0]) if places else None


def whole_figures(figure: str, text: str) -> Iterator[re.Match[str]]:
    """The places `text` prints `figure` whole: no digit or decimal mark before it, no digit or
    decimal after it (`4,45`, not the `4,45` of `14,45` or `4,456`)."""
    return re.finditer(rf"(?<![\d.,]){re.escape(figure)}(?!\d|[.,]\d)", text)


def decimal_amount(value: Any) -> Decimal | None:
    """A written amount's value (`normalise_amount`: `1.234,50` -> 1234.50); None where it has none."""
    canonical = normalise_amount(value) if isinstance(value, str) else None
    try:
        return Decimal(canonical) if canonical is not None else None
    except InvalidOperation:
        return None


def answer_figures(data: dict[str, Any], schema: JsonSchema) -> set[str]:
    """The figures (source mode `number`) the answer holds outside its tables: a subtotal, a tax,
    a total, as their digits and marks (`24.86` of `GBP 24.86`)."""
    properties = schema.get("properties", {})
    return {
        figure
        for name, value in data.items()
        if isinstance(value, str) and string_mode(properties.get(name, {})) == "number"
        if (figure := last_figure(value)) is not None
    }


def last_figure(text: str) -> str | None:
    """The last run of digits and marks of `text`, without a mark at its end; None where it has none."""
    runs = FIGURE_RUN.findall(text)
    return runs[-1].rstrip(".,") if runs else None


def is_column_head(first: Any, document: str) -> bool:
    """Whether a row's first cell is printed, at every place, as one whole column of a line of
    three columns or more (runs of text two spaces apart) without a figure: the table's head
    (`PRIJS` of `AANTAL OMSCHRIJVING      PRIJS   BEDRAG`)."""
    if not isinstance(first, str) or not first.strip():
        return False
    places = occurrences(first, document)
    folded = " ".join(first.split()).casefold()
    for start, end in places:
        line = document[line_start(document, start) : line_end(document, end)]
        columns = [" ".join(column.split()).casefold() for column in COLUMN_GAP.split(line.strip())]
        if re.search(r"\d", line) or len(columns) < HEAD_COLUMNS or folded not in columns:
            return False
    return bool(places)


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


def is_readable(row: dict[str, Any], cells: dict[str, str], document: str) -> bool:
    """Whether the first cell (the description, in a table whose last cell is an amount: source
    mode `number`) holds two letters or more where it is written, the amount is no item number
    (`CODE_AS_AMOUNT`), every written cell of a normalised source
    mode has a reading (`COLD FRAPE` as an amount has none) and no
    written figure (source mode `number`) is only part of a longer one (`is_figure_part`)."""
    written = {cell: row[cell] for cell in cells if isinstance(row.get(cell), str) and row[cell].strip()}
    first = written.get(next(iter(cells), ""))
    amounts = list(cells.values())[-1:] == ["number"]  # a table of items: a description, ..., an amount
    if amounts and first is not None and sum(character.isalpha() for character in first) < 2:
        return False  # a description without two letters (`2`, `A` read as an item) names nothing
    amount = written.get(list(cells)[-1]) if amounts else None
    if amount is not None and CODE_AS_AMOUNT.fullmatch(amount.strip()):
        return False  # an item number (`212030414`) read as the amount
    windows = [row_lines(document, place, ROW_LINES) for place in occurrences(first, document)] if first else []
    return all(
        NORMALISERS[mode](written[cell]) is not None
        for cell, mode in cells.items()
        if mode in NORMALISERS and cell in written
    ) and not any(
        all(is_figure_part(written[cell], text) for text in printing_texts(written[cell], windows, document))
        for cell, mode in cells.items()
        if mode == "number" and cell in written
    )


def is_count_read_as_amount(row: dict[str, Any], cells: dict[str, str], document: str) -> bool:
    """Whether the row's amount (its last cell, source mode `number`) is the count printed before its
    description on every line that prints the description, lines without a figure after it (`25
    Louisiana Rub` read as `Louisiana Rub` / `25`: a part of the item above, printed with no price)."""
    names = list(cells)
    if len(names) < 2 or cells[names[-1]] != "number":
        return False
    first, amount = row.get(names[0]), row.get(names[-1])
    if not isinstance(first, str) or not isinstance(amount, str) or not first.strip() or not amount.strip():
        return False
    places = occurrences(first, document)
    count = re.compile(rf"\s*{re.escape(amount.strip())}[xX×]?\s+")
    return bool(places) and all(
        count.fullmatch(document[line_start(document, start) : start]) is not None
        and not re.search(r"\d", document[end : line_end(document, end)])
        for start, end in places
    )


def printing_texts(value: str, windows: list[str], document: str) -> list[str]:
    """The row's windows (`ROW_LINES` from each place of its first cell) that print `value`, or the
    whole document where none does."""
    return [window for window in windows if occurrences(value, window)] or [document]


def is_figure_part(value: str, text: str) -> bool:
    """Whether `value` is printed in `text`, but only inside a longer figure: with a digit, or a
    digit and a decimal or group mark, before or after it, or a percent sign or a unit of measure
    glued after it (`10` of `10%`, `40` of `£1.40`, `1,5` of `SPA BLAUW 1,5L`). The row's lines
    (`ROW_LINES` from each place of its first cell) decide where they print the value at all (`10`
    of `10%` there, though `10:47` prints it whole further down); a figure is a part only where each
    of them that prints it prints it so (`Birra ... 75,50` printed twice, once in `275,50`)."""
    if not occurrences(value, text):
        return False
    whole = rf"(?<!\d)(?<!\d[.,]){re.escape(value.strip())}(?!\d|[.,]\d|\s?%|{GLUED_UNIT})"
    return re.search(whole, text) is None


def placement(
    row: dict[str, Any], cells: list[str], document: str, newlines: list[int], reach: int
) -> Literal["placed", "apart", "beside_own_amount"]:
    """Where the row's last written cell is printed against its first: `placed` on the first cell's
    lines or `reach` lines after them (also where fewer than two cells are written or one of them
    is not found); `beside_own_amount` elsewhere while every place of the first cell ends a line
    that prints an amount after it (`1  Croissant  2.75` paired with the next line's `9.50`: that
    line's amount is the row's, whatever the table's layout); `apart` otherwise, and also where
    the first cell's lines print no figure and every place of the last within `reach` lines of
    them is on a line that names another row before it (`names_another_row`)."""
    written = [row[cell] for cell in cells if isinstance(row.get(cell), str) and row[cell].strip()]
    if len(written) < 2:
        return "placed"
    places, last_places = occurrences(written[0], document), occurrences(written[-1], document)
    first, last = line_spans(places, newlines), line_spans(last_places, newlines)
    if not first or not last or any(start <= line <= end for start, end in first for line, _ in last):
        return "placed"
    if all(AMOUNT_AT_LINE_END.search(document, end, line_end(document, end)) for _, end in places):
        return "beside_own_amount"
    if not any(start <= line <= end + reach for start, end in first for line, _ in last):
        return "apart"
    near = [
        offset
        for (line, _), (offset, _) in zip(last, last_places, strict=True)
        if any(start - reach <= line <= end + reach for start, end in first)
    ]
    first_lines = "\n".join(document[line_start(document, a) : line_end(document, b)] for a, b in places)
    if not re.search(r"\d", first_lines) and all(names_another_row(written[0], document, offset) for offset in near):
        return "apart"  # `BENTONVILLE AR` over `PAPER TOWEL  ...  15.97`: that line's own row's amount
    return "placed"


def names_another_row(first: str, document: str, offset: int) -> bool:
    """Whether the line that prints a figure at `offset` starts with a word (past marks such as
    `***`) and prints a word before the figure that is not of the row's first cell `first`: the
    figure is the amount of the row that line names (`PAPER TOWEL  003700083541 F  15.97`), not of
    a detail line (`  2 St. x 217,38  434,76`, a count and its unit first)."""
    before = document[line_start(document, offset) : offset]
    starts_with_word = re.match(r"[^\w]*[^\W\d_]{2}", before) is not None
    return starts_with_word and any(word.casefold() not in first.casefold() for word in WORD.findall(before))


def row_lines(document: str, place: tuple[int, int], count: int) -> str:
    """The text of the lines that hold `place` (start, end offsets) and of the `count` lines after them."""
    end = line_end(document, place[1])
    for _ in range(count):
        end = line_end(document, min(end + 1, len(document)))
    return document[line_start(document, place[0]) : end]


def line_start(document: str, offset: int) -> int:
    """The offset of the start of the line that holds `offset`."""
    return document.rfind("\n", 0, offset) + 1


def line_starts(document: str) -> list[int]:
    """The offset of every line's start, in order."""
    return [0] + [index + 1 for index, character in enumerate(document) if character == "\n"]


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
