"""Table rows the model skipped: lines printed in the layout of the rows it read.

A small model reading a receipt sometimes ends its list a row early (`1  Orange Juice (L)  3.95`
left out under three rows printed the same way), passes over a row between two it read, starts a
row late, or misreads one (withheld by `table_rows`). The rows it did read show how the table
prints a row, and the text shows which lines no row was read from.

- A layout: a row whose first cell (the description) and last cell (an amount: source mode
  `number`) are printed on one line gives the layout of that line: each cell's text replaced by a
  pattern of its shape (runs of digits and marks by such runs, `FIGURE_SHAPES`: `2` a count,
  `3.20` an amount with cents, `x2` an `x` and a count; the description by any text) and the text
  between and around cells kept, its figures generalised the same way (`@`, spaces, an item code
  `012871200443`) and so are codes of one to four capitals in a column of their own (`MRJ` of
  `ROMAINE HEARTS 3PK      MRJ     4.99` for `HMRJ`: a tax code column), one capital at the line's
  end after its last cell (`A` of `Free Range Eggs 12s  2.79 A` for `B`, `CLASS_AT_END`; shop-e's
  receipts 2 rows right more, CORD's 500 and the label check unchanged) and a tax class letter
  glued to a figure (`T` of `KLEENEX TISSUE 3PK   6.99T` for any letter or none). A cell the row wrote that
  its line does not print (it is on a detail line) is left out of the layout. Text between cells
  that holds a word (`1 WAKI PLATTER FOR 4-5  389,000` read as `WAKI PLATTER`) gives no layout:
  the row does not cover its line.
- The table's lines: from the first row's line down, then from it up. A line whose last figure is
  one of the answer's figures outside its tables (its subtotal, tax or total: source mode
  `number`) ends the table on that side; so does a line with a word that fits no layout, past the
  rows read (below the last, above the first). Lines that rows were read from are passed over, and
  so are lines without a word (`  5 @ 0.19` under its row), lines that end with a figure signed
  as a deduction (`SIGNED_AMOUNT`: a discount) and, below the rows read, a row's details: lines
  indented deeper than the rows' lines that print no figure (`   Side: Fries` under `1 Cheeseburger
  13.95`, `is_modifier`), a section's head in capitals over a line of a layout (`HOME` over
  `054060207  UP&UP PAPER TOWELS 6PK  T  $11.99`, `is_section_head`), and an item printed without
  a price in a layout that prints a cell before the description (`1 Kuah Kaldu Ayam` among `1
  Kailan hongkong  15,800`, `is_unpriced`):
  on finx-lora-v11's answers to CORD's 500 receipts 12 rows right more, none wrong (row F1 0.831
  -> 0.836); gold rows cut to the first one or two and read back: 45 and 71 right more, 1 wrong.
- A skipped row: a line of the table that fits a layout (the layout with the most cells first),
  whose description holds a word and neither starts with a figure (`5 ES TEH MANIS`: a count the
  layout has no place for) nor ends with a figure with a mark (`HOT TEA 12,000`) nor with a colon
  (`Total Item:  3`: a label), becomes a row: the layout's cells copied from the line, the table's
  other cells null. A price printed before the amount, in a column of its own or after `@` or `à`
  (`2 AH BANANEN   0,29   0,58` in the layout of `1 AH HALFVOLLE MELK   1,19`), goes to the first
  figure cell before the last that the layout leaves out (the unit price), where the table has
  one; no row of CORD's 500 receipts is read so, 2 of the hand-made shop-b receipts' are. It is
  put in line order among the rows read. A layout that leaves out a cell that cannot be null is
  not used.

Measured on finx-lora-v11's answers (session 24, the same generation before and after): row F1 on
the shop receipts 0.580 -> 0.760, finx's dev invoices 0.609 -> 0.694, CORD's 57 dev receipts
0.693 -> 0.725, all 500 CORD receipts 0.744 -> 0.770 (74 rows right more, 33 wrong more: CORD's
labels leave out free toppings (`1 PEACH  0`) and some two-line names the layout cuts to one line).

The rows so read carry no confidence of the model's (it never wrote them), so a caller's
`min_confidence` does not withhold them (a cell holding a value the model wrote in the same column
has that value's confidence, as merged values do).

Knows values, the document text, the shape of a table and the source modes of its cells; not what
the cells mean.
"""

import re
from typing import Any

from finx.extraction.table_rows import (
    FIGURE_RUN,
    GLUED_CODE,
    WORD,
    answer_figures,
    last_figure,
    line_end,
    line_start,
    line_starts,
    tables,
)
from finx.schemas.compile import JsonSchema, is_nullable
from finx.values.grounding import occurrences
from finx.values.paths import item_path
from finx.values.sources import non_null

FIGURE_SHAPES = (
    (re.compile(r"[.,]\d{1,2}$"), r"\d[\d.,]*[.,]\d{1,2}"),
    (re.compile(r"[.,]\d{3}$"), r"(?:\d[\d.,]*[.,]\d{3}|\d{3,})"),
    (re.compile(r""), r"\d+"),
)
"""What a figure of a layout stands for, by how it ends: one with decimals (`3.20`, `4,80`) for one
with decimals (an amount printed with cents always prints them: not `97402` of a postcode), one
with a group of three (`27,500`, `1,200`) for one with such a group or three digits or more (`150`
in a column of `1,200`), a bare one (`2`, `0`) for a bare one."""
FIGURE_AT_END = re.compile(r"(?<![^\W\d_])\d[\d.,]*[.,]\d+$")
"""A figure with a decimal or group mark ending a description, not part of a word (`HOT TEA
12,000`, `Flat White  @3.20`)."""
FIGURE_AT_START = re.compile(r"^\d[\d.,]*\s")
"""A figure starting a description (`5 ES TEH MANIS`): a count the layout has no place for."""
SECTION_HEAD = re.compile(r"[A-Z][A-Z&/-]*(?: [A-Z&/-]+)?")
"""A section's head in a receipt's table: a word or two in capitals (`HOME`, `REFRIG/FROZEN`)."""
LABEL_END = re.compile(r":\s*$")
"""A description ending with a colon is a label (`Total Item:  3`), not an item."""
CODE = re.compile(r"(?<=\s\s)[A-Z]{1,4}(?=\s\s|$)")
"""A code of one to four capitals between column gaps (`MRJ`, `HMRJ` of `PC ORANGE JUICE 2.5L
HMRJ  5.99`): a tax or department code column, not a word of the description."""
CLASS_AT_END = re.compile(r"\s+[A-Z]")
"""One capital printed apart at the end of a row's line, after its last cell (`B` of `Dishwasher
Tabs 30s  3.99 B`): a tax class, standing for any such class."""
FIGURE_END = rf"(?:(?![\w]|[.,]\d)|(?={GLUED_CODE.pattern}))"
"""Where a figure printed whole ends: not before a letter, digit or decimal, but before a glued tax
class letter (`GLUED_CODE`)."""
SIGNED_AMOUNT = re.compile(rf"(?:-[^\w\s]{{0,2}}\d[\d.,]*[.,]\d+|\d[.,]\d+-)(?:{GLUED_CODE.pattern})?\s*$")
"""A line that ends with a figure signed as a deduction (`ExtraCare Card savings 20%    1.70-`,
`DISCOUNT  -5,400`, `Clubcard Price Saving  -£0.50`): a discount or a void within the table, read
as no row (CORD labels none of them as an item) and no end of the table."""
PRICE_BEFORE_AMOUNT = re.compile(r"(?P<name>.*?[^\W\d_].*?)(?:\s{2,}|\s*(?:@|à|×)\s*)(?P<price>\d[\d.,]*[.,]\d+)")
"""A description that ends with a price in a column of its own or after `@` or `à` (`AH BANANEN
0,29`): the name, then the unit price."""
LONGEST_LINE = 240
"""Longer lines are prose, not a table's rows: they fit no layout."""

Layout = tuple[re.Pattern[str], list[str], str | None, re.Pattern[str] | None]
"""(the pattern of a row's line, the cells of its groups in order, the figure cell it leaves out
that a price printed before the amount goes to, if any, the pattern of such a line without its
amount where a cell other than the description comes before the amount: an item printed without a
price, `1 Kuah Kaldu Ayam` among `1 Kailan hongkong  15,800`)."""
RowLayout = tuple[str, list[str], str | None]
"""(the pattern of a row's line, the cells of its groups in order, the pattern without its amount)."""
SkippedRow = tuple[int, dict[str, Any]]
"""(the offset of its line, the row)."""


def with_skipped_rows(data: dict[str, Any], schema: JsonSchema, document: str) -> tuple[dict[str, Any], list[str]]:
    """(`data` with each table's skipped rows put in, the paths of the rows put in); `data` itself
    where no row was skipped."""
    kept, added_paths = data, []
    figures = answer_figures(data, schema)
    for name, rows, cells, _ in tables(data, schema):
        table = non_null(schema["properties"][name])
        row_cells = table["items"]["properties"]
        layouts = table_layouts(rows, cells, row_cells, document)
        if not layouts:
            continue
        first = next(iter(cells))
        row_lines = first_cell_lines(rows, first, document)
        room = int(table.get("maxItems", len(rows) + len(document))) - len(rows)
        found = skipped_lines(document, row_lines, layouts, figures, first, list(row_cells))[: max(room, 0)]
        if not found:
            continue
        ordered = in_line_order(rows, row_lines, found)
        kept = {**kept, name: [row for row, _ in ordered]}
        added_paths += [item_path(name, index) for index, (_, added) in enumerate(ordered) if added]
    return kept, added_paths


def table_layouts(
    rows: list[dict[str, Any]], cells: dict[str, str], row_cells: JsonSchema, document: str
) -> list[Layout]:
    """The distinct layouts of the rows, those with the most cells first, where the table's last
    copied cell is a figure and every cell a layout leaves out can be null; each with the first
    figure cell (source mode `number`) before the last that it leaves out."""
    names = list(cells)
    if len(names) < 2 or cells[names[-1]] != "number":
        return []
    nullable = {cell for cell, child in row_cells.items() if is_nullable(child)}
    layouts: dict[str, RowLayout] = {}
    for row in rows:
        layout = row_layout(row, names, document)
        if layout is not None and set(row_cells) - set(layout[1]) <= nullable:
            layouts.setdefault(layout[0], layout)
    by_cells = sorted(layouts.values(), key=lambda layout: -len(layout[1]))  # the fullest layout first
    prices = [cell for cell in names[:-1] if cells[cell] == "number"]
    return [
        (
            re.compile(pattern),
            group_cells,
            next((cell for cell in prices if cell not in group_cells), None),
            re.compile(unpriced) if unpriced is not None else None,
        )
        for pattern, group_cells, unpriced in by_cells
    ]


def row_layout(row: dict[str, Any], names: list[str], document: str) -> RowLayout | None:
    """(the pattern of the line that prints the row's first and last cells, the cells of its
    groups in order, the pattern of the line without the last cell where that ends it and a cell
    other than the first comes before it), or None where the row's first and last cells are not printed on one line,
    or text between its cells holds a word."""
    first, last = row.get(names[0]), row.get(names[-1])
    if not isinstance(first, str) or not isinstance(last, str) or not first.strip() or not last.strip():
        return None
    places = occurrences(first, document)
    if not places:
        return None
    start, end = places[0]
    line_begins = line_start(document, start)
    if end > line_end(document, start):
        return None
    line = document[line_begins : line_end(document, start)]
    spans = [(start - line_begins, end - line_begins, names[0])]
    for cell in [names[-1], *names[1:-1]]:  # the amount at its rightmost place, then the others
        value = row.get(cell)
        if not isinstance(value, str) or not value.strip():
            continue
        free = [
            match
            for match in re.finditer(rf"(?<![\w.,]){re.escape(value.strip())}{FIGURE_END}", line)
            if not any(a < match.end() and match.start() < b for a, b, _ in spans)
        ]
        if free:
            match = free[-1] if cell == names[-1] else free[0]
            spans.append((match.start(), match.end(), cell))
        elif cell == names[-1]:
            return None
    spans.sort()
    between = [
        line[a:b] for (_, a, _), (b, _, _) in zip([(0, 0, ""), *spans], [*spans, (len(line), 0, "")], strict=True)
    ]
    if any(WORD.search(CODE.sub(" ", text)) for text in between):
        return None
    between[0], between[-1] = between[0].lstrip(), between[-1].rstrip()
    pattern, unpriced = shape(between[0]), None
    for index, (a, b, cell) in enumerate(spans):
        if cell == names[-1] and index == len(spans) - 1 and index >= 2:
            unpriced = pattern.removesuffix(shape(between[index])) if between[index] else None
        after = between[index + 1]
        glued = cell != names[0] and GLUED_CODE.match(after) is not None
        pattern += f"({'.+?' if cell == names[0] else shape(line[a:b])})"
        if index == len(spans) - 1 and CLASS_AT_END.fullmatch(after):
            pattern += CLASS_AT_END.pattern
        else:
            pattern += f"(?:{GLUED_CODE.pattern})?{shape(after[1:])}" if glued else shape(after)
    return pattern, [cell for _, _, cell in spans], unpriced


def shape(text: str) -> str:
    """A pattern of `text` with each run of digits and marks standing for such a run
    (`FIGURE_SHAPES`), a sign where the run has one, and each code of capitals between column gaps
    for any such code (`CODE`)."""
    pattern, end = "", 0
    for run in FIGURE_RUN.finditer(text):
        figure = next(stands_for for ending, stands_for in FIGURE_SHAPES if ending.search(run.group()))
        pattern += codes(text[end : run.start()]) + ("-?" if run.group().startswith("-") else "") + figure
        end = run.end()
    return pattern + codes(text[end:])


def codes(text: str) -> str:
    """`text` as a pattern (`literal`), each code of capitals (`CODE`) standing for any such code."""
    pattern, end = "", 0
    for code in CODE.finditer(text):
        pattern += literal(text[end : code.start()]) + CODE.pattern
        end = code.end()
    return pattern + literal(text[end:])


def literal(text: str) -> str:
    """`text` as a pattern, each run of spaces standing for any run of spaces."""
    return r"\s+".join(re.escape(part) for part in re.split(r"\s+", text))


def first_cell_lines(rows: list[dict[str, Any]], first: str, document: str) -> list[int | None]:
    """Per row, the offset of the line its first cell is read from: its first place on a line no
    earlier row was read from (a name printed twice is two rows), None where it is not found."""
    taken: set[int] = set()
    lines: list[int | None] = []
    for row in rows:
        value = row.get(first)
        starts = (
            [line_start(document, start) for start, _ in occurrences(value, document)] if isinstance(value, str) else []
        )
        line = next((start for start in starts if start not in taken), starts[0] if starts else None)
        if line is not None:
            taken.add(line)
        lines.append(line)
    return lines


def skipped_lines(
    document: str,
    row_lines: list[int | None],
    layouts: list[Layout],
    figures: set[str],
    first: str,
    row_cells: list[str],
) -> list[SkippedRow]:
    """The lines of the table (from the first row's line down, and up from it) that fit a layout
    and were read as no row, each as a row."""
    read = {line for line in row_lines if line is not None}
    if not read:
        return []
    offsets = line_starts(document)
    printed = {offset: document[offset : line_end(document, offset)] for offset in offsets}
    lines = [(offset, text.strip()) for offset, text in printed.items()]
    row_indent = min(indentation(printed[offset]) for offset in read)
    first_read = offsets.index(min(read))
    below, above = lines[first_read:], lines[first_read - 1 :: -1] if first_read else []
    found: list[SkippedRow] = []
    for side in (below, above):
        for index, (offset, line) in enumerate(side):
            if last_figure(line) in figures:
                break
            if offset in read or SIGNED_AMOUNT.search(line):
                continue
            row = fitted_row(line, layouts, first, row_cells) if line else None
            if row is not None:
                found.append((offset, row))
            elif offset > max(read) and (
                is_modifier(printed[offset], row_indent)
                or is_unpriced(line, layouts, first, row_cells)
                or is_section_head(line, side[index + 1 : index + 2], layouts, first, row_cells)
            ):
                continue
            elif (offset > max(read) or offset < min(read)) and WORD.search(line):
                break
    return found


def is_unpriced(line: str, layouts: list[Layout], first: str, row_cells: list[str]) -> bool:
    """Whether `line` prints a row of a layout without its amount (`1 Kuah Kaldu Ayam` among `1
    Kailan hongkong  15,800`: an item given free, or priced on a line of its own), its description
    holding a word and ending with no figure."""
    for _, group_cells, _, unpriced in layouts:
        match = unpriced.fullmatch(line) if unpriced is not None else None
        description = match.group(group_cells.index(first) + 1) if match is not None else None
        if description is not None and WORD.search(description) and not FIGURE_AT_END.search(description):
            return True
    return False


def is_section_head(
    line: str, after: list[tuple[int, str]], layouts: list[Layout], first: str, row_cells: list[str]
) -> bool:
    """Whether `line` heads a section of the table: a word or two in capitals, no figure, over a
    line (`after`) that fits a layout (`HOME` over `054060207  UP&UP PAPER TOWELS 6PK  T  $11.99`)."""
    return (
        SECTION_HEAD.fullmatch(line) is not None
        and bool(after)
        and fitted_row(after[0][1], layouts, first, row_cells) is not None
    )


def indentation(line: str) -> int:
    """How many blanks `line` starts with."""
    return len(line) - len(line.lstrip())


def is_modifier(line: str, row_indent: int) -> bool:
    """Whether `line` is a detail of the row above it: indented deeper than the lines rows were read
    from (`row_indent`) and printing no figure (`   Side: Fries` under `1 Cheeseburger  13.95`)."""
    return indentation(line) > row_indent and FIGURE_RUN.search(line) is None


def fitted_row(line: str, layouts: list[Layout], first: str, row_cells: list[str]) -> dict[str, Any] | None:
    """The row `line` prints in the first layout it fits, or None where it fits none, or its first
    cell (`first`, the description) holds no word or ends with a figure; a figure with a mark
    printed before the amount, in a column of its own or after `@` or `à`, goes to the layout's
    price cell where it has one (`2 AH BANANEN   0,29   0,58`, `2 x Pils 0,5l  à 4,20  8,40` in
    the layout of `1 x Schnitzel  16,90`)."""
    if len(line) > LONGEST_LINE:
        return None
    for pattern, group_cells, price_cell, _ in layouts:
        match = pattern.fullmatch(line)
        if match is None:
            continue
        values = dict(zip(group_cells, match.groups(), strict=True))
        price = PRICE_BEFORE_AMOUNT.fullmatch(values[first]) if price_cell is not None else None
        if price is not None and price_cell is not None:
            values = {**values, first: price.group("name"), price_cell: price.group("price")}
        description = values[first]
        if WORD.search(description) and not any(
            rule.search(description) for rule in (FIGURE_AT_END, FIGURE_AT_START, LABEL_END)
        ):
            return {cell: values.get(cell) for cell in row_cells}
    return None


def in_line_order(
    rows: list[dict[str, Any]], row_lines: list[int | None], found: list[SkippedRow]
) -> list[tuple[dict[str, Any], bool]]:
    """The rows read, in their order, with each skipped row put before the first row read from a
    later line (after them all where none is); (row, whether it was skipped)."""
    pending = sorted(found, key=lambda item: item[0])
    ordered: list[tuple[dict[str, Any], bool]] = []
    for row, line in zip(rows, row_lines, strict=True):
        while pending and line is not None and pending[0][0] < line:
            ordered.append((pending.pop(0)[1], True))
        ordered.append((row, False))
    return ordered + [(row, True) for _, row in pending]
