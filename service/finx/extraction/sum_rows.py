"""Table rows that are sums read as items, withheld as `total_row`: a table's total, a tax line,
rows printed under the total, the sums of groups of items.

A total (`total_rows`, after the skipped rows are read): the table's first row, under two rows
or more, whose amount is the sum of theirs and one of the answer's figures outside the table (its
subtotal or total: `TOTALE COMPLESSIVO  7,50` under four items), and every row after it (`CGST
2.5%` under `Sub Total  1,240.00`). On finx-lora-v11's answers to CORD's 500 receipts 3 rows,
none right. So is, in a table of two rows or more, a row whose amount is one of those figures
printed only on the row's own line (`DI CUI IVA  4,45` with the answer's tax), and a row printed
below the line of the answer's total (under two rows; `DI CUI IVA` under `TOTALE COMPLESSIVO
49,00` where the answer has no tax). Neither withholds a labelled row of CORD's 1,297, finx's dev
invoices, the hand-made shop receipts or generator versions 2-6; on finx-lora-v11's answers to
CORD, the dev invoices and the shops they withhold 5 rows, none right.

A group's sum (`group_sums`): some receipts print the sum of each group of items, `BEVERAGE
40,000` under `1 HOT OCHA  10,000` and `3 OCHA  30,000`, `FOOD  522,000` under the food, or all
the groups' sums after the items (`FOOD`, `BEVERAGES`, `OTHERS` adding up to `SUBTOTAL`). Where a
table's amounts add up to twice one of the answer's figures (its subtotal), the rows that sum the
rows since the last such row (each after its group) are the groups' sums where they too add up to
that figure; so are the last two rows or more, fewer than the rows before them, that add up to one
of the answer's figures (whatever the items read add up to: an item missed or misread). On
finx-lora-v11's answers to CORD's 500 receipts 10 rows, none right; of 7,419 labelled rows (CORD,
generator versions 2, 4-6, the hand-made sets) one, which CORD labels so (`MDSE ST`, a receipt's
merchandise subtotal).

A row that costs the whole bill (`whole_sums`): in a table of three rows or more, a row whose amount
is the largest of the answer's figures (its total) while the others add up to more than a rounding
of it (`TOTALE COMPLESSIVO  49,00` read as an item under five): on finx-lora-v11's answers to
CORD's 500 receipts 8 rows less (of them 5 group sums caught by the rules above first), none right;
the dev run's Italian and Japanese receipts 2; no labelled row.

Knows values, the document text, the shape of a table and the source modes of its cells; not what
the cells mean.
"""

from decimal import Decimal
from typing import Any

from finx.extraction.table_rows import (
    answer_figures,
    decimal_amount,
    last_figure,
    line_end,
    line_start,
    line_starts,
    row_line,
    tables,
    whole_figures,
)
from finx.schemas.compile import JsonSchema
from finx.values.grounding import WithheldReason
from finx.values.paths import item_path
from finx.values.sources import string_mode

ROUNDING_SHARE = Decimal("0.01")
"""Other rows adding up to no more than this share of the total, beside a row that is the total,
are a rounding or a token item (`PLASTIK SDG  1` beside `LE MINERALE 600ML  3,100` of a 3,100
bill), and that row an item."""


def total_rows(data: dict[str, Any], schema: JsonSchema, document: str) -> dict[str, WithheldReason]:
    """{path: `total_row`} of each table's first row that is the sum of the rows above
    it (two or more, every amount a number) and of the rows after it: its amount (the last cell,
    source mode `number`) equals their amounts' sum and one of the answer's figures outside its
    tables (a subtotal or total: `TOTALE COMPLESSIVO  7,50` under four items read as a fifth, `Sub
    Total 1,240.00` read with the tax lines under it); in a table of two rows or more, of each row
    that is the line of one of those figures (`is_figure_line`: a tax line read as an item); and of
    each row printed below the line of the answer's total (`rows_after_total`); and of the rows
    that sum groups of the others (`group_sums`) or cost the whole bill (`whole_sums`), in a table
    of three rows or more."""
    written_figures = answer_figures(data, schema)
    figures = {amount for figure in written_figures if (amount := decimal_amount(figure)) is not None}
    found: dict[str, WithheldReason] = {}
    for name, rows, cells, min_rows in tables(data, schema):
        last = list(cells)[-1] if cells else ""
        if cells.get(last) != "number":
            continue
        amounts = [decimal_amount(row.get(last)) for row in rows]
        for index in range(2, len(rows)):
            above, total = amounts[:index], amounts[index]
            if any(amount is None for amount in above) or index < min_rows:
                break
            if total and total in figures and sum(amount for amount in above if amount is not None) == total:
                found |= {item_path(name, after): "total_row" for after in range(index, len(rows))}
                break
        known = [amount for amount in amounts if amount is not None]
        if len(rows) >= 3 and len(known) == len(rows):
            sums = group_sums(known, figures) | whole_sums(known, figures)
            if len(rows) - len(sums) >= min_rows:
                found |= {item_path(name, index): "total_row" for index in sums}
        if len(rows) >= 2:
            found |= {
                item_path(name, index): "total_row"
                for index in figure_lines(data, rows, cells, written_figures, document)
            }
        found |= {item_path(name, index): "total_row" for index in rows_after_total(data, rows, cells, document)}
    return found


def rows_after_total(
    data: dict[str, Any], rows: list[dict[str, Any]], cells: dict[str, str], document: str
) -> list[int]:
    """The rows (indices) whose first cell is printed below the line of the answer's total
    (`total_line`: `TOTALE COMPLESSIVO  49,00` with `DI CUI IVA  4,45` under it)."""
    lines = row_lines_of(rows, cells, document)
    below = total_line(data, lines, document)
    return [] if below is None else [index for index, line in enumerate(lines) if line is not None and line > below]


def row_lines_of(rows: list[dict[str, Any]], cells: dict[str, str], document: str) -> list[int | None]:
    """Where the line of each row's first cell starts (`row_line`)."""
    first = next(iter(cells), "")
    return [row_line(row.get(first), document) for row in rows]


def total_line(data: dict[str, Any], lines: list[int | None], document: str) -> int | None:
    """Where the line of the answer's `total` starts: the first line under the lines of two rows
    (`lines`), itself no row's line, whose last figure is the total; None where there is none."""
    total = data.get("total")
    figure = last_figure(total) if isinstance(total, str) else None
    read = sorted(line for line in lines if line is not None)
    if figure is None or len(read) < 2:
        return None
    below = (
        start
        for start in line_starts(document)
        if start > read[1] and start not in read and last_figure(document[start : line_end(document, start)]) == figure
    )
    return next(below, None)


def figure_lines(
    data: dict[str, Any], rows: list[dict[str, Any]], cells: dict[str, str], figures: set[str], document: str
) -> list[int]:
    """The rows (indices) that are the lines of the answer's `figures` (`is_figure_line`) printed
    below the table's items (every other row whose line is known and above the total's line,
    `total_line`): a tax line read as an item under them. One printed above an item is an item
    whose figure the answer took in error (`Bananen  1,29 A` over five items, the answer's subtotal
    `1,29`: `item_line_figures`)."""
    names, lines = list(cells), row_lines_of(rows, cells, document)
    candidates = {index for index, row in enumerate(rows) if is_figure_line(row, names, figures, document)}
    items = items_above_total(data, lines, candidates, document)
    return sorted(index for index in candidates if (line := lines[index]) is not None and line > max(items, default=-1))


def items_above_total(data: dict[str, Any], lines: list[int | None], others: set[int], document: str) -> list[int]:
    """The lines of the rows (not `others`) printed above the total's line (`total_line`; all of
    them where it is not found): the table's items, not a payment line read as a row."""
    below = total_line(data, lines, document)
    return [
        line
        for index, line in enumerate(lines)
        if index not in others and line is not None and (below is None or line < below)
    ]


def item_line_figures(data: dict[str, Any], schema: JsonSchema, document: str) -> list[str]:
    """The answer's figures outside its tables (source mode `number`: subtotal, tax, total; names)
    that are an item's amount: the document prints the figure only on the line of a table row
    printed above another of the table's items (`items_above_total`; `Bananen  1,29 A` over
    `Vollkornbrot  1,49 A` with the answer's subtotal `1,29`, on a receipt that prints no
    subtotal). The answer took an item's figure for one of the bill's."""
    properties = schema.get("properties", {})
    taken: list[str] = []
    for _, rows, cells, _ in tables(data, schema):
        names = list(cells)
        if len(rows) < 2 or not names or cells[names[-1]] != "number":
            continue
        lines = row_lines_of(rows, cells, document)
        last_item = max(items_above_total(data, lines, set(), document), default=-1)
        for field, value in data.items():
            mode = string_mode(properties.get(field, {}))
            figure = last_figure(value) if isinstance(value, str) and mode == "number" else None
            if figure is None or field in taken:
                continue
            if any(
                line is not None and line < last_item and is_figure_line(row, names, {figure}, document)
                for row, line in zip(rows, lines, strict=True)
            ):
                taken.append(field)
    return taken


def is_figure_line(row: dict[str, Any], names: list[str], figures: set[str], document: str) -> bool:
    """Whether the row is the line of one of the answer's figures outside its tables (`figures`,
    `answer_figures`) read as a row: its amount is that figure, and every place the document prints
    the figure is on the line of the row's first cell (`DI CUI IVA   4,45` under the items, with the
    answer's tax `4,45`; an item whose amount the total repeats is printed twice)."""
    amount = row.get(names[-1])
    figure = last_figure(amount) if isinstance(amount, str) else None
    if figure is None or figure not in figures:
        return False
    line = row_line(row.get(names[0]), document)
    printed = [match.start() for match in whole_figures(figure, document)]
    return line is not None and bool(printed) and all(line_start(document, at) == line for at in printed)


def whole_sums(amounts: list[Decimal], figures: set[Decimal]) -> set[int]:
    """The rows (indices into `amounts`) whose amount is the largest of `figures` (the answer's
    total) while the other rows add up to more than a rounding of it (`ROUNDING_SHARE`): no item
    costs the whole bill beside others (`TOTALE COMPLESSIVO  49,00` read as a sixth item under
    five). The largest, since a smaller figure of the answer may be an item's amount read as its
    tax."""
    whole, table = max(figures, default=Decimal(0)), sum(amounts, Decimal(0))
    return {
        index
        for index, amount in enumerate(amounts)
        if amount > 0 and amount == whole and table - amount > whole * ROUNDING_SHARE
    }


def group_sums(amounts: list[Decimal], figures: set[Decimal]) -> set[int]:
    """The rows (indices into `amounts`, a table's) that are sums of groups of the others: where the
    amounts add up to twice one of `figures`, the rows whose amount is the sum of the rows since the
    last such row (every row after one) where they add up to that figure; or else the last two rows
    or more, fewer than the ones before them, that add up to one of `figures` (the groups' sums
    printed after all the items: whatever the items read add up to)."""
    whole = sum(amounts, Decimal(0))
    for figure in sorted(figure for figure in figures if figure > 0 and whole == 2 * figure):
        sums, running, group = set(), Decimal(0), 0
        for index, amount in enumerate(amounts):
            if group and amount == running:
                sums.add(index)
                running, group = Decimal(0), 0
            else:
                running, group = running + amount, group + 1
        if sums and not group and sum((amounts[index] for index in sums), Decimal(0)) == figure:
            return sums
    for start in range(len(amounts) // 2 + 1, len(amounts) - 1):
        if sum(amounts[start:], Decimal(0)) in figures and sum(amounts[:start], Decimal(0)) > 0:
            return set(range(start, len(amounts)))
    return set()
