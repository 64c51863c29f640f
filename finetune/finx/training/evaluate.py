"""`finx eval`: run the extractor over labeled examples and score it (`metrics.py`).

    finx data import sroie ../shared/data/sroie-train --split dev --out runs/dev/sroie.jsonl
    finx eval --data runs/dev/sroie.jsonl [--adapter PATH] [--engine vllm] --report runs/eval.json \
        --predictions runs/eval-predictions.jsonl

Prints one table row per dataset and schema and writes the full JSON report (per field
precision/recall/F1, entity-level F1 for entities, schema-validity and truncation rates, documents/s),
and, when asked, each document's gold and answer with its confidences (for reading the errors).
Fields an example declares `unlabelled` are not scored (neither its null nor the prediction).

Without `--min-confidence` the answers are scored as served: every value is extracted with its
confidence (so calibration sees the entries a served answer withholds too), then the serving
policy's threshold (`ExtractionPolicy.min_confidence`: entity lists at `list_min_confidence`) is
applied before scoring, and what it withholds is listed with the prediction's withheld values. With
`--min-confidence X` that threshold is the request's, as a caller's would be.
"""

import json
import time
from dataclasses import replace
from typing import Any, TextIO

from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter
from finx.config import ExtractionPolicy
from finx.engines.base import Engine
from finx.errors import FinxError
from finx.extraction.confidence import leaf_values, merged_confidences, withhold
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
    requested = (options or ExtractOptions()).min_confidence
    every_value = replace(options or ExtractOptions(), min_confidence=0.0 if requested is None else requested)
    tasks = [ExtractionTask(example.text, example.schema, adapter, every_value) for example in examples]
    extractor = Extractor(engine)
    started = time.perf_counter()
    outcomes = extractor.extract_many(tasks)
    seconds = time.perf_counter() - started
    groups: dict[str, GroupScores] = {}
    observations: dict[str, list[Observation]] = {}
    gold_entries: dict[str, int] = {}
    errors: list[str] = []
    below_threshold: list[dict[str, Any]]
    for example, outcome in zip(examples, outcomes, strict=True):
        key = f"{example.source or 'jsonl'}/{example.schema.name}"
        gold = example.labelled(example.target)
        predicted = outcome.data if isinstance(outcome, ExtractionResult) else None
        every_confidence = outcome.confidence if isinstance(outcome, ExtractionResult) else {}
        if predicted is not None:
            predicted = example.labelled(predicted)
        served, below_threshold = predicted, []
        if isinstance(outcome, ExtractionResult) and outcome.data is not None and requested is None:
            outcome, below_threshold = as_served(outcome, example.schema.json_schema, extractor.policy)
            served = example.labelled(outcome.data) if outcome.data is not None else None
        truncated = isinstance(outcome, ExtractionResult) and outcome.truncated
        if isinstance(outcome, FinxError):
            errors.append(f"{example.id}: {outcome}")
        is_entities = example.schema.name.startswith("entities")
        groups.setdefault(key, GroupScores()).add(gold, served, truncated, is_entities)
        gold_entries[key] = gold_entries.get(key, 0) + gold_list_entries(gold)
        if predicted is not None and isinstance(outcome, ExtractionResult):
            observations.setdefault(key, []).extend(value_observations(gold, predicted, every_confidence))
        if predictions is not None:
            record = prediction_record(example, key, gold, served, outcome, below_threshold)
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


def as_served(
    outcome: ExtractionResult, schema: dict[str, Any], policy: ExtractionPolicy
) -> tuple[ExtractionResult, list[dict[str, Any]]]:
    """(`outcome` with what the serving policy's threshold withholds taken out of its data and
    confidences, those values as withheld entries); `outcome` unchanged where the policy sets no
    threshold for the schema or nothing falls below it."""
    threshold = policy.min_confidence(schema, None)
    if threshold is None or outcome.data is None:
        return outcome, []
    removed: list[str] = []
    served = withhold(outcome.data, schema, outcome.confidence, threshold, removed)
    if not removed:
        return outcome, []
    values = leaf_values(outcome.data)
    confidence = merged_confidences([(values, outcome.confidence)], served)  # renumbered as the served lists
    below = [
        {
            "path": path,
            "value": values.get(path),
            "confidence": outcome.confidence.get(path),
            "reason": "below_confidence",
        }
        for path in removed
    ]
    return outcome.model_copy(update={"data": served, "confidence": confidence}), below


def prediction_record(
    example: Example,
    group: str,
    gold: dict[str, Any],
    predicted: dict[str, Any] | None,
    outcome: ExtractionResult | FinxError,
    below_threshold: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One document as scored: its id and group, the labelled gold and answer, the answer's status,
    confidences and withheld values (with those the serving threshold withheld for scoring), or the
    error it failed with."""
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
            *(
                {"path": source.path, "value": source.value, "confidence": source.confidence, "reason": source.reason}
                for source in outcome.withheld
            ),
            *(below_threshold or []),
        ],
    }


def headline(group: dict[str, Any]) -> float:
    """The number a dataset is judged by: entity F1 for entities, micro field F1 otherwise."""
    return (group["entity_f1"] or group["field_f1_micro"])["f1"]


def table_rows_f1(group: dict[str, Any]) -> float | None:
    """The row F1 of a group's tables (a row right when its description and amount are; pooled over
    tables), None where its schema has none."""
    tables = {cell.split(".")[0] for cell in group.get("cells", {})}
    if not tables:
        return None
    tp, fp, fn = (sum(group["fields"][name][count] for name in tables) for count in ("tp", "fp", "fn"))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
