"""Calibration of per-value confidence against labeled examples.

Every value the model returned (a scalar field that is not null, or one item of a list field) is
an observation: its confidence, and whether it is right (the scalar equals the gold value, the item
is among the gold items, compared as `metrics.normalise` does). From these:
- a reliability table: confidence bins with their mean confidence and observed accuracy;
- the expected calibration error (ECE: the count-weighted mean |accuracy - confidence| of the bins);
- precision and coverage of the values at or above each threshold;
- the review effort: how many of the least confident values a person must check (and fix) so that
  all values together reach a target precision;
- the same for list entries and for scalars apart (`lists`, `scalars`): a list entry's confidence
  means something else than a scalar's (there is no null to choose), so each is judged on its own;
- for list entries, F1 by the threshold below which entries are withheld (`list_thresholds`), and
  the threshold with the best F1: what `--min-confidence` on lists would give.
"""

import itertools
from dataclasses import dataclass
from typing import Any

from finx.training.metrics import Counts, normalise

BIN_EDGES = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0)
THRESHOLDS = (0.5, 0.8, 0.95)
LIST_THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class Observation:
    confidence: float
    correct: bool
    in_list: bool = False


def value_observations(
    gold: dict[str, Any], predicted: dict[str, Any], confidence: dict[str, float]
) -> list[Observation]:
    """One observation per returned value of one document (values without a confidence are skipped)."""
    observations = []
    for name, value in predicted.items():
        expected = gold.get(name)
        if isinstance(value, list):
            gold_items = {normalise(item) for item in expected or []}
            for index, item in enumerate(value):
                if f"{name}[{index}]" in confidence:
                    right = normalise(item) in gold_items
                    observations.append(Observation(confidence[f"{name}[{index}]"], right, in_list=True))
        elif value is not None and name in confidence:
            observations.append(
                Observation(confidence[name], expected is not None and normalise(expected) == normalise(value))
            )
    return observations


def gold_list_entries(gold: dict[str, Any]) -> int:
    """How many distinct entries the gold lists of strings of one document hold (the recall
    denominator; lists of objects, such as table rows, have confidences per cell, not per entry)."""
    return sum(
        len({normalise(item) for item in value if not isinstance(item, dict)})
        for value in gold.values()
        if isinstance(value, list)
    )


def calibration(
    observations: list[Observation], gold_entries: int = 0, target_precision: float = 0.99
) -> dict[str, Any]:
    """`reliability` of all values, then of list entries and of scalars apart, and F1 of list
    entries by withholding threshold (`gold_entries`: the gold list entries of the same documents)."""
    lists = [o for o in observations if o.in_list]
    return {
        **reliability(observations, target_precision),
        "lists": reliability(lists, target_precision),
        "scalars": reliability([o for o in observations if not o.in_list], target_precision),
        "list_thresholds": list_thresholds(lists, gold_entries) if lists and gold_entries else None,
    }


def list_thresholds(lists: list[Observation], gold_entries: int) -> dict[str, Any]:
    """Precision, recall and F1 of list entries when those below each threshold are withheld."""
    rows = []
    for threshold in LIST_THRESHOLDS:
        kept = [o for o in lists if o.confidence >= threshold]
        right = sum(o.correct for o in kept)
        counts = Counts(tp=right, fp=len(kept) - right, fn=max(0, gold_entries - right))
        rows.append({"threshold": threshold, "precision": round(counts.precision, 3),
                     "recall": round(counts.recall, 3), "f1": round(counts.f1, 3)})  # fmt: skip
    best = max(rows, key=lambda row: (row["f1"], -row["threshold"]))
    return {"rows": rows, "best_threshold": best["threshold"], "best_f1": best["f1"]}


def reliability(observations: list[Observation], target_precision: float = 0.99) -> dict[str, Any]:
    """Reliability table, ECE, precision/coverage by threshold, and the review effort for `target_precision`."""
    total = len(observations)
    bins = []
    ece = 0.0
    for low, high in itertools.pairwise(BIN_EDGES):
        members = [o for o in observations if low <= o.confidence < high or (high == 1.0 and o.confidence == 1.0)]
        if not members:
            bins.append({"bin": f"{low:.2f}-{high:.2f}", "values": 0, "mean_confidence": None, "accuracy": None})
            continue
        mean = sum(o.confidence for o in members) / len(members)
        accuracy = sum(o.correct for o in members) / len(members)
        ece += len(members) / total * abs(accuracy - mean)
        bins.append({"bin": f"{low:.2f}-{high:.2f}", "values": len(members), "mean_confidence": round(mean, 3),
                     "accuracy": round(accuracy, 3)})  # fmt: skip
    thresholds = {}
    for threshold in THRESHOLDS:
        kept = [o for o in observations if o.confidence >= threshold]
        thresholds[str(threshold)] = {
            "precision": round(sum(o.correct for o in kept) / len(kept), 3) if kept else None,
            "coverage": round(len(kept) / total, 3) if total else None,
        }
    return {
        "values": total,
        "accuracy": round(sum(o.correct for o in observations) / total, 3) if total else None,
        "ece": round(ece, 4) if total else None,
        "bins": bins,
        "thresholds": thresholds,
        "review_for_precision": review_effort(observations, target_precision),
    }


def review_effort(observations: list[Observation], target: float) -> dict[str, Any]:
    """Least-confident-first review: how many values a reviewer checks before every value together
    is right at `target` precision (reviewed values count as right: the reviewer fixes them)."""
    ordered = sorted(observations, key=lambda o: o.confidence)
    total = len(ordered)
    wrong_left = sum(not o.correct for o in ordered)
    reviewed = 0
    while total and (total - wrong_left) / total < target:
        wrong_left -= not ordered[reviewed].correct
        reviewed += 1
    return {
        "target": target,
        "reviewed": reviewed,
        "share": round(reviewed / total, 3) if total else None,
        "below_confidence": round(ordered[reviewed - 1].confidence, 3) if reviewed else None,
    }
