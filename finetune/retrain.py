"""`finx retrain`: train on new labeled examples, evaluate against the current adapter, promote
only when the candidate is not worse.

    finx retrain --examples new.jsonl [--from-scratch] [--tolerance 0.01] [--dev finetune/dev]

Steps: validate the new examples (bad lines are reported and left out); drop the ones already used
by the current adapter's lineage (content hashes); train from the current adapter, or from scratch
over all data the lineage used plus the new examples; evaluate current and candidate on the fixed
dev set with the same engine and decoding; register the candidate as a new version; promote it
only if no dev dataset's headline score drops by more than the tolerance. Nothing touches the
registry until training and evaluation have finished, so a crash leaves the current adapter serving.
"""

import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from finetune.evaluate import evaluate, headline
from finetune.examples import Example, load_examples, write_examples
from finetune.train import TrainConfig, examples_hash
from finetune.train import main as train_main
from service.adapters.registry import AdapterRegistry, CurrentChanged
from service.config import EngineConfig, finx_home
from service.errors import FinxError

DEFAULT_RETRAIN_CONFIG = Path(__file__).resolve().parent / "configs" / "retrain.yaml"
DEFAULT_DEV = Path(str(resources.files("finetune").joinpath("dev")))
"""The hand-made dev examples shipped as package data (in a checkout and in a wheel)."""
HASHES_FILE = "examples.sha256"
EXAMPLES_FILE = "examples.jsonl"


@dataclass
class RetrainOutcome:
    promoted: bool
    reason: str
    version: str | None = None
    new_examples: int = 0
    duplicates: int = 0
    bad_lines: list[str] = field(default_factory=list)
    current_scores: dict[str, float] = field(default_factory=dict)
    candidate_scores: dict[str, float] = field(default_factory=dict)


def should_promote(current: dict[str, float], candidate: dict[str, float], tolerance: float) -> tuple[bool, str]:
    """Promote unless some dataset's headline score drops by more than `tolerance`."""
    drops = {key: current[key] - candidate.get(key, 0.0) for key in current}
    worst = max(drops, key=lambda key: drops[key], default=None)
    if worst is not None and drops[worst] > tolerance:
        return False, f"{worst} drops {current[worst]:.3f} -> {candidate.get(worst, 0.0):.3f} (tolerance {tolerance})"
    return True, "no dev dataset worse beyond the tolerance"


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
) -> RetrainOutcome:
    report = load_examples(examples_path)
    current, current_path = registry.current()
    known = lineage_hashes(registry, current)
    new = [example for example in report.examples if example.content_hash not in known]
    outcome = RetrainOutcome(False, "", new_examples=len(new), bad_lines=report.errors)
    outcome.duplicates = len(report.examples) - len(new)
    if not new:
        outcome.reason = "no new examples to train on"
        return outcome
    dev_examples = load_dev(dev)

    runs = finx_home() / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="retrain-", dir=runs))
    try:
        return train_and_gate(
            new, known, current, current_path, registry, config_path, run_dir, dev_examples, from_scratch, tolerance,
            engine_name, outcome,
        )  # fmt: skip
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)  # the registry holds its own copy of the adapter


def train_and_gate(
    new: list[Example],
    known: set[str],
    current: str | None,
    current_path: Path | None,
    registry: AdapterRegistry,
    config_path: Path,
    run_dir: Path,
    dev_examples: list[Example],
    from_scratch: bool,
    tolerance: float,
    engine_name: str,
    outcome: RetrainOutcome,
) -> RetrainOutcome:
    config = TrainConfig.from_yaml(config_path, output_dir=str(run_dir))
    if from_scratch or current is None:
        training = [*training_examples_of(config), *lineage_examples(registry, current), *new]
        config = replace(config, init_adapter=None)
    else:
        training = new
        config = replace(config, init_adapter=current_path)
    adapter_dir = train_main(config, examples=training)
    write_examples(new, adapter_dir / EXAMPLES_FILE)
    (adapter_dir / HASHES_FILE).write_text("\n".join(sorted(known | {e.content_hash for e in new})) + "\n")

    from service.engines import create_engine

    reports = []
    for adapter in (current_path, adapter_dir):  # each merged into the weights: no LoRA kernels
        engine_config = EngineConfig(engine=engine_name, merged_adapter=adapter, enable_lora=False)  # type: ignore[arg-type]
        with create_engine(engine_config) as engine:
            reports.append(evaluate(engine, dev_examples, adapter=adapter))
    current_report, candidate_report = reports
    outcome.current_scores = headlines(current_report)
    outcome.candidate_scores = headlines(candidate_report)
    promote, reason = should_promote(outcome.current_scores, outcome.candidate_scores, tolerance)
    manifest = registry.register(
        adapter_dir,
        parent=current,
        command=shlex.join(["finx", *sys.argv[1:]]) if sys.argv else "finx retrain",
        data={"examples_sha256": examples_hash(training), "new_examples": len(new), "from_scratch": from_scratch},
        scores={"dev": outcome.candidate_scores, "current_on_dev": outcome.current_scores},
    )
    if promote:
        try:
            registry.promote(manifest.version, expected_current=current)
        except CurrentChanged as changed:  # an owner promoted or rolled back while this trained
            promote, reason = False, changed.message
    outcome.promoted, outcome.reason, outcome.version = promote, reason, manifest.version
    return outcome


def training_examples_of(config: TrainConfig) -> list[Example]:
    from finetune.train import load_training_examples

    return load_training_examples(config)[0] if config.sources else []


def headlines(report: dict[str, Any]) -> dict[str, float]:
    return {key: headline(group) for key, group in report["groups"].items()}
