"""Extraction metrics: per-field precision/recall/F1 and entity-level F1, from gold and predicted objects.

Values are compared after case folding and whitespace collapsing. A scalar field scores a true
positive when the prediction equals the gold value; a wrong value is both a false positive and a
false negative. List fields compare the sets of normalised items. Entity-level scores pool every
list of an `entities` schema as (type, text) pairs.

Tables (a list of objects with `ROW_KEY_CELLS`, such as an invoice's `line_items`) are scored as
rows: a predicted row is right when its description and amount equal those of a gold row not yet
matched (rows are a multiset: a receipt may list the same item twice). Each cell is also scored on
its own (`cells`: the multiset of a column's non-null values), to show which cell fails.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ROW_KEY_CELLS = ("description", "amount")
"""The cells that make a table row right (the other cells are scored per cell only)."""


def normalise(value: Any) -> str:
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value.casefold()).strip()
    if isinstance(value, dict):
        return json.dumps({key: normalise(item) for key, item in value.items()}, sort_keys=True)
    return json.dumps(value)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0 if not self.fn else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0 if not self.fp else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}  # fmt: skip


def is_table(items: Any) -> bool:
    return isinstance(items, list) and any(
        isinstance(item, dict) and set(ROW_KEY_CELLS) <= item.keys() for item in items
    )


def multiset_counts(gold: Counter[str], predicted: Counter[str]) -> Counts:
    common = sum((gold & predicted).values())
    return Counts(common, sum(predicted.values()) - common, sum(gold.values()) - common)


def row_counts(gold: list[dict[str, Any]], predicted: list[dict[str, Any]] | None) -> Counts:
    """Rows right on their key cells, each gold row matched at most once."""

    def keys(rows: list[dict[str, Any]] | None) -> Counter[str]:
        return Counter(json.dumps([normalise(row.get(cell)) for cell in ROW_KEY_CELLS]) for row in rows or [])

    return multiset_counts(keys(gold), keys(predicted))


def cell_counts(gold: list[dict[str, Any]], predicted: list[dict[str, Any]] | None) -> dict[str, Counts]:
    """Per column: the multiset of its non-null normalised values, gold against predicted."""
    columns = dict.fromkeys(cell for row in gold for cell in row)

    def column(rows: list[dict[str, Any]] | None, cell: str) -> Counter[str]:
        return Counter(normalise(row[cell]) for row in rows or [] if row.get(cell) is not None)

    return {cell: multiset_counts(column(gold, cell), column(predicted, cell)) for cell in columns}


def field_counts(gold: Any, predicted: Any) -> Counts:
    """Counts for one field of one document (`predicted` is None when extraction failed)."""
    if is_table(gold) or (not gold and is_table(predicted)):
        return row_counts(gold or [], predicted)
    if isinstance(gold, list) or isinstance(predicted, list):
        gold_items = {normalise(item) for item in gold or []}
        predicted_items = {normalise(item) for item in predicted or []}
        common = len(gold_items & predicted_items)
        return Counts(common, len(predicted_items) - common, len(gold_items) - common)
    if gold is None and predicted is None:
        return Counts()
    if gold is None:
        return Counts(fp=1)
    if predicted is None:
        return Counts(fn=1)
    if normalise(gold) == normalise(predicted):
        return Counts(tp=1)
    return Counts(fp=1, fn=1)


def entity_pairs(data: dict[str, Any] | None) -> set[tuple[str, str]]:
    pairs = set()
    for entity_type, items in (data or {}).items():
        for item in items or []:
            pairs.add((entity_type, normalise(item)))
    return pairs


def entity_counts(gold: dict[str, Any], predicted: dict[str, Any] | None) -> Counts:
    gold_pairs, predicted_pairs = entity_pairs(gold), entity_pairs(predicted)
    common = len(gold_pairs & predicted_pairs)
    return Counts(common, len(predicted_pairs) - common, len(gold_pairs) - common)


@dataclass
class GroupScores:
    """Scores of one group of documents (one dataset and schema)."""

    documents: int = 0
    valid: int = 0
    truncated: int = 0
    fields: dict[str, Counts] = field(default_factory=dict)
    cells: dict[str, Counts] = field(default_factory=dict)
    """Per table cell, as `field.cell` (not part of the micro score, which counts each row once)."""
    entities: Counts | None = None

    def add(self, gold: dict[str, Any], predicted: dict[str, Any] | None, truncated: bool, is_entities: bool) -> None:
        self.documents += 1
        self.valid += predicted is not None
        self.truncated += truncated
        for name, gold_value in gold.items():
            predicted_value = (predicted or {}).get(name)
            self.fields.setdefault(name, Counts()).add(field_counts(gold_value, predicted_value))
            if is_table(gold_value):
                for cell, counts in cell_counts(gold_value, predicted_value).items():
                    self.cells.setdefault(f"{name}.{cell}", Counts()).add(counts)
        if is_entities:
            self.entities = self.entities or Counts()
            self.entities.add(entity_counts(gold, predicted))

    def micro(self) -> Counts:
        total = Counts()
        for counts in self.fields.values():
            total.add(counts)
        return total

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "schema_valid_rate": round(self.valid / self.documents, 4) if self.documents else 0.0,
            "truncation_rate": round(self.truncated / self.documents, 4) if self.documents else 0.0,
            "field_f1_micro": self.micro().as_dict(),
            "entity_f1": self.entities.as_dict() if self.entities else None,
            "fields": {name: counts.as_dict() for name, counts in self.fields.items()},
            "cells": {name: counts.as_dict() for name, counts in self.cells.items()},
        }
