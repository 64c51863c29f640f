"""`finx retrain`: train on new labeled examples, evaluate against the current adapter, promote
only when the candidate is not worse on anything measured.

    finx retrain --examples new.jsonl [--from-scratch] [--tolerance 0.01] [--tolerance-for receipt=0.02]
                 [--dev owner-dev.jsonl] [--strict-labels]

Steps: validate the new examples (bad lines are reported and left out); drop the ones already used
by the current adapter's lineage (content hashes); check their labels (`labels.check_labels`:
listed before any training, and with `strict_labels` a reason to stop); hold back a share of them
per schema (stable by id hash, at least `MIN_HELD_BACK`) to measure whether the candidate learned
what the owner asked for; train from the current adapter, or from scratch over all data the lineage
used plus the new examples; evaluate current and candidate with the same engine and decoding on
the fixed dev set (hand-made documents of every built-in schema), the held-back examples and the
owner's own dev files; register the candidate as a new version with its per-group and per-field
scores; promote it only if no group's headline score drops by more than its schema's tolerance,
and never refuse for less than the group's noise floor (`NOISE_VALUES` gold values' worth).
The reason names the group and the fields that decided it. Nothing touches the registry until
training and evaluation have finished, so a crash leaves the current adapter serving.
"""

import hashlib
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from finx.adapters.registry import AdapterRegistry, CurrentChanged
from finx.adapters.resolve import ResolvedAdapter, registry_version
from finx.config import EngineConfig, ExtractionPolicy, configured_model_dir, finx_home
from finx.errors import FinxError, storage_error
from finx.training.data import in_dev_split
from finx.training.evaluate import evaluate, headline
from finx.training.examples import Example, load_examples, write_examples
from finx.training.labels import LabelIssue, check_labels, issues_by_field
from finx.training.train import TrainConfig, examples_hash
from finx.training.train import main as train_main

DEFAULT_RETRAIN_CONFIG = Path(__file__).resolve().parent / "configs" / "retrain.yaml"
DEFAULT_DEV = Path(str(resources.files("finx.training").joinpath("dev")))
"""The hand-made dev examples shipped as package data (in a checkout and in a wheel)."""
HASHES_FILE = "examples.sha256"
EXAMPLES_FILE = "examples.jsonl"
HELD_BACK_FRACTION = 0.2
"""Share of each schema's new examples kept out of training to measure the candidate on."""
MIN_HELD_BACK = 2
"""At least this many per schema are held back; a schema with fewer than twice as many new
examples is not held back (every one is needed for training) and the report says so."""
HELD_BACK_SOURCE = "held-back"
OWNER_DEV_SOURCE = "owner-dev"
NOISE_VALUES = 2
"""A candidate may move a group's score by this many gold values' worth without being refused:
on a dev set of a dozen documents one value flips by chance (`noise_floors`)."""


@dataclass
class RetrainOutcome:
    promoted: bool
    reason: str
    version: str | None = None
    new_examples: int = 0
    duplicates: int = 0
    bad_lines: list[str] = field(default_factory=list)
    label_issues: list[LabelIssue] = field(default_factory=list)
    held_back: dict[str, int] = field(default_factory=dict)
    """How many new examples of each schema were held back for measurement (0: too few)."""
    current_scores: dict[str, float] = field(default_factory=dict)
    candidate_scores: dict[str, float] = field(default_factory=dict)
    current_fields: dict[str, dict[str, float]] = field(default_factory=dict)
    candidate_fields: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per group, F1 of each field."""


def group_schema(group: str) -> str:
    """The schema of a report group `source/schema` (`entities:ORG,PERSON` counts as `entities`)."""
    return group.split("/", 1)[-1].split(":", 1)[0]


def noise_floors(report: dict[str, Any]) -> dict[str, float]:
    """Per group, the score change of `NOISE_VALUES` gold values: on a small dev set a score moves
    by that much by chance, so no tolerance below it is applied."""
    floors = {}
    for key, group in report["groups"].items():
        counts = group.get("entity_f1") or group.get("field_f1_micro") or {}
        values = counts.get("tp", 0) + counts.get("fn", 0)
        floors[key] = round(NOISE_VALUES / values, 4) if values else 0.0
    return floors


def should_promote(
    current: dict[str, float],
    candidate: dict[str, float],
    tolerance: float,
    tolerances: dict[str, float] | None = None,
    current_fields: dict[str, dict[str, float]] | None = None,
    candidate_fields: dict[str, dict[str, float]] | None = None,
    floors: dict[str, float] | None = None,
) -> tuple[bool, str]:
    """Promote unless some group's headline score drops by more than its schema's tolerance
    (`tolerances` by schema name, else `tolerance`, and never less than the group's noise floor);
    the reason names the group and its fields."""
    configured = {key: (tolerances or {}).get(group_schema(key), tolerance) for key in current}
    allowed = {key: max(configured[key], (floors or {}).get(key, 0.0)) for key in current}
    excess = {key: current[key] - candidate.get(key, 0.0) - allowed[key] for key in current}
    worst = max(excess, key=lambda key: excess[key], default=None)
    if worst is None or excess[worst] <= 0:
        return True, "no measured group worse beyond its tolerance"
    reason = f"{worst} drops {current[worst]:.3f} -> {candidate.get(worst, 0.0):.3f} (tolerance {allowed[worst]})"
    before, after = (current_fields or {}).get(worst, {}), (candidate_fields or {}).get(worst, {})
    drops = sorted(
        ((before[name] - after.get(name, 0.0), name) for name in before if before[name] > after.get(name, 0.0)),
        reverse=True,
    )
    if drops:
        reason += ": " + ", ".join(f"{name} {before[name]:.2f} -> {after.get(name, 0.0):.2f}" for _, name in drops[:3])
    return False, reason


def hold_back(examples: list[Example]) -> tuple[list[Example], list[Example], dict[str, int]]:
    """(to train on, held back, held-back count per schema): per schema the examples whose id hash
    falls in the first `HELD_BACK_FRACTION`, topped up to `MIN_HELD_BACK` in id-hash order."""
    by_schema: dict[str, list[Example]] = {}
    for example in examples:
        by_schema.setdefault(example.schema.name, []).append(example)
    held: list[Example] = []
    counts: dict[str, int] = {}
    for name, group in by_schema.items():
        if len(group) < 2 * MIN_HELD_BACK:
            counts[name] = 0
            continue
        chosen = [example for example in group if in_dev_split(example.id, HELD_BACK_FRACTION)]
        if len(chosen) < MIN_HELD_BACK:
            rest = sorted((e for e in group if e not in chosen), key=lambda e: hashlib.sha256(e.id.encode()).digest())
            chosen += rest[: MIN_HELD_BACK - len(chosen)]
        held.extend(chosen)
        counts[name] = len(chosen)
    held_ids = {id(example) for example in held}
    train = [example for example in examples if id(example) not in held_ids]
    return train, [replace(example, source=HELD_BACK_SOURCE) for example in held], counts


def within_length(examples: list[Example]) -> tuple[list[Example], list[str]]:
    """The examples no longer than a document finx serves (`ExtractionPolicy`: `max_chunks`
    windows of `chunk_tokens`), and a message for each longer one (they are not trained on: a
    single 10 MB example would cut into thousands of records)."""
    policy = ExtractionPolicy()
    limit = policy.max_chunks * policy.chunk_tokens
    tokenizer: Any = None
    kept, refused = [], []
    for example in examples:
        if len(example.text) <= limit:  # a token is at least one character: short enough unread
            kept.append(example)
            continue
        if tokenizer is None:  # loaded only when an example could be too long
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(configured_model_dir())
        tokens = len(tokenizer(example.text, add_special_tokens=False)["input_ids"])
        if tokens > limit:
            refused.append(f"{example.id}: {tokens} tokens, over the {limit}-token limit of a document")
        else:
            kept.append(example)
    return kept, refused


def lineage_hashes(registry: AdapterRegistry, version: str | None) -> set[str]:
    hashes: set[str] = set()
    while version:
        folder = registry.path(version)
        if (folder / HASHES_FILE).is_file():
            hashes.update((folder / HASHES_FILE).read_text().split())
        version = registry.manifest(version).parent
    return hashes


def lineage_examples(registry: AdapterRegistry, version: str | None) -> list[Example]:
    examples: list[Example] = []
    while version:
        path = registry.path(version) / EXAMPLES_FILE
        if path.is_file():
            examples.extend(load_examples(path).examples)
        version = registry.manifest(version).parent
    return examples


def load_dev(dev: Path) -> list[Example]:
    files = sorted(dev.glob("*.jsonl")) if dev.is_dir() else [dev]
    examples = [example for path in files for example in load_examples(path).examples]
    if not examples:
        raise FinxError(f"no dev examples in {dev}")
    return examples


def retrain(
    examples_path: Path,
    registry: AdapterRegistry,
    config_path: Path = DEFAULT_RETRAIN_CONFIG,
    dev: Path = DEFAULT_DEV,
    from_scratch: bool = False,
    tolerance: float = 0.01,
    engine_name: str = "vllm",
    owner_dev: list[Path] | None = None,
    tolerances: dict[str, float] | None = None,
    strict_labels: bool = False,
    notify: Callable[[str], None] = lambda message: None,
) -> RetrainOutcome:
    """Train a candidate on the new examples of `examples_path` and promote it if the gate passes;
    `notify` gets what an owner should see before training starts (suspicious labels, held back)."""
    report = load_examples(examples_path)
    report.examples, too_long = within_length(report.examples)
    report.errors += too_long
    if not report.examples:
        raise FinxError(
            f"no usable examples in {examples_path}: {len(report.errors)} bad lines, none good",
            hint=(report.errors[0] if report.errors else "the file is empty") + "; nothing was trained",
        )
    current, current_path = registry.current()
    known = lineage_hashes(registry, current)
    new = [example for example in report.examples if example.content_hash not in known]
    outcome = RetrainOutcome(False, "", new_examples=len(new), bad_lines=report.errors)
    outcome.duplicates = len(report.examples) - len(new)
    if not new:
        outcome.reason = "no new examples to train on"
        return outcome
    outcome.label_issues = check_labels(new)
    for issue in outcome.label_issues:
        notify(f"suspicious label: {issue}")
    if outcome.label_issues:
        by_field = ", ".join(f"{name} {count}" for name, count in issues_by_field(outcome.label_issues).items())
        notify(f"{len(outcome.label_issues)} suspicious labels in {len(new)} new examples: {by_field}")
    if strict_labels and outcome.label_issues:
        outcome.reason = f"{len(outcome.label_issues)} suspicious labels (--strict-labels): nothing was trained"
        return outcome
    train, held, outcome.held_back = hold_back(new)
    for name, count in outcome.held_back.items():
        notify(f"held back {count} new {name} examples to measure the candidate" if count else
               f"{name}: too few new examples to hold any back (fewer than {2 * MIN_HELD_BACK})")  # fmt: skip
    dev_examples = load_dev(dev) + held
    for path in owner_dev or []:
        dev_examples += [replace(example, source=OWNER_DEV_SOURCE) for example in load_dev(path)]

    runs = finx_home() / "runs"
    try:
        runs.mkdir(parents=True, exist_ok=True)
        run_dir = Path(tempfile.mkdtemp(prefix="retrain-", dir=runs))
    except OSError as error:
        raise storage_error(runs, error, "free space under $FINX_HOME/runs; nothing was trained") from None
    try:
        gate = Gate(dev_examples, tolerance, tolerances or {})
        adapter = registry_version(current, current_path)
        run = RetrainRun(registry, adapter, train, new, known, config_path, run_dir, from_scratch, engine_name)
        return train_and_gate(run, gate, outcome)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)  # the registry holds its own copy of the adapter


@dataclass(frozen=True)
class Gate:
    """What a candidate is measured on, and how much worse each schema may get."""

    dev_examples: list[Example]
    tolerance: float
    tolerances: dict[str, float]


@dataclass(frozen=True)
class RetrainRun:
    """What one retraining trains on and from, and where it writes."""

    registry: AdapterRegistry
    current: ResolvedAdapter
    """The adapter serving now (a registry version, or the base model when there is none)."""
    train: list[Example]
    """The new examples trained on (the held-back ones are measured instead)."""
    new: list[Example]
    """Every new example (recorded in the candidate's lineage, held-back ones included)."""
    known: set[str]
    """Content hashes of the examples the current adapter's lineage already used."""
    config_path: Path
    run_dir: Path
    from_scratch: bool
    engine_name: str


def train_and_gate(run: RetrainRun, gate: Gate, outcome: RetrainOutcome) -> RetrainOutcome:
    """Train the candidate, measure it and the current adapter on the gate's examples, register
    it, and promote it if the gate passes (by compare-and-swap)."""
    registry, current_adapter, new, known = run.registry, run.current, run.new, run.known
    current = current_adapter.label if current_adapter.path is not None else None
    config = TrainConfig.from_yaml(run.config_path, output_dir=str(run.run_dir))
    if run.from_scratch or current is None:
        training = [*training_examples_of(config), *lineage_examples(registry, current), *run.train]
        config = replace(config, init_adapter=None)
    else:
        training = run.train
        config = replace(config, init_adapter=current_adapter.path)
    adapter_dir = train_main(config, examples=training)
    # the held-back examples are the owner's too: the lineage records them, so a later retrain
    # does not count them as new (they are measured, not trained on, this time)
    write_examples(new, adapter_dir / EXAMPLES_FILE)
    (adapter_dir / HASHES_FILE).write_text("\n".join(sorted(known | {e.content_hash for e in new})) + "\n")

    from finx.engines import create_engine

    reports = []
    for adapter in (current_adapter, ResolvedAdapter.folder(adapter_dir)):  # each merged: no LoRA kernels
        engine_config = EngineConfig(engine=run.engine_name).merged(adapter.path)  # type: ignore[arg-type]
        with create_engine(engine_config) as engine:
            reports.append(evaluate(engine, gate.dev_examples, adapter=adapter))
    current_report, candidate_report = reports
    outcome.current_scores, outcome.current_fields = headlines(current_report), field_scores(current_report)
    outcome.candidate_scores, outcome.candidate_fields = headlines(candidate_report), field_scores(candidate_report)
    promote, reason = should_promote(
        outcome.current_scores, outcome.candidate_scores, gate.tolerance, gate.tolerances,
        outcome.current_fields, outcome.candidate_fields, noise_floors(current_report),
    )  # fmt: skip
    manifest = registry.register(
        adapter_dir,
        parent=current,
        command=shlex.join(["finx", *sys.argv[1:]]) if sys.argv else "finx retrain",
        data={
            "examples_sha256": examples_hash(training),
            "new_examples": len(new),
            "held_back": outcome.held_back,
            "suspicious_labels": len(outcome.label_issues),
            "from_scratch": run.from_scratch,
        },
        scores={
            "dev": outcome.candidate_scores,
            "current_on_dev": outcome.current_scores,
            "fields": outcome.candidate_fields,
            "current_fields": outcome.current_fields,
            "decision": reason,
        },
    )
    if promote:
        try:
            registry.promote(manifest.version, expected_current=current)
        except CurrentChanged as changed:  # an owner promoted or rolled back while this trained
            promote, reason = False, changed.message
    outcome.promoted, outcome.reason, outcome.version = promote, reason, manifest.version
    return outcome


def training_examples_of(config: TrainConfig) -> list[Example]:
    from finx.training.train import load_training_examples

    return load_training_examples(config)[0] if config.sources else []


def headlines(report: dict[str, Any]) -> dict[str, float]:
    return {key: headline(group) for key, group in report["groups"].items()}


def field_scores(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {
        key: {name: counts["f1"] for name, counts in group.get("fields", {}).items()}
        for key, group in report["groups"].items()
    }
