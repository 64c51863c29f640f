"""Calibration of per-value confidence against labeled examples.

Every value the model returned (a scalar field that is not null, or one item of a list field) is
an observation: its confidence, and whether it is right (the scalar equals the gold value, the item
is among the gold items, compared as `metrics.normalise` does). From these:
- a reliability table: confidence bins with their mean confidence and observed accuracy;
- the expected calibration error (ECE: the count-weighted mean |accuracy - confidence| of the bins);
- precision and coverage of the values at or above each threshold;
- the review effort: how many of the least confident values a person must check (and fix) so that
  all values together reach a target precision.
"""

import itertools
from dataclasses import dataclass
from typing import Any

from finx.training.metrics import normalise

BIN_EDGES = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0)
THRESHOLDS = (0.5, 0.8, 0.95)


@dataclass(frozen=True)
class Observation:
    confidence: float
    correct: bool


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
                    observations.append(Observation(confidence[f"{name}[{index}]"], normalise(item) in gold_items))
        elif value is not None and name in confidence:
            observations.append(
                Observation(confidence[name], expected is not None and normalise(expected) == normalise(value))
            )
    return observations


def calibration(observations: list[Observation], target_precision: float = 0.99) -> dict[str, Any]:
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
