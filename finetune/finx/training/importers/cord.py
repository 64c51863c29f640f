"""CORD v1 receipts (Clova AI, CC BY 4.0): one JSON per receipt -> `invoice` examples with every
line item.

A CORD file holds the receipt's OCR words (`valid_line[].words[]`: `text`, `quad` box, `row_id`),
grouped into labelled fields (`category` such as `menu.nm`, `menu.cnt`, `menu.unitprice`,
`menu.price`, `sub_total.subtotal_price`, `sub_total.tax_price`, `total.total_price`), with
`group_id` tying the fields of one menu line together.

The document text is rebuilt as a reader sees the receipt: words grouped into printed rows
(`row_id`), rows top to bottom, words left to right, a wide gap written as two spaces (a column).
The labels are taken from the same words, so every label is text of the document: an item's
description is its `menu.nm` words joined by single spaces (a name printed over two rows
included), its quantity `menu.cnt`, unit price `menu.unitprice`, amount `menu.price`, all as
printed (key words such as `Subtotal` printed in a value's field are not part of the value). The
header amounts are `subtotal_price`, `tax_price` and `total_price`. CORD does not label a seller,
buyer, number, dates, currency or bank details, and the rebuilt text holds only labelled words,
so those are null and declared `unlabelled` (the printed receipt had a shop head that CORD did not
label: its null is an artefact of the rebuild, so training puts no loss on it and eval does not
score it). A receipt with more items than the schema allows is reported as an error (its
label could not be complete).
"""

import json
from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

from finx.schemas import get_schema
from finx.training.examples import Example

ITEM_FIELDS = {"menu.nm": "description", "menu.cnt": "quantity", "menu.unitprice": "unit_price", "menu.price": "amount"}
HEADER_FIELDS = {"sub_total.subtotal_price": "subtotal", "sub_total.tax_price": "tax", "total.total_price": "total"}
COLUMN_GAP = 2.5
"""A gap wider than this many average character widths between two words of a row is a column."""


def read(folder: Path) -> Iterator[Example]:
    spec = get_schema("invoice")
    unlabelled = frozenset(spec.json_schema["properties"]) - {*HEADER_FIELDS.values(), "line_items"}
    files = [folder] if folder.is_file() else sorted(folder.glob("*.json"))
    if not files:
        raise ValueError("no CORD .json files")
    for path in files:
        receipt = json.loads(path.read_text(encoding="utf-8"))
        text, target = receipt_example(receipt["valid_line"], spec.json_schema["properties"])
        yield Example(f"cord/{path.stem}", spec, text, target, source="cord", unlabelled=unlabelled)


def receipt_example(lines: list[dict[str, Any]], fields: Iterable[str]) -> tuple[str, dict[str, Any]]:
    """(document text, target) of one receipt's labelled lines; every field of `fields` CORD does
    not label is null."""
    words = [word for line in lines for word in line["words"] if word["text"].strip()]
    rows = printed_rows(words)
    text = "\n".join(row_text(row) for row in rows)
    rank = {id(word): (number, position(word)[1]) for number, row in enumerate(rows) for word in row}
    target: dict[str, Any] = dict.fromkeys(fields)
    items: dict[int, dict[str, str | None]] = {}
    for line in sorted(
        lines, key=lambda line: min((rank[id(w)] for w in line["words"] if id(w) in rank), default=(0, 0.0))
    ):
        values = sorted((w for w in line["words"] if id(w) in rank and not w.get("is_key")), key=lambda w: rank[id(w)])
        category, value = line["category"], " ".join(word["text"].strip() for word in values)
        if not value:
            continue
        if category in HEADER_FIELDS and target[HEADER_FIELDS[category]] is None:
            target[HEADER_FIELDS[category]] = value
        elif category in ITEM_FIELDS:
            item = items.setdefault(line["group_id"], dict.fromkeys(ITEM_FIELDS.values()))
            field = ITEM_FIELDS[category]
            item[field] = value if item[field] is None else f"{item[field]} {value}"
    target["line_items"] = [item for item in items.values() if item["description"]]
    return text, target


def position(word: dict[str, Any]) -> tuple[float, float]:
    """(top, left) of a word's box."""
    quad = word["quad"]
    return (min(quad["y1"], quad["y2"]), min(quad["x1"], quad["x4"]))


def printed_rows(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The words as printed rows: grouped by `row_id`, rows by their top, words left to right."""
    rows: dict[int, list[dict[str, Any]]] = {}
    for word in words:
        rows.setdefault(word["row_id"], []).append(word)
    ordered = sorted(rows.values(), key=lambda row: median(position(word)[0] for word in row))
    return [sorted(row, key=lambda word: position(word)[1]) for row in ordered]


def row_text(row: list[dict[str, Any]]) -> str:
    """One printed row, a wide gap (a column) written as two spaces."""
    char_width = median(box_width(word) / len(word["text"].strip()) for word in row)
    line = row[0]["text"].strip()
    for previous, word in pairwise(row):
        gap = min(word["quad"]["x1"], word["quad"]["x4"]) - max(previous["quad"]["x2"], previous["quad"]["x3"])
        line += ("  " if gap > COLUMN_GAP * char_width else " ") + word["text"].strip()
    return line


def box_width(word: dict[str, Any]) -> float:
    quad = word["quad"]
    return max(1.0, max(quad["x2"], quad["x3"]) - min(quad["x1"], quad["x4"]))
