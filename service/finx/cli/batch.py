"""`finx batch`: every document of a folder, one JSON line each."""

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from finx.adapters.resolve import BASE_MODEL
from finx.batch.ray_runner import RaySettings
from finx.cli.app import app
from finx.cli.common import (
    ENGINE_DEFAULTS,
    EXIT_INTERRUPTED,
    EXIT_NO_RESULT,
    AdapterOption,
    BaseOption,
    CopyGroundingOption,
    DtypeOption,
    GroundingOption,
    LinkOption,
    MaxTokensOption,
    MinConfidenceOption,
    ReferenceContextOption,
    RefsStore,
    SchemaOption,
    adapter_reference,
    engine_output_to_log,
    fail,
    local_adapter,
    quiet_engine_logs,
    single_adapter_engine,
)
from finx.config import (
    EngineName,
    RetrievalConfig,
    env,
)
from finx.errors import FinxError
from finx.ingest import MAX_DOCUMENT_BYTES

DEFAULT_MAX_MB = MAX_DOCUMENT_BYTES / (1024 * 1024)

if TYPE_CHECKING:  # heavy modules are imported lazily inside the commands
    from finx.batch import BatchSummary
    from finx.engines.base import Engine


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
    max_tokens: MaxTokensOption = None,
    max_mb: Annotated[float, typer.Option(help="Files larger than this many MiB are refused.")] = DEFAULT_MAX_MB,
    follow_links: Annotated[bool, typer.Option(help="Follow symbolic links that stay inside the folder.")] = False,
    csv: Annotated[Path | None, typer.Option(help="Also write scalar fields as CSV (one row per document).")] = None,
    csv_formulas: Annotated[
        bool,
        typer.Option(
            "--csv-formulas",
            help="With --csv: write cells that start with = + - @ as they are (default: a leading ' so a "
            "spreadsheet never runs a document's text as a formula).",
        ),
    ] = False,
    csv_boxes: Annotated[
        bool, typer.Option("--csv-boxes", help="With --csv: each field's page and boxes too (PDFs, scans).")
    ] = False,
    engine: Annotated[EngineName, typer.Option(help="Generation engine (in-process runs).")] = ENGINE_DEFAULTS.engine,
    dtype: DtypeOption = ENGINE_DEFAULTS.dtype,
    grounding: GroundingOption = True,
    link: LinkOption = False,
    reference_context: ReferenceContextOption = False,
    refs: RefsStore = None,
    copy_grounding: CopyGroundingOption = None,
    min_confidence: MinConfidenceOption = None,
    ray: Annotated[
        bool, typer.Option("--ray", help="Run on Ray Data (a Ray on this machine unless --ray-address).")
    ] = False,
    ray_address: Annotated[
        str | None, typer.Option(help="With --ray: join this Ray cluster ('auto' or ray://HOST:PORT).")
    ] = None,
    ray_connect_timeout: Annotated[
        float, typer.Option(help="With --ray-address: seconds to join the cluster before giving up.")
    ] = 30.0,
    ray_actors: Annotated[int, typer.Option(help="With --ray: extraction actors (one engine each).")] = 1,
    ray_actor_gpus: Annotated[
        float, typer.Option(help="With --ray: GPUs per extraction actor (1 on GPU nodes).")
    ] = 0.0,
    ray_batch_size: Annotated[
        int, typer.Option(help="With --ray: documents an actor sends to its engine at once.")
    ] = RaySettings.batch_size,
) -> None:
    """Extract SCHEMA from every document of a folder into one JSON line each; survives bad files and Ctrl-C."""
    import asyncio
    import signal

    from finx.batch import BatchConfig, run_batch
    from finx.batch.output import read_records, write_csv
    from finx.batch.progress import progress_for
    from finx.extraction.options import ExtractOptions
    from finx.schemas import load_schema

    if concurrency < 1:
        fail("--concurrency must be at least 1", code=2)
    if ray_actors < 1 or ray_batch_size < 1:
        fail("--ray-actors and --ray-batch-size must be at least 1", code=2)
    if not input_dir.is_dir():
        fail(f"{input_dir} is not a folder")
    options = ExtractOptions(
        max_tokens=max_tokens, grounding=grounding, reference_context=reference_context, link_entities=link,
        copy_grounding=copy_grounding, min_confidence=min_confidence,
    )  # fmt: skip
    try:
        spec = load_schema(schema)
        # with --server the service resolves the adapter in its own registry (a version, never a path)
        local = BASE_MODEL if server else local_adapter(adapter, base)
    except FinxError as error:
        fail(str(error))
    config = BatchConfig(
        input_dir, out, spec, options, pattern=glob, concurrency=concurrency, resume=resume, follow_links=follow_links,
        max_bytes=int(max_mb * 1024 * 1024), side_files=(csv,) if csv else (),
    )  # fmt: skip

    async def main() -> "BatchSummary":
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        if ray:
            import threading

            from finx.batch.ray_runner import run_batch_on_ray

            settings = RaySettings(
                address=ray_address, actors=ray_actors, actor_gpus=ray_actor_gpus, batch_size=ray_batch_size,
                connect_timeout_s=ray_connect_timeout, engine=single_adapter_engine(engine, local, dtype=dtype),
                retrieval=RetrievalConfig(store_path=refs),
            )  # fmt: skip
            halted = threading.Event()
            watcher = asyncio.create_task(stop.wait())
            watcher.add_done_callback(lambda _: halted.set())
            try:
                return await asyncio.to_thread(run_batch_on_ray, config, settings, local, halted, progress)
            finally:
                watcher.cancel()
        if server:
            from finx.batch import ServerBackend

            reference = adapter_reference(adapter, base)
            backend: Any = ServerBackend(server, reference, token=env("FINX_AUTH_TOKEN"))
            return await run_batch(config, backend, stop, progress)
        from finx.batch import LocalBackend
        from finx.extraction.extractor import Extractor
        from finx.extraction.runtime import start_extractor

        retrieval = RetrievalConfig(store_path=refs)
        engines: list[Engine] = []

        def start() -> Extractor:
            extractor = start_extractor(single_adapter_engine(engine, local, dtype=dtype), retrieval, options)
            engines.append(extractor.engine)
            return extractor

        def stop_engines() -> None:
            for running in engines:
                running.close()

        backend = LocalBackend(start, local, stop=stop_engines)
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
        write_csv(read_records(out), csv, boxes=csv_boxes, escape_formulas=not csv_formulas)
    if summary.interrupted:
        typer.echo(f"finx batch: stopped; run again with --resume to carry on ({out})", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    if summary.unfinished:
        raise typer.Exit(EXIT_NO_RESULT)
