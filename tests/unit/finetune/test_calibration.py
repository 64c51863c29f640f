"""Calibration of per-value confidence: observations from gold and predicted objects, the
reliability table, ECE, precision/coverage by threshold, and the review effort."""

import pytest

from finx.training.calibration import Observation, calibration, review_effort, value_observations


def test_every_returned_value_is_one_observation() -> None:
    gold = {"company": "ACME Ltd", "total": "9.00", "date": None, "org": ["Acme", "Beta"]}
    predicted = {"company": "acme  ltd", "total": "9.10", "date": None, "org": ["Beta", "Gamma"]}
    confidence = {"company": 0.9, "total": 0.6, "date": 0.99, "org[0]": 0.8, "org[1]": 0.3}
    assert value_observations(gold, predicted, confidence) == [
        Observation(0.9, True), Observation(0.6, False), Observation(0.8, True, in_list=True),
        Observation(0.3, False, in_list=True),
    ]  # fmt: skip


def test_reliability_table_ece_and_thresholds() -> None:
    observations = [Observation(0.3, False), Observation(0.4, True), Observation(0.97, True), Observation(0.96, True)]
    report = calibration(observations)
    assert report["values"] == 4 and report["accuracy"] == 0.75
    low, top = report["bins"][0], report["bins"][4]
    assert (low["values"], low["mean_confidence"], low["accuracy"]) == (2, 0.35, 0.5)
    assert (top["bin"], top["values"], top["accuracy"]) == ("0.95-0.99", 2, 1.0)
    assert report["ece"] == pytest.approx(0.5 * 0.15 + 0.5 * 0.035, abs=1e-4)
    assert report["thresholds"]["0.5"] == {"precision": 1.0, "coverage": 0.5}


def test_review_effort_counts_the_least_confident_values_to_check() -> None:
    observations = [Observation(c / 10, c not in (1, 4)) for c in range(1, 10)]  # wrong at 0.1 and 0.4
    assert review_effort(observations, 0.99) == {"target": 0.99, "reviewed": 4, "share": 0.444, "below_confidence": 0.4}
    assert review_effort(observations, 0.75)["reviewed"] == 0


def test_list_entries_are_calibrated_apart_and_their_withholding_threshold_is_the_best_f1() -> None:
    from finx.training.calibration import gold_list_entries

    gold = {"org": ["Acme", "acme", "Beta", "Gamma"], "money": [{"amount": "5"}], "total": "9.00"}
    assert gold_list_entries(gold) == 3  # distinct strings; table-like objects are not entries
    entries = [Observation(0.95, True, True), Observation(0.85, True, True), Observation(0.45, False, True),
               Observation(0.35, False, True), Observation(0.2, True, True)]  # fmt: skip
    report = calibration([*entries, Observation(0.99, True)], gold_entries=3)
    assert report["lists"]["values"] == 5 and report["scalars"]["values"] == 1
    assert report["lists"]["accuracy"] == 0.6 and report["scalars"]["accuracy"] == 1.0
    rows = {row["threshold"]: row for row in report["list_thresholds"]["rows"]}
    assert rows[0.0] == {"threshold": 0.0, "precision": 0.6, "recall": 1.0, "f1": 0.75}
    assert rows[0.5] == {"threshold": 0.5, "precision": 1.0, "recall": 0.667, "f1": 0.8}
    assert report["list_thresholds"]["best_threshold"] == 0.5  # the lowest threshold with the best F1
    assert calibration([Observation(0.9, True)])["list_thresholds"] is None
