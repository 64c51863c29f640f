"""Table rows read with a cell from beside them, mended: a first cell that took in the next one or
was cut short (`row_names`), an amount taken from the next row or from the unit price before it.

A table is a top-level list of objects whose cells the schema lists in the order a printed row
writes them (`table_rows`). Each chunk's answer is mended before the answers are merged, so a
mended cell keeps the confidence the model gave the cell:

- Swallowed, or cut short: the first cell took in a cell printed beside it or left the rest of
  its name on the line (`row_names`).
- Shifted: a row whose description's line prints an amount at its end, but which took its amount
  from another line (`1  Croissant  2.75` with the next row's `9.50`: a model that saw a unit
  price and an amount on the row before reads the next number as this row's amount), takes the
  amount its line prints; a count or unit price not printed on that line (or on a detail line
  under it, `  5 @ 0.19`), or the amount itself read as the unit price where the line prints it
  once, becomes null. Of CORD's 1,297 gold rows 1 is printed so. The description's line decides,
  so a description printed twice with different amounts is not mended (and is withheld). So does a
  row whose amount is no amount (a rate or size: the VAT column's `10%` of `TORTELLINI IN BRODO
  10%  14,00`, `50%` of `SALAD BAR 50%  17,273`, `600ML`), which was withheld as unreadable; the
  rest of its name is read after it (`SALAD BAR 50%`, `row_names`). A count that is a rate (`10%`)
  becomes null. Rebuilt from the withheld rows of finx-lora-v11's answers: on the dev run 9 rows
  turn right, 1 wrong (a discount line `ExtraCare Card savings 20%` read without its sign), on
  CORD's 500 receipts 4 right, 3 wrong (2 `Rp 29000.00` that CORD labels with the currency, 1 a
  discount line); no labelled row changes.
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

Knows values, the document text, the shape of a table and the source modes of its cells; not what
the cells mean.
"""

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from finx.extraction.row_names import first_cell_cut, with_count_from_name, with_name_part, with_rest_of_name
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
from finx.values.normalise import NORMALISERS, normalise_amount, without_glued_symbol
from finx.values.paths import item_path

GLUED_TAX_CODE = re.compile(rf"(.*\d[.,]\d+){GLUED_CODE.pattern}")
"""A figure with a tax class letter glued to it (`6,98C` of a Polish receipt's `2 x3,49  6,98C`):
the figure is the cell, the letter a column of its own."""
PRICE_MARK = r"(?:@|à|×|(?<![^\W\d_])x)\s*[^\w\s]?"
"""What a unit price is printed after: `@`, `à`, `×` or an `x` not ending a word, perhaps with a
currency mark (`2 @ $6.45`, `2 x 15,000`)."""
LONE_AMOUNT = re.compile(r"\s*[^\w\s]{0,2}(-?\d[\d.,]*[.,]\d+)[^\S\n]*(?:[A-Z]\b)?\s*")
"""A line that prints an amount and nothing else (`                $12.90` under `SANDPAPER 10PK
2 @ $6.45`), perhaps with a currency mark before it and a tax class after it."""
COUNT_AT_PRICE = re.compile(r"\s*(?P<count>\d+(?:[.,]\d+)?)\s*[xX@×]\s*(?P<price>\d[\d.,]*[.,]\d+)\s*")
"""A count and a unit price written together (`2 x 36.900`, `3 @ 2.19`)."""
CURRENCY_BETWEEN = re.compile(r"\s*(?:[^\W\d_]{1,3}\.?|[$€£¥₹])?\s*")
"""What may stand between a unit price and the line's total: spaces and a currency mark (`USD`)."""
MAX_TIMES_BOUGHT = 999
"""The largest count a line's total may be of the unit price before it (`60,000` = 5 x `12,000`)."""


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
    (`with_count_from_name`, for the cell `count_cells` names per table), or else the rest of the
    name printed after it goes into it (`with_rest_of_name`, once the amount is mended), a count
    that is a rate becomes null, one written with its unit price is split (`count_and_price`), a
    figure loses the tax
    class letter glued to it (`GLUED_TAX_CODE`) and the currency symbol glued before it
    (`values.normalise.GLUED_SYMBOL`), and takes the minus its row's line prints it with
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
            for cell, mode in cells.items():
                figure = row.get(cell)
                if mode != "number" or not isinstance(figure, str):
                    continue
                code = GLUED_TAX_CODE.fullmatch(figure)
                bare = without_glued_symbol(code.group(1) if code else figure)
                whole = with_printed_sign(bare, row.get(names[0]), document)
                if whole != figure:
                    row = {**row, cell: whole}
                    changed[f"{item_path(name, index)}.{cell}"] = whole
            count = count_cells.get(name)
            if count is not None and isinstance(row.get(count), str) and "%" in row[count]:
                row = {**row, count: None}  # a rate (`10%`, the VAT column) is no count
                changed[f"{item_path(name, index)}.{count}"] = None
            split = count_and_price(row, count, cells) if count is not None else None
            if split is not None:
                changed |= {
                    f"{item_path(name, index)}.{cell}": value for cell, value in split.items() if row.get(cell) != value
                }
                row = {**row, **split}
            mended = (
                with_own_line_amount(row, cells, document, newlines)
                or with_amount_after_price(row, cells, document)
                or with_line_total(row, cells, document)
            )
            if mended is not None:
                last = mended.get(names[-1])
                if isinstance(last, str):  # the amount its line prints, with the minus printed after it
                    mended = {**mended, names[-1]: with_printed_sign(last, mended.get(names[0]), document)}
                changed |= {
                    f"{item_path(name, index)}.{cell}": mended[cell]
                    for cell in names
                    if mended.get(cell) != row.get(cell)
                }
                row = mended
            if name in count_cells:
                counted = with_count_from_name(row, names, count_cells[name]) or with_rest_of_name(
                    row, names, count_cells[name], document
                )
                if counted is not None:
                    changed |= {
                        f"{item_path(name, index)}.{key}": counted[key]
                        for key in (names[0], count_cells[name])
                        if counted[key] != row[key]
                    }
                    row = counted
            kept[name].append(row)
    return kept, changed


def count_and_price(row: dict[str, Any], count: str, cells: dict[str, str]) -> dict[str, str] | None:
    """{cell: value} of a row whose count cell holds the count and the unit price together (`2 x
    36.900` of `Minyak Goreng 2L` / `   2 x 36.900   73.800`, `3 @ 2.19`): the count stays in the
    count cell, the price goes to the unit price (the number cell before the amount) where that is
    null or the same price; None otherwise. No labelled count of CORD, the generators or the
    hand-made sets holds a price."""
    written = COUNT_AT_PRICE.fullmatch(row.get(count) or "")
    names = list(cells)
    price = next((cell for cell in reversed(names[1:-1]) if cells[cell] == "number" and cell != count), None)
    if written is None or price is None or row.get(price) not in (None, written.group("price")):
        return None
    return {count: written.group("count"), price: written.group("price")}


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
    line's `9.50`, `placement` `beside_own_amount`) or took one that is no amount (the VAT rate
    `10%` of `TORTELLINI IN BRODO  10%  14,00`) and every place of the first cell prints the
    same amount; the cells between keep only values printed on that line or on a detail line
    under it (`  5 @ 0.19`), and not the amount itself where the line prints it once (`2.75` as
    the unit price); only where the last copied cell is a figure (source mode `number`: an amount).
    None where there is nothing to mend."""
    names = list(cells)
    if len(names) < 2 or cells[names[-1]] != "number" or not isinstance(row.get(names[0]), str):
        return None
    unread = isinstance(row.get(names[-1]), str) and NORMALISERS["number"](row[names[-1]]) is None
    if not unread and placement(row, names, document, newlines, reach=0) != "beside_own_amount":
        return None
    places = occurrences(row[names[0]], document)
    amounts = {
        match.group(1)
        for _, end in places
        if (match := AMOUNT_AT_LINE_END.search(document, end, line_end(document, end)))
        if not re.search(
            rf"{PRICE_MARK}\s*$", document[end : match.start(1)], re.IGNORECASE
        )  # a unit price: `2 @ $6.45`
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
    right after `@`, `à`, `x` or `×`), or, where the line ends with that price, the amount printed
    alone on the line under it (`SANDPAPER ASSORTED 10PK  2 @ $6.45` over `$12.90`); only where the
    last cell is a figure (source mode `number`). None where there is nothing to mend."""
    names = list(cells)
    read = amount_and_line_after_name(row, cells, document)
    if read is None:
        return None
    last, rest = read
    price = re.search(rf"{PRICE_MARK}\s*{re.escape(last.strip())}(?!\d|[.,]\d)", rest, re.IGNORECASE)
    if price is None:
        return None
    amount = AMOUNT_AT_LINE_END.search(rest, price.end())
    if not rest[price.end() :].strip():  # the line ends with the price: its amount printed alone under it
        amount = LONE_AMOUNT.fullmatch(line_below(row.get(names[0]), document))
    if amount is None or not amount.group(1).strip():
        return None
    return {**row, names[-1]: amount.group(1)}


def line_below(first: Any, document: str) -> str:
    """The line under the one that first prints `first` (empty where there is none)."""
    places = occurrences(first, document) if isinstance(first, str) and first.strip() else []
    below = line_end(document, places[0][1]) + 1 if places else len(document)
    return document[below : line_end(document, below)] if below < len(document) else ""


def with_line_total(row: dict[str, Any], cells: dict[str, str], document: str) -> dict[str, Any] | None:
    """The row with the figure that ends its first cell's line as its last cell, where it took the
    figure printed right before that one (perhaps with a currency mark between: `CURRENCY_BETWEEN`)
    and the line's last figure is a whole multiple of it (`HOT TEA 12,000  60,000` read with
    `12,000`: the unit price, five bought; `20  USD 410.00  USD 8,200.00`); the figure it took
    becomes the unit price (the cell before the last, where that is a figure and null). Only where
    the last cell is a figure (source mode `number`). None where there is nothing to mend."""
    names = list(cells)
    read = amount_and_line_after_name(row, cells, document)
    if read is None:
        return None
    last, rest = read
    taken = re.search(rf"(?<![\w.,]){re.escape(last.strip())}(?!\w|[.,]\d)", rest)
    total = AMOUNT_AT_LINE_END.search(rest, taken.end()) if taken else None
    between = rest[taken.end() : total.start(1)] if taken and total else ""
    if taken is None or total is None or not CURRENCY_BETWEEN.fullmatch(between) or total.group(1) == last.strip():
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
