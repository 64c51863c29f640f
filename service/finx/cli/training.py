"""`finx data`, `finx train`, `finx eval`, `finx retrain`, `finx adapters compact`: the commands that
use `finetune/finx/training/`.

The CLI is the composition root: the only place the runtime and training meet."""

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, TextIO

import typer

from finx.cli.app import adapters_app, app, data_app
from finx.cli.common import (
    ENGINE_DEFAULTS,
    CopyGroundingOption,
    DtypeOption,
    MaxBatchOption,
    MaxTokensOption,
    MinConfidenceOption,
    engine_output_to_log,
    fail,
    local_adapter,
    quiet_engine_logs,
    require_extra,
    rerun_under_jemalloc,
    single_adapter_engine,
)
from finx.config import (
    EngineConfig,
    EngineName,
)
from finx.errors import FinxError


@data_app.command("import")
def data_import(
    format_name: Annotated[
        str, typer.Argument(metavar="FORMAT", help="sroie | kleister-nda | finer-ord | conll | cord")
    ],
    path: Annotated[Path, typer.Argument(help="File or folder in that format.")],
    out: Annotated[Path, typer.Option(help="JSONL file to write (labeled-example format).")],
    split: Annotated[str, typer.Option(help="train | dev | all (fixed split by id hash)")] = "all",
    dev_fraction: Annotated[float, typer.Option(help="Share of examples in the dev split.")] = 0.1,
    max_examples: Annotated[int | None, typer.Option(help="Keep at most this many (stable choice).")] = None,
) -> None:
    """Convert a public labeled dataset into finx's JSONL labeled-example format."""
    from finx.training.data import DataSource, read_source
    from finx.training.examples import write_examples

    if split not in ("train", "dev", "all"):
        fail(f"--split must be train, dev or all, not {split!r}", code=2)
    try:
        source = DataSource(format_name, path, split, dev_fraction, max_examples)  # type: ignore[arg-type]
        report = read_source(source)
    except FinxError as error:
        fail(str(error))
    count = write_examples(report.examples, out)
    for message in report.errors:
        typer.echo(f"finx: skipped: {message}", err=True)
    typer.echo(f"{count} examples written to {out}; {len(report.errors)} skipped")


@data_app.command("synth")
def data_synth(
    out: Annotated[Path, typer.Option(help="JSONL file to write.")],
    count: Annotated[int, typer.Option(help="How many documents.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same documents).")] = 0,
    version: Annotated[
        int,
        typer.Option(
            help="Generator version: 1, 2 (line-item layouts), 3 (NDAs, term stated or not), 4 (supplier invoices), "
            "5 (receipts in ten languages) or 6 (short invoices, the head packed in a line)."
        ),
    ] = 2,
) -> None:
    """Generate messy synthetic financial documents with exact labels (invoices, statements, news)."""
    from finx.training.data import synthetic_examples
    from finx.training.examples import write_examples

    try:
        examples = synthetic_examples(count, seed, version)
    except FinxError as error:
        fail(str(error), code=2)
    written = write_examples(examples, out)
    typer.echo(f"{written} examples written to {out}")


@app.command()
def train(
    config: Annotated[Path, typer.Option(help="Training config (YAML).")],
    output_dir: Annotated[Path | None, typer.Option(help="Override the config's output_dir.")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many optimizer steps.")] = None,
) -> None:
    """Fine-tune a LoRA adapter with TRL (resumes from the latest checkpoint in output_dir)."""
    require_extra("training")
    rerun_under_jemalloc()
    quiet_engine_logs()
    from finx.training.train import TrainConfig, main

    try:
        adapter = main(TrainConfig.from_yaml(config, output_dir=output_dir, max_steps=max_steps))
    except FinxError as error:
        fail(str(error))
    typer.echo(f"adapter written to {adapter}")


@adapters_app.command("compact")
def adapters_compact(
    adapter: Annotated[Path, typer.Argument(help="A trained LoRA adapter folder.")],
    out: Annotated[Path, typer.Option(help="Folder to write the compacted adapter to.")],
    rank: Annotated[int, typer.Option(min=1, help="Rank to factor each module's update to (SVD).")] = 32,
) -> None:
    """Write ADAPTER at a lower rank in bfloat16 (each module's update factored again by SVD), for
    shipping; judge the result on dev before it ships."""
    from finx.training.compact import compact_adapter

    try:
        compacted = compact_adapter(adapter, out, rank)
    except FinxError as error:
        fail(str(error))
    typer.echo(
        f"{compacted.modules} modules at rank {compacted.rank}: {compacted.energy_kept:.2%} of the updates' "
        f"energy kept (the least of one module {compacted.worst_module_energy_kept:.2%}); written to {out}"
    )


@app.command("eval")
def evaluate_command(
    data: Annotated[list[Path], typer.Option(help="Labeled JSONL file(s) to score on.")],
    adapter: Annotated[
        str | None, typer.Option(help="LoRA adapter: a registry version or a PEFT folder; none = base model.")
    ] = None,
    engine: Annotated[EngineName, typer.Option(help="Generation engine.")] = ENGINE_DEFAULTS.engine,
    dtype: DtypeOption = ENGINE_DEFAULTS.dtype,
    max_tokens: MaxTokensOption = None,
    report: Annotated[Path | None, typer.Option(help="Write the full JSON report here.")] = None,
    predictions: Annotated[
        Path | None, typer.Option(help="Write each document's gold and answer (with confidences) here, as JSON lines.")
    ] = None,
    copy_grounding: CopyGroundingOption = None,
    min_confidence: MinConfidenceOption = None,
    merge: Annotated[
        bool, typer.Option(help="Serve the adapter merged into the weights (--no-merge: as per-request LoRA).")
    ] = True,
    max_batch: MaxBatchOption = ENGINE_DEFAULTS.max_num_seqs,
) -> None:
    """Score extraction on labeled examples: per-field and entity F1, validity, truncation, speed."""
    from finx.extraction.options import ExtractOptions
    from finx.training.evaluate import evaluate, headline, table_rows_f1
    from finx.training.examples import load_examples

    examples = []
    try:
        adapter_dir = local_adapter(adapter, base=adapter is None)
        for path in data:
            loaded = load_examples(path)
            examples.extend(loaded.examples)
            for message in loaded.errors:
                typer.echo(f"finx: skipped: {message}", err=True)
    except FinxError as error:
        fail(str(error))
    if not examples:
        fail("no valid examples to evaluate")
    quiet_engine_logs()
    from finx.engines import create_engine

    try:
        if merge:
            config = single_adapter_engine(engine, adapter_dir, dtype=dtype).with_batch(max_batch)
        else:
            config = EngineConfig(engine=engine, dtype=dtype).with_batch(max_batch)
        written = open_predictions(predictions) if predictions is not None else None
        with written or nullcontext(), engine_output_to_log(), create_engine(config) as running:
            options = ExtractOptions(
                max_tokens=max_tokens, copy_grounding=copy_grounding, min_confidence=min_confidence
            )
            scores = evaluate(running, examples, adapter_dir, options, written)
    except FinxError as error:
        fail(str(error))
    typer.echo(f"{'dataset/schema':40} {'docs':>5} {'F1':>6} {'rows':>6} {'valid':>6} {'trunc':>6}")
    for key, group in scores["groups"].items():
        rows = table_rows_f1(group)
        typer.echo(
            f"{key:40} {group['documents']:>5} {headline(group):>6.3f} "
            f"{'-' if rows is None else format(rows, '.3f'):>6} "
            f"{group['schema_valid_rate']:>6.2f} {group['truncation_rate']:>6.2f}"
        )
    typer.echo(f"{scores['documents']} documents in {scores['seconds']} s ({scores['documents_per_s']} documents/s)")
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(scores, indent=2) + "\n")


def open_predictions(path: Path) -> TextIO:
    """The predictions file, open for writing (its folder made), or a FinxError saying why not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8")
    except OSError as error:
        raise FinxError(f"cannot write {path}: {error.strerror}") from None


@app.command()
def retrain(
    examples: Annotated[Path, typer.Option(help="New labeled examples (JSONL).")],
    from_scratch: Annotated[bool, typer.Option(help="Train a fresh adapter over all data.")] = False,
    tolerance: Annotated[float, typer.Option(help="Largest allowed drop of a group's headline score.")] = 0.01,
    tolerance_for: Annotated[
        list[str] | None, typer.Option(help="SCHEMA=DROP: another tolerance for one schema (repeatable).")
    ] = None,
    dev: Annotated[
        list[Path] | None, typer.Option(help="Your own dev examples (JSONL), measured as well (repeatable).")
    ] = None,
    fixed_dev: Annotated[
        Path | None, typer.Option(help="Replace the shipped dev set (folder of JSONL or a file).")
    ] = None,
    strict_labels: Annotated[bool, typer.Option(help="Refuse to train when any label looks wrong.")] = False,
    config: Annotated[Path | None, typer.Option(help="Training hyperparameters (YAML).")] = None,
) -> None:
    """Train on new examples; promote the result only if nothing measured gets worse."""
    require_extra("training")
    rerun_under_jemalloc()
    quiet_engine_logs()
    from finx.adapters.registry import AdapterRegistry
    from finx.training.retrain import DEFAULT_DEV, DEFAULT_RETRAIN_CONFIG
    from finx.training.retrain import retrain as run_retrain

    tolerances: dict[str, float] = {}
    for item in tolerance_for or []:
        schema_name, _, drop = item.partition("=")
        try:
            tolerances[schema_name.strip()] = float(drop)
        except ValueError:
            fail(f"--tolerance-for takes SCHEMA=DROP (e.g. receipt=0.02), not {item!r}", code=2)
    try:
        with engine_output_to_log():
            outcome = run_retrain(
                examples,
                AdapterRegistry(),
                config_path=config or DEFAULT_RETRAIN_CONFIG,
                dev=fixed_dev or DEFAULT_DEV,
                from_scratch=from_scratch,
                tolerance=tolerance,
                owner_dev=dev or [],
                tolerances=tolerances,
                strict_labels=strict_labels,
                notify=lambda message: typer.echo(f"finx: {message}", err=True),
            )
    except FinxError as error:
        fail(str(error))
    for message in outcome.bad_lines:
        typer.echo(f"finx: skipped: {message}", err=True)
    typer.echo(f"{outcome.new_examples} new examples, {outcome.duplicates} already used, {len(outcome.bad_lines)} bad")
    for key, score in outcome.candidate_scores.items():
        typer.echo(f"{key:40} current {outcome.current_scores.get(key, 0.0):.3f}  candidate {score:.3f}")
        before, after = outcome.current_fields.get(key, {}), outcome.candidate_fields.get(key, {})
        for field_name, f1 in after.items():
            typer.echo(f"  {field_name:38} current {before.get(field_name, 0.0):.3f}  candidate {f1:.3f}")
    verdict = "promoted" if outcome.promoted else "not promoted"
    typer.echo(f"{outcome.version or 'no candidate'}: {verdict}: {outcome.reason}")
