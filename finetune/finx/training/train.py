"""`finx train`: LoRA fine-tuning with TRL's SFTTrainer on the project's labeled data.

    finx train --config finetune/finx/training/configs/default.yaml
    finx train --config finetune/finx/training/configs/default.yaml --max-steps 3 --output-dir /tmp/run   # smoke run

Records come from `sft_data.build_records` (serving chunker + serving prompt builder), loss is on
the completion only (TRL projects only those positions through the output head), LoRA via PEFT.
Precision: `auto` trains in bfloat16 where the CPU (or GPU) has bf16 units (frozen base weights
in bf16, LoRA weights and optimizer in float32, bf16 autocast) and in float32 elsewhere; the choice
is logged and recorded. The run's length is in passes (`epochs`, and `repeat` per source), not
steps. Checkpoints go to `<output_dir>/checkpoints` every `checkpoint_minutes` (and every
`save_steps`), and a rerun of the same command resumes from the latest, saying so; the final
adapter is written to `<output_dir>/adapter` with `training.json` (data counts and hashes, steps,
losses, time, precision, tokens/s).
"""

import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import yaml

from finx.config import ExtractionPolicy, configured_model_dir
from finx.errors import FinxError
from finx.hardware import fast_dtype
from finx.training.data import DataSource, read_source
from finx.training.examples import Example
from finx.training.grow import grown_adapter


@dataclass
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"


@dataclass
class TrainConfig:
    """Everything a training run needs; loaded from YAML, each key documented in configs/default.yaml."""

    output_dir: Path
    sources: list[DataSource]
    base_model: Path | None = None
    init_adapter: Path | None = None
    """Start from this adapter instead of a fresh LoRA (retraining): with its own rank, alpha and
    targets, or grown to `lora.r` (and `lora.alpha`) where that is larger (`grow.py`)."""
    lora: LoraSettings = field(default_factory=LoraSettings)
    max_length: int = 1280
    batch_size: int = 4
    gradient_accumulation_steps: int = 2
    learning_rate: float = 2e-4
    epochs: float = 1.0
    max_steps: int = -1
    warmup_ratio: float = 0.03
    logging_steps: int = 5
    save_steps: int = 25
    seed: int = 0
    empty_chunk_fraction: float = 0.25
    scalar_free_chunk_fraction: float = 1.0
    """Share of long-document chunks holding none of the schema's single values that are kept."""
    group_by_length: bool = True
    """Batch records of similar length together, so little compute goes into padding."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass: saves memory, costs ~30% more compute (TRL's
    default is on; off suits a CPU with RAM to spare)."""
    precision: Literal["auto", "float32", "bfloat16"] = "auto"
    """`auto`: bfloat16 where the device has bf16 units (`finx.hardware.fast_dtype`), else float32."""
    checkpoint_minutes: float = 10.0
    """Write a checkpoint at least this often (besides every `save_steps`), so a stopped run loses little."""

    @classmethod
    def from_yaml(cls, path: Path, **overrides: Any) -> "TrainConfig":
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise FinxError(f"cannot read training config {path}: {error}") from None
        raw.update({key: value for key, value in overrides.items() if value is not None})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise FinxError(f"unknown key '{unknown[0]}' in {path}", hint="known: " + ", ".join(sorted(known)))
        try:
            raw["sources"] = [DataSource(**{**s, "path": Path(s["path"])}) for s in raw.get("sources", [])]
            raw["lora"] = LoraSettings(**raw.get("lora", {}))
        except (TypeError, KeyError) as error:
            raise FinxError(f"bad data source or lora settings in {path}: {error}") from None
        for key in ("output_dir", "base_model", "init_adapter"):
            if raw.get(key) is not None:
                raw[key] = Path(raw[key])
        if "output_dir" not in raw:
            raise FinxError(f"{path} needs an output_dir")
        return cls(**raw)


def load_training_groups(config: TrainConfig) -> tuple[list[tuple[list[Example], int]], list[str]]:
    """Each source's examples with its `repeat`, and the loaders' messages about bad lines."""
    groups: list[tuple[list[Example], int]] = []
    errors: list[str] = []
    for source in config.sources:
        report = read_source(source)
        groups.append((report.examples, source.repeat))
        errors.extend(report.errors)
    return groups, errors


def load_training_examples(config: TrainConfig) -> tuple[list[Example], list[str]]:
    groups, errors = load_training_groups(config)
    return [example for examples, _ in groups for example in examples], errors


def resolve_precision(choice: str, cuda: bool) -> str:
    return fast_dtype(cuda) if choice == "auto" else choice


def checkpoint_every(minutes: float) -> Any:
    """A TRL/transformers callback that asks for a checkpoint when `minutes` have passed since the last."""
    from transformers import TrainerCallback

    class CheckpointEvery(TrainerCallback):
        def __init__(self) -> None:
            self.last = time.monotonic()

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if time.monotonic() - self.last >= minutes * 60:
                control.should_save = True
            return control

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            self.last = time.monotonic()
            return control

    return CheckpointEvery()


def latest_checkpoint(checkpoints: Path) -> Path | None:
    found = [path for path in checkpoints.glob("checkpoint-*") if path.name.split("-")[-1].isdigit()]
    return max(found, key=lambda path: int(path.name.split("-")[-1])) if found else None


def examples_hash(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for content_hash in sorted(example.content_hash for example in examples):
        digest.update(content_hash.encode())
    return digest.hexdigest()


def main(config: TrainConfig, examples: list[Example] | None = None) -> Path:
    """Train and return the adapter folder. `examples` overrides the config's sources."""
    import torch
    from peft import LoraConfig, PeftConfig, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from datasets import Dataset
    from finx.training.sft_data import ChunkSettings, build_records

    started = time.time()
    errors: list[str] = []
    if examples is None:
        groups, errors = load_training_groups(config)
    else:
        groups = [(examples, 1)]
    examples = [example for group, _ in groups for example in group]
    if not examples:
        raise FinxError("no training examples", hint="check the sources in the config")
    model_dir = config.base_model or configured_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    settings = ChunkSettings(ExtractionPolicy(), config.empty_chunk_fraction, config.scalar_free_chunk_fraction)
    records = []
    for group, repeat in groups:
        records.extend(build_records(group, tokenizer, settings, seed=config.seed) * repeat)
    records = [record for record in records if len(record["input_ids"]) <= config.max_length]
    dataset = Dataset.from_list(records).shuffle(seed=config.seed)

    gpu = torch.cuda.is_available()
    precision = resolve_precision(config.precision, gpu)
    bf16 = precision == "bfloat16"
    print(f"training in {precision} on {'cuda' if gpu else 'cpu'} ({len(records)} records)", file=sys.stderr)
    # frozen base weights in the training dtype; PEFT keeps the LoRA weights in float32
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16 if bf16 else torch.float32)
    peft_config = None
    if config.init_adapter is not None:
        adapter_config = PeftConfig.from_pretrained(str(config.init_adapter))
        if config.lora.r > adapter_config.r:
            # a larger rank than the adapter's: it grows, computing what it did (`grow.py`)
            print(f"growing {config.init_adapter} to rank {config.lora.r}", file=sys.stderr)
            model = grown_adapter(model, config.init_adapter, adapter_config, config.lora)
        else:
            # rank, alpha and targets are the adapter's own; dropout is a training setting: this run's
            adapter_config.lora_dropout = config.lora.dropout
            model = PeftModel.from_pretrained(model, config.init_adapter, is_trainable=True, config=adapter_config)
    else:
        peft_config = LoraConfig(
            r=config.lora.r,
            lora_alpha=config.lora.alpha,
            lora_dropout=config.lora.dropout,
            target_modules=config.lora.target_modules,
            task_type="CAUSAL_LM",
        )
    checkpoints = config.output_dir / "checkpoints"
    args = SFTConfig(
        output_dir=str(checkpoints),
        completion_only_loss=True,
        max_length=config.max_length,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        learning_rate=config.learning_rate,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        warmup_steps=config.warmup_ratio,  # a float below 1 is a fraction of the run
        lr_scheduler_type="cosine",
        logging_steps=config.logging_steps,
        save_steps=config.save_steps,
        save_total_limit=2,
        seed=config.seed,
        gradient_checkpointing=config.gradient_checkpointing,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
        bf16=bf16,
        use_cpu=not gpu,
        report_to=[],
        dataloader_num_workers=0,
        disable_tqdm=not sys.stderr.isatty(),  # plain log lines (step, loss) when not on a terminal
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        peft_config=peft_config,
        callbacks=[checkpoint_every(config.checkpoint_minutes)],
    )
    resume = latest_checkpoint(checkpoints)
    first_step = int(resume.name.split("-")[-1]) if resume is not None else 0
    if resume is not None:
        print(f"resuming from {resume}", file=sys.stderr)
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    adapter_dir = config.output_dir / "adapter"
    trained: Any = trainer.model
    trained.save_pretrained(adapter_dir)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    # TRL logs the tokens this process trained on (a resumed run counts from its checkpoint), and
    # the runtime and speed below are this process's too
    train_seconds = result.metrics.get("train_runtime", 0) or 1
    logged_tokens = [float(entry["num_tokens"]) for entry in trainer.state.log_history if "num_tokens" in entry]
    tokens_seen = logged_tokens[-1] if logged_tokens else 0.0
    summary = {
        "examples": len(examples),
        "examples_by_source": count_by_source(examples),
        "skipped_lines": errors,
        "records": len(records),
        "examples_sha256": examples_hash(examples),
        "base_model": str(model_dir),
        "init_adapter": str(config.init_adapter) if config.init_adapter else None,
        "steps": trainer.state.global_step,
        "train_loss": result.training_loss,
        "losses": losses,
        "seconds": round(time.time() - started, 1),
        "seconds_per_step": round(
            result.metrics.get("train_runtime", 0) / max(trainer.state.global_step - first_step, 1), 2
        ),
        "trained_tokens": int(tokens_seen),
        "tokens_per_s": round(tokens_seen / train_seconds, 1),
        "device": "cuda" if gpu else "cpu",
        "precision": precision,
        "resumed_from": resume.name if resume else None,
        "config": json.loads(json.dumps(asdict(config), default=str)),
    }
    (adapter_dir / "training.json").write_text(json.dumps(summary, indent=2) + "\n")
    return adapter_dir


def count_by_source(examples: list[Example]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for example in examples:
        counts[example.source or "jsonl"] = counts.get(example.source or "jsonl", 0) + 1
    return counts
