"""Table rows read with a cell from beside them, mended: a first cell that took in the next one, an
amount taken from the next row or from the unit price before it, a name cut short of its size.

A table is a top-level list of objects whose cells the schema lists in the order a printed row
writes them (`table_rows`). Each chunk's answer is mended before the answers are merged, so a
mended cell keeps the confidence the model gave the cell:

- Swallowed: the first cell ends with another cell's text that holds a digit (`Menus x200` with
  the count `x200`, `Installation 1` with `1`, `TEH PANAS 5,455` with the amount `5,455`) or
  starts with it (`4 HAKAU UDANG` with the count `4`) where the document prints that text nowhere
  else on the first cell's line: the first cell took in a cell printed beside it, and loses it
  (`Menus`). Where the line prints it apart too (`1 Combo 1  30.000`: a product named `Combo 1`
  bought once), the first cell is kept: of CORD's gold rows 5 end with their count, all printed
  so. A first cell that ends with a count and unit price (`Beratung 8 Std à 95,00`, `NASI PUTIH
  @10,000`) loses them too: no gold row of CORD or of generator versions 2-6 ends so (`Tiles
  30x30` is a size, not a count); so does one that ends with an item code of seven digits or more
  (`JOIE KUBBIE(BABY BOX) 901800109`: 3 rows of finx-lora-v11's answers to CORD's 500 receipts,
  no labelled row).
- Shifted: a row whose description's line prints an amount at its end, but which took its amount
  from another line (`1  Croissant  2.75` with the next row's `9.50`: a model that saw a unit
  price and an amount on the row before reads the next number as this row's amount), takes the
  amount its line prints; a count or unit price not printed on that line (or on a detail line
  under it, `  5 @ 0.19`), or the amount itself read as the unit price where the line prints it
  once, becomes null. Of CORD's 1,297 gold rows 1 is printed so. The description's line decides,
  so a description printed twice with different amounts is not mended (and is withheld).
- A glued tax class: a figure with a capital letter glued to it (`6,98C`, `6,57A` of a Polish
  receipt, where the letter is the PTU class) loses the letter; a row's own line's amount is found
  with it. No figure of CORD's labels or of finx-lora-v11's answers to its 500 receipts ends so;
  written after reading the hand-made shop-c receipts' errors (5 of their 54 rows).
- After a price: a row whose amount is the figure printed right after `@`, `à`, `x` or `×` on its
  description's line, where a figure ends that line (`2 Iced Tea @ 2.95  5.90` read with `2.95`),
  takes the line's last figure as its amount. No row of finx-lora-v11's answers to CORD's 500
  receipts or finx's dev invoices is read so; written after a hand-made diner receipt's error.
- Before the line's total: a row whose amount is the figure printed right before the one that ends
  its description's line, where that last figure is a whole multiple of it (`HOT TEA 12,000
  60,000`, `ES TEH TAWAR  8000  8,000`), takes the last figure as its amount and the one it took
  as its unit price where it has none. On finx-lora-v11's answers to CORD's 500 receipts 14 rows
  turn right, none wrong (row F1 0.805 -> 0.815); no labelled row of CORD, generator versions 1,
  2, 4-6 or the hand-made sets is changed.

A count printed before the name (`4 SIAO MAI BABI  80,000`) read into the first cell, where the
cell a schema declares the count (`count_cells`: the invoice's `quantity`) is null or holds a copy
of another cell's figure (`80,000`, the amount), goes to that cell (`SIAO MAI BABI` / `4`): on
finx-lora-v11's answers to CORD's 500 receipts 14 rows change, 13 of them turn right, none turns
wrong (row F1 0.794 -> 0.805, with 3 rows more read in the layout the mended rows give); of CORD's
1,297 labelled rows one would change (`1 PC BIC`, its count left in its name), of generator
versions 1, 2, 4-6 and the hand-made sets none.

A cell a schema declares part of the name (`name_parts`: the invoice's `quantity` where it is a
pack size, `schemas.invoice.NAME_PARTS`) read apart from the description printed just before it
(`DECK SCREWS` / `5LB` of `DECK SCREWS 5LB  29.97`) goes back into it. Written after reading the
errors of finx's hand-made shop receipts (5 of their 40 rows); no row of CORD's 500 receipts or
finx's dev invoices is changed. A size that the description's lines print right after it, one
space between, but that no cell holds (`AGUA CIEL 1L   14.00` read as `AGUA CIEL`), is joined to
the description the same way, where every place of the name prints it (not `Spremuta` of a
receipt that also sells `Spremuta 0,5L`): on finx-lora-v11's answers to CORD's 500 receipts 6
rows change, 5 of them turn right (`MARBLED SIRLOIN STEAK 200gr`, `LE MINERALE 600ML`), none turn
wrong. A pack size has its unit glued to the figure (`5LB`, `1,5kg`); a weight printed apart
(`2.449 kg`, `20 kg`) is the quantity bought and stays a quantity: with these two conditions no
labelled row of CORD or of generator versions 2-6 is changed (session 24's version joined 14 of
versions 5 and 6's weighed quantities into names).

Knows values, the document text, the shape of a table and the source modes of its cells; not what
the cells mean.
"""

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from finx.extraction.table_rows import (
    AMOUNT_AT_LINE_END,
    GLUED_CODE,
    WORD,
    line_end,
    line_start,
    placement,
    row_line,
    tables,
    whole_figures,
)
from finx.schemas.compile import JsonSchema
from finx.values.grounding import occurrences
from finx.values.normalise import normalise_amount
from finx.values.paths import item_path

PRICE_TAIL = re.compile(r"\s+(?:\d+(?:[.,]\d+)?\s*[^\W\d_]{0,5}\.?\s+)?(?:x|×|@|à)\s*\d[\d.,]*$", re.IGNORECASE)
"""A count and unit price printed after an item's name: ` x200`, ` @ 0.45`, ` 8 Std à 95,00`
(not a size: `Tiles 30x30`)."""
GLUED_TAX_CODE = re.compile(rf"(.*\d[.,]\d+){GLUED_CODE.pattern}")
"""A figure with a tax class letter glued to it (`6,98C` of a Polish receipt's `2 x3,49  6,98C`):
the figure is the cell, the letter a column of its own."""
ITEM_CODE_TAIL = re.compile(r"\s+\d{7,}$")
"""An item code or barcode printed after an item's name (` 1000600098`): seven digits or more, no
mark (none of CORD's 1,297 labelled items ends with one)."""
MAX_TIMES_BOUGHT = 999
"""The largest count a line's total may be of the unit price before it (`60,000` = 5 x `12,000`)."""
LEADING_COUNT = re.compile(r"(\d{1,3}[xX×]?)\s+(?=[^\W\d_])")
"""A count printed before an item's name (`4 SIAO MAI BABI`, `2x Flat White`); not an item code
(`1069- ROTI KEJU`) or a size (`600ML AQUA`)."""


def mended_rows(
    data: dict[str, Any],
    schema: JsonSchema,
    document: str,
    name_parts: Mapping[str, Mapping[str, re.Pattern[str]]] = MappingProxyType({}),
    count_cells: Mapping[str, str] = MappingProxyType({}),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`data` with each table row mended, {path of each changed cell: its new value}): a first cell
    that took in another cell or a count and price is cut (`first_cell_cut`: `Menus x200` ->
    `Menus`), a cell that is part of the name goes back into it (`with_name_part`, for the cells
    `name_parts` names per table), a count printed before the name goes to the table's count cell
    (`with_count_from_name`, for the cell `count_cells` names per table), a figure loses the tax
    class letter glued to it (`GLUED_TAX_CODE`) and takes the minus its row's line prints it with
    (`with_printed_sign`), and a row that took its amount from another line than its
    description's, which prints its own amount, or the unit price printed before its own (after
    `@`, or before the line's total), takes that one (`with_own_line_amount`,
    `with_amount_after_price`, `with_line_total`)."""
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
            if name in count_cells:
                counted = with_count_from_name(row, names, count_cells[name])
                if counted is not None:
                    changed |= {
                        f"{item_path(name, index)}.{key}": counted[key] for key in (names[0], count_cells[name])
                    }
                    row = counted
            for cell, mode in cells.items():
                figure = row.get(cell)
                if mode != "number" or not isinstance(figure, str):
                    continue
                code = GLUED_TAX_CODE.fullmatch(figure)
                whole = with_printed_sign(code.group(1) if code else figure, row.get(names[0]), document)
                if whole != figure:
                    row = {**row, cell: whole}
                    changed[f"{item_path(name, index)}.{cell}"] = whole
            mended = (
                with_own_line_amount(row, cells, document, newlines)
                or with_amount_after_price(row, cells, document)
                or with_line_total(row, cells, document)
            )
            if mended is not None:
                changed |= {
                    f"{item_path(name, index)}.{cell}": mended[cell]
                    for cell in names
                    if mended.get(cell) != row.get(cell)
                }
                row = mended
            kept[name].append(row)
    return kept, changed


def with_printed_sign(figure: str, first: Any, document: str) -> str:
    """`figure` with the minus that the line of the row's first cell prints it with, before or after
    it (`1.50` of `SC KROGER SAVINGS   1.50-B`, `3,50` of `Desconto sobre item 003   -3,50`), where
    that line prints it, at every place, signed so; as it is otherwise."""
    start = row_line(first, document)
    if figure.startswith("-") or figure.endswith("-") or start is None:
        return figure
    line = document[start : line_end(document, start)]
    signs = {
        ("-" if line[: match.start()].endswith("-") else "", "-" if line[match.end() :].startswith("-") else "")
        for match in whole_figures(figure, line)
    }
    if len(signs) != 1:
        return figure
    before, after = signs.pop()
    return f"{before}{figure}{after}" if before != after else figure


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


def amount_and_line_after_name(row: dict[str, Any], cells: dict[str, str], document: str) -> tuple[str, str] | None:
    """(the row's last cell, the rest of the line its first cell is first printed on), where the last
    cell is a written figure (source mode `number`) and the first cell is printed; None otherwise."""
    names = list(cells)
    if len(names) < 2 or cells[names[-1]] != "number":
        return None
    first, last = row.get(names[0]), row.get(names[-1])
    if not isinstance(first, str) or not isinstance(last, str) or not last.strip():
        return None
    places = occurrences(first, document)
    if not places:
        return None
    end = places[0][1]
    return last, document[end : line_end(document, end)]


def with_amount_after_price(row: dict[str, Any], cells: dict[str, str], document: str) -> dict[str, Any] | None:
    """The row with the amount that ends its first cell's line as its last cell, where it took the
    unit price printed before that amount (`2 Iced Tea @ 2.95  5.90` read with `2.95`: a figure
    right after `@`, `à`, `x` or `×`); only where the last cell is a figure (source mode `number`).
    None where there is nothing to mend."""
    names = list(cells)
    read = amount_and_line_after_name(row, cells, document)
    if read is None:
        return None
    last, rest = read
    price = re.search(rf"(?:@|à|×|(?<![^\W\d_])x)\s*{re.escape(last.strip())}(?!\d|[.,]\d)", rest, re.IGNORECASE)
    amount = AMOUNT_AT_LINE_END.search(rest, price.end()) if price else None
    if amount is None or not amount.group(1).strip():
        return None
    return {**row, names[-1]: amount.group(1)}


def with_line_total(row: dict[str, Any], cells: dict[str, str], document: str) -> dict[str, Any] | None:
    """The row with the figure that ends its first cell's line as its last cell, where it took the
    figure printed right before that one and the line's last figure is a whole multiple of it
    (`HOT TEA 12,000  60,000` read with `12,000`: the unit price, five bought); the figure it took
    becomes the unit price (the cell before the last, where that is a figure and null). Only where
    the last cell is a figure (source mode `number`). None where there is nothing to mend."""
    names = list(cells)
    read = amount_and_line_after_name(row, cells, document)
    if read is None:
        return None
    last, rest = read
    taken = re.search(rf"(?<![\w.,]){re.escape(last.strip())}(?!\w|[.,]\d)", rest)
    total = AMOUNT_AT_LINE_END.search(rest, taken.end()) if taken else None
    if taken is None or total is None or rest[taken.end() : total.start(1)].strip() or total.group(1) == last.strip():
        return None
    price, amount = normalise_amount(last), normalise_amount(total.group(1))
    if price is None or amount is None or float(price) <= 0:
        return None
    times = float(amount) / float(price)
    if abs(times - round(times)) > 1e-9 or not 1 <= round(times) <= MAX_TIMES_BOUGHT:
        return None
    mended = {**row, names[-1]: total.group(1)}
    if len(names) > 2 and cells[names[-2]] == "number" and row.get(names[-2]) is None:
        mended[names[-2]] = last
    return mended


def with_count_from_name(row: dict[str, Any], cells: list[str], count: str) -> dict[str, Any] | None:
    """The row with the count its first cell starts with (`LEADING_COUNT`) moved to the cell `count`,
    where that cell is null or holds a copy of another of its cells (`4 SIAO MAI BABI` with the count
    `80,000`, the amount: -> `SIAO MAI BABI` / `4`); None otherwise."""
    first, held = row.get(cells[0]), row.get(count)
    others = {row.get(cell) for cell in cells[1:] if cell != count}
    if not isinstance(first, str) or (held is not None and held not in others):
        return None
    match = LEADING_COUNT.match(first.strip())
    if match is None:
        return None
    return {**row, cells[0]: first.strip()[match.end() :], count: match.group(1)}


def with_name_part(
    row: dict[str, Any], first: str, cell: str, pattern: re.Pattern[str], document: str
) -> dict[str, Any] | None:
    """The row with `cell` joined to its first cell and null, where `cell`'s value fits `pattern`
    whole and is printed right after the first cell (one space between, on its line: `DECK SCREWS
    5LB` read as `DECK SCREWS` / `5LB`), or only null where the first cell already ends with it
    (`WOOD GLUE 16OZ` / `16OZ`); where `cell` holds no such value, the row with the text that fits
    `pattern` printed right after the first cell (one space before it, a column gap or the line's
    end after it) joined to it (`AGUA CIEL 1L   14.00` read as `AGUA CIEL`); None otherwise."""
    name, part = row.get(first), row.get(cell)
    if not isinstance(name, str) or not name.strip():
        return None
    if not isinstance(part, str) or not pattern.fullmatch(part.strip()):
        return with_printed_name_part(row, first, pattern, document)
    if re.search(rf"(?<!\S){re.escape(part.strip())}$", name.strip(), re.IGNORECASE):
        return {**row, cell: None}
    joined = f"{name.strip()} {part.strip()}"
    if not re.search(rf"(?<!\S){re.escape(joined)}(?!\S)", document, re.IGNORECASE):
        return None
    return {**row, first: joined, cell: None}


def with_printed_name_part(
    row: dict[str, Any], first: str, pattern: re.Pattern[str], document: str
) -> dict[str, Any] | None:
    """The row with the text fitting `pattern` that every place of its first cell is followed by (one
    space, the text, then two spaces or the line's end) joined to its first cell; None where there
    is none, or where the name is also printed without it (`Spremuta 0,5L` and `Spremuta`)."""
    parts = set()
    for _, end in occurrences(row[first], document):
        after = re.match(r" (\S+)(?: {2,}|\t|[ \t]*$)", document[end : line_end(document, end)])
        parts.add(after.group(1) if after is not None and pattern.fullmatch(after.group(1)) else None)
    part = parts.pop() if len(parts) == 1 else None
    return {**row, first: f"{row[first].strip()} {part}"} if part is not None else None


def first_cell_cut(row: dict[str, Any], cells: list[str], document: str) -> str | None:
    """The row's first cell without another cell it took in (`first_cell_without_other`) or
    without a trailing count and price or item code (`without_tail`); None where it is whole."""
    if not cells or not isinstance(row.get(cells[0]), str):
        return None
    return first_cell_without_other(row, cells, document) or without_tail(row[cells[0]])


def without_tail(first: str) -> str | None:
    """`first` without a trailing count and unit price (`PRICE_TAIL`) or item code
    (`ITEM_CODE_TAIL`), where a name with a letter is left (`Beratung 8 Std à 95,00` -> `Beratung`,
    `JOIE KUBBIE(BABY BOX) 901800109` -> `JOIE KUBBIE(BABY BOX)`); None where it has no such tail."""
    tail = PRICE_TAIL.search(first) or ITEM_CODE_TAIL.search(first)
    if tail is None or not any(character.isalpha() for character in first[: tail.start()]):
        return None
    return first[: tail.start()].rstrip()


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
