"""Calibration of per-value confidence: observations from gold and predicted objects, the
reliability table, ECE, precision/coverage by threshold, and the review effort."""

import pytest

from finx.training.calibration import Observation, calibration, review_effort, value_observations


def test_every_returned_value_is_one_observation() -> None:
    gold = {"company": "ACME Ltd", "total": "9.00", "date": None, "org": ["Acme", "Beta"]}
    predicted = {"company": "acme  ltd", "total": "9.10", "date": None, "org": ["Beta", "Gamma"]}
    confidence = {"company": 0.9, "total": 0.6, "date": 0.99, "org[0]": 0.8, "org[1]": 0.3}
    assert value_observations(gold, predicted, confidence) == [
        Observation(0.9, True), Observation(0.6, False), Observation(0.8, True), Observation(0.3, False),
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
