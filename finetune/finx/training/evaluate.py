"""`finx eval`: run the extractor over labeled examples and score it (`metrics.py`).

    finx data import sroie ../shared/data/sroie-train --split dev --out runs/dev/sroie.jsonl
    finx eval --data runs/dev/sroie.jsonl [--adapter PATH] [--engine vllm] --report runs/eval.json \
        --predictions runs/eval-predictions.jsonl

Prints one table row per dataset and schema and writes the full JSON report (per field
precision/recall/F1, entity-level F1 for entities, schema-validity and truncation rates, documents/s),
and, when asked, each document's gold and answer with its confidences (for reading the errors).
Fields an example declares `unlabelled` are not scored (neither its null nor the prediction).
"""

import json
import time
from typing import Any, TextIO

from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter
from finx.engines.base import Engine
from finx.errors import FinxError
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult
from finx.training.calibration import Observation, calibration, gold_list_entries, value_observations
from finx.training.examples import Example
from finx.training.metrics import GroupScores


def evaluate(
    engine: Engine,
    examples: list[Example],
    adapter: ResolvedAdapter = BASE_MODEL,
    options: ExtractOptions | None = None,
    predictions: TextIO | None = None,
) -> dict[str, Any]:
    """Scores of the engine (with `adapter`, or the base model) on `examples`, grouped by dataset and
    schema; with `predictions`, one JSON line per document is written there (`prediction_record`)."""
    tasks = [ExtractionTask(example.text, example.schema, adapter, options or ExtractOptions()) for example in examples]
    started = time.perf_counter()
    outcomes = Extractor(engine).extract_many(tasks)
    seconds = time.perf_counter() - started
    groups: dict[str, GroupScores] = {}
    observations: dict[str, list[Observation]] = {}
    gold_entries: dict[str, int] = {}
    errors: list[str] = []
    for example, outcome in zip(examples, outcomes, strict=True):
        key = f"{example.source or 'jsonl'}/{example.schema.name}"
        gold = example.labelled(example.target)
        predicted = outcome.data if isinstance(outcome, ExtractionResult) else None
        if predicted is not None:
            predicted = example.labelled(predicted)
        truncated = isinstance(outcome, ExtractionResult) and outcome.truncated
        if isinstance(outcome, FinxError):
            errors.append(f"{example.id}: {outcome}")
        is_entities = example.schema.name.startswith("entities")
        groups.setdefault(key, GroupScores()).add(gold, predicted, truncated, is_entities)
        gold_entries[key] = gold_entries.get(key, 0) + gold_list_entries(gold)
        if predicted is not None and isinstance(outcome, ExtractionResult):
            observations.setdefault(key, []).extend(value_observations(gold, predicted, outcome.confidence))
        if predictions is not None:
            record = prediction_record(example, key, gold, predicted, outcome)
            predictions.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {
        "engine": engine.name,
        "dtype": engine.dtype,
        "model": engine.base_model_dir.name,
        "merged_adapter": str(engine.merged_adapter) if engine.merged_adapter else None,
        "adapter": adapter.label,
        "documents": len(examples),
        "seconds": round(seconds, 1),
        "documents_per_s": round(len(examples) / seconds, 3) if seconds else 0.0,
        "errors": errors,
        "groups": {
            key: {**scores.as_dict(), "calibration": calibration(observations.get(key, []), gold_entries.get(key, 0))}
            for key, scores in sorted(groups.items())
        },
    }


def prediction_record(
    example: Example,
    group: str,
    gold: dict[str, Any],
    predicted: dict[str, Any] | None,
    outcome: ExtractionResult | FinxError,
) -> dict[str, Any]:
    """One document as scored: its id and group, the labelled gold and answer, the answer's status,
    confidences and withheld values, or the error it failed with."""
    if isinstance(outcome, FinxError):
        return {"id": example.id, "group": group, "gold": gold, "predicted": None, "error": str(outcome)}
    return {
        "id": example.id,
        "group": group,
        "gold": gold,
        "predicted": predicted,
        "status": outcome.status,
        "error": outcome.error,
        "chunks": outcome.chunks,
        "confidence": outcome.confidence,
        "withheld": [
            {"path": source.path, "value": source.value, "confidence": source.confidence} for source in outcome.withheld
        ],
    }


def headline(group: dict[str, Any]) -> float:
    """The number a dataset is judged by: entity F1 for entities, micro field F1 otherwise."""
    return (group["entity_f1"] or group["field_f1_micro"])["f1"]
