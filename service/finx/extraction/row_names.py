"""Table rows' first cells, an item's name, mended: a name that took in a cell printed beside it,
a count read into it, a part of it read apart or left on the line.

A table is a top-level list of objects whose cells the schema lists in the order a printed row
writes them (`table_rows`); its first cell is the item's name. `row_mends.mended_rows` applies:

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
finx's dev invoices is changed. A pack size has its unit glued to the figure (`5LB`, `1,5kg`); a
weight printed apart (`2.449 kg`, `20 kg`) is the quantity bought and stays a quantity.


The rest of a name: in a table whose count cell the schema declares (`count_cells`), the words
printed right after the description on its line, one space (or a comma and a space: `Cloud
hosting, monthly`) before them and a column gap or the line's end after them, that no cell holds
(`FA-Cookies Mix 200 gr` read as `FA-Cookies Mix`, `TAIL STOMACH (S)`, `AGUA CIEL 1L   14.00`,
`SOSRO TEH BOTOL 350  2 3500  7.000`), are joined to it where every place of the name prints them
(not `Spremuta` of a receipt that also sells `Spremuta 0,5L`) and they are words of a name: no
price, barcode, item code or leader dots (`with_rest_of_name`). A bare count of one to three digits
there goes to the count cell where that is null or a copy of another cell (`Cuka Apel Moringa 1`
over `289000  289000`); four digits or more are a price. On finx-lora-v11's answers to CORD's 500
receipts 13 rows turn right, none wrong (row F1 0.816 -> 0.826; session 24's size-only version of
it turned 5 right); of 7,419 labelled rows (CORD, generator versions 2, 4-6, the hand-made sets) it
changes 2 (`Ocha Hot` of a line `Ocha Hot Cold`, and a row CORD labels `)`) and mends one that a
price tail cut (`YAOURT NATURE X4`).


Knows values, the document text and the shape of a table; not what the cells mean.
"""

import re
from typing import Any

from finx.extraction.table_rows import line_end, line_start
from finx.values.grounding import occurrences

PRICE_TAIL = re.compile(
    r"\s+(?:(?:\d+(?:[.,]\d+)?\s*[^\W\d_]{0,5}\.?\s+)?(?:x|×|@|à)\s*\d[\d.,]*|\d+\s*(?:@|à))$", re.IGNORECASE
)
"""A count and unit price printed after an item's name: ` x200`, ` @ 0.45`, ` 8 Std à 95,00`, or
a count and `@` whose price was left out of the name (` 2 @`); not a size: `Tiles 30x30`."""
ITEM_CODE_TAIL = re.compile(r"\s+\d{7,}$")
"""An item code or barcode printed after an item's name (` 1000600098`): seven digits or more, no
mark (none of CORD's 1,297 labelled items ends with one)."""
RATE_TAIL = re.compile(r"\s{2,}\d{1,2}(?:[.,]\d+)?\s?%$")
"""A rate in a column of its own copied with the name (`TAGLIATELLE AL RAGU          10%`, the VAT
column of an Italian receipt): not part of it (one space before it is: `SALAD BAR 50%`)."""
NAME_REST = re.compile(r"(,? \S+(?: \S+)*?)(?: {2,}|\t|[ \t]*$)")
"""Words printed right after an item's name on its line: one space before them (or a comma and a
space: `Cloud hosting, monthly`), single spaces between, a column gap or the line's end after them."""
NOT_NAME_WORD = re.compile(r"\d{5,}|[^\W\d_].*\d{4}|\.{2,}|^[^\w%]*\d[\d.,]*[.,]\d+[^\w%]*$|[^\w\s()/&'.,+#%-]")
"""A word that is no part of an item's name: a run of five digits or more, a code of four digits
after a letter (`19BC1054`, `GL-5521`; not a size, `1500ML`), leader dots, a figure with
decimals (a price; not a rate, `1,5%`), a mark a name does not hold (`<A>`)."""
BARE_COUNT = re.compile(r"\d{1,3}")
"""A count printed after an item's name (`Shampo Aloevera 1`), or a size printed bare (`SOSRO TEH
BOTOL 350`) where the row holds its count."""
LEADING_COUNT = re.compile(r"(\d{1,3}[xX×]?)\s+(?=[^\W\d_])")
"""A count printed before an item's name (`4 SIAO MAI BABI`, `2x Flat White`); not an item code
(`1069- ROTI KEJU`) or a size (`600ML AQUA`)."""


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
    whole and is printed right after the first cell (one space or a comma and a space between, on
    its line: `DECK SCREWS 5LB` read as `DECK SCREWS` / `5LB`, `Silicone spatula, 3-piece`), or only
    null where the first cell already ends with it (`WOOD GLUE 16OZ` / `16OZ`); None otherwise."""
    name, part = row.get(first), row.get(cell)
    if not isinstance(name, str) or not name.strip():
        return None
    if not isinstance(part, str) or not pattern.fullmatch(part.strip()):
        return None
    if re.search(rf"(?<!\S){re.escape(part.strip())}$", name.strip(), re.IGNORECASE):
        return {**row, cell: None}
    printed = re.search(
        rf"(?<!\S){re.escape(name.strip())}(,? )(?:{re.escape(part.strip())})(?!\S)", document, re.IGNORECASE
    )
    if printed is None:
        return None
    return {**row, first: f"{name.strip()}{printed.group(1)}{part.strip()}", cell: None}


def with_rest_of_name(row: dict[str, Any], cells: list[str], count: str, document: str) -> dict[str, Any] | None:
    """The row with the rest of its name: the words that every place of its first cell is followed
    by on its line (one space before them, single spaces between, then a column gap or the line's
    end: `FA-Cookies Mix 200 gr`, `TAIL STOMACH (S)`, `SOSRO TEH BOTOL 350  2 3500  7.000`) joined
    to the first cell, where they are words of a name (`is_name_rest`) and no other cell of the row
    holds them; a bare count there (`Cuka Apel Moringa 1` over `289000  289000`) goes to the cell
    `count` instead where that is null or a copy of another of its cells. None where the name is
    whole, printed with different words after it, or followed by no such words."""
    first = row.get(cells[0])
    if not isinstance(first, str) or not first.strip():
        return None
    rests = set()
    for _, end in occurrences(first, document):
        after = NAME_REST.match(document[end : line_end(document, end)])
        rests.add(after.group(1).removeprefix(" ") if after is not None else None)
    rest = rests.pop() if len(rests) == 1 else None
    others = {value.strip() for cell in cells[1:] if isinstance(value := row.get(cell), str) and value.strip()}
    if rest is None or not is_name_rest(rest) or rest in others or others & set(rest.split()):
        return None
    if BARE_COUNT.fullmatch(rest):
        if row.get(count) is None or row.get(count) in {row.get(cell) for cell in cells[1:] if cell != count}:
            return {**row, count: rest}
    elif rest.isdigit():
        return None  # a bare figure of four digits or more is a price, not part of the name
    return {**row, cells[0]: f"{first.strip()}{'' if rest.startswith(',') else ' '}{rest}"}


def is_name_rest(words: str) -> bool:
    """Whether `words` printed after an item's name are more of it: none is a figure with decimals
    (`3,99`, `€709,47`: a price), a run of five digits or more (a barcode), an item code of digits
    around letters (`19BC1054`) or leader dots, and none holds a mark a name does not (`<A>`)."""
    return not any(NOT_NAME_WORD.search(word) for word in words.split())


def first_cell_cut(row: dict[str, Any], cells: list[str], document: str) -> str | None:
    """The row's first cell without another cell it took in (`first_cell_without_other`) or
    without a trailing count and price or item code (`without_tail`); None where it is whole."""
    if not cells or not isinstance(row.get(cells[0]), str):
        return None
    return first_cell_without_other(row, cells, document) or without_tail(row[cells[0]])


def without_tail(first: str) -> str | None:
    """`first` without a trailing count and unit price (`PRICE_TAIL`), item code (`ITEM_CODE_TAIL`)
    or rate column (`RATE_TAIL`), where a name with a letter is left (`Beratung 8 Std à 95,00` -> `Beratung`,
    `JOIE KUBBIE(BABY BOX) 901800109` -> `JOIE KUBBIE(BABY BOX)`); None where it has no such tail."""
    tail = PRICE_TAIL.search(first) or ITEM_CODE_TAIL.search(first) or RATE_TAIL.search(first)
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
