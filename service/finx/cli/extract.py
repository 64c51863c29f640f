"""`finx extract`: one document, in process or through a running service."""

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from finx.adapters.resolve import BASE_MODEL
from finx.cli.app import app
from finx.cli.common import (
    ENGINE_DEFAULTS,
    EXIT_NO_RESULT,
    ONE_DOCUMENT_ENGINE,
    ONE_REQUEST_SPECULATIVE_TOKENS,
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
    SpeculativeOption,
    adapter_reference,
    engine_output_to_log,
    fail,
    local_adapter,
    print_error,
    quiet_engine_logs,
    read_file,
    single_adapter_engine,
)
from finx.config import (
    EngineName,
    RetrievalConfig,
    StructuredBackend,
    env,
)
from finx.errors import FinxError

if TYPE_CHECKING:  # heavy modules are imported lazily inside the commands
    from finx.client import SchemaReference
    from finx.extraction.options import ExtractOptions
    from finx.extraction.result import ExtractionResult
    from finx.ingest import IngestedDocument
    from finx.schemas.base import SchemaSpec


@app.command()
def extract(
    path: Annotated[
        str, typer.Argument(help="Document (txt md html pdf eml csv tsv png jpg tif), or - for text on standard input.")
    ],
    schema: SchemaOption = "entities",
    engine: Annotated[
        EngineName,
        typer.Option(help="Generation engine: transformers starts in seconds; vllm batches, starts in 20-40 s."),
    ] = ONE_DOCUMENT_ENGINE,
    backend: Annotated[
        StructuredBackend, typer.Option(help="Constrained-decoding backend.")
    ] = ENGINE_DEFAULTS.structured_backend,
    dtype: DtypeOption = ENGINE_DEFAULTS.dtype,
    speculative_tokens: SpeculativeOption = ONE_REQUEST_SPECULATIVE_TOKENS,
    adapter: AdapterOption = None,
    base: BaseOption = False,
    max_tokens: MaxTokensOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
    server: Annotated[
        str | None, typer.Option(help="Call a running finx service at HOST:PORT instead (default: FINX_SERVER).")
    ] = None,
    grounding: GroundingOption = True,
    link: LinkOption = False,
    reference_context: ReferenceContextOption = False,
    refs: RefsStore = None,
    copy_grounding: CopyGroundingOption = None,
    min_confidence: MinConfidenceOption = None,
) -> None:
    """Extract SCHEMA from one document and print the result with the source offsets of every value."""
    from finx.extraction.options import ExtractOptions
    from finx.schemas import load_schema

    options = ExtractOptions(
        max_tokens=max_tokens, grounding=grounding, reference_context=reference_context, link_entities=link,
        copy_grounding=copy_grounding, min_confidence=min_confidence,
    )  # fmt: skip
    server = server or env("FINX_SERVER")
    try:
        spec = load_schema(schema)
        document = read_input(path)
        # with --server the service resolves the adapter in its own registry (a version, never a path)
        local = BASE_MODEL if server else local_adapter(adapter, base)
    except FinxError as error:
        fail(str(error))
    if server:
        result = extract_via_server(server, document.text, spec, adapter_reference(adapter, base), options)
    else:
        quiet_engine_logs()
        from finx.extraction.extractor import ExtractionTask
        from finx.extraction.result import locate
        from finx.extraction.runtime import start_extractor

        config = single_adapter_engine(engine, local, backend, dtype, speculative_tokens)
        task = ExtractionTask(document.text, spec, local, options)
        try:
            with engine_output_to_log():
                extractor = start_extractor(config, RetrievalConfig(store_path=refs), options)
                try:
                    result = locate(extractor.extract(task), document)
                finally:
                    extractor.engine.close()
        except FinxError as error:
            fail(str(error))
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        print_result(result)
    if not result.ok:
        print_error(result.error or result.status)
    code = EXIT_NO_RESULT if not result.ok else 0
    if not server:
        exit_without_teardown(code)
    raise typer.Exit(code)


def exit_without_teardown(code: int) -> NoReturn:
    """End a one-shot process now that its answer is printed and its engine closed: freeing
    torch's and transformers' modules at interpreter exit is ~1 s of nothing (docs/benchmarks.md)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def read_input(path: str) -> "IngestedDocument":
    """A file, or standard input for `-`, read as every entry point reads it (text, pages, boxes)."""
    from finx.ingest import read_document, read_unnamed

    if path == "-":
        return read_unnamed(sys.stdin.buffer.read(), "standard input")
    return read_document(read_file(Path(path)), path)


def extract_via_server(
    server: str, document: str, spec: "SchemaSpec", adapter: str, options: "ExtractOptions"
) -> "ExtractionResult":
    import grpc

    from finx.client import FinxClient

    schema_ref: SchemaReference = spec.output_model or spec.reference
    try:
        with FinxClient(server, token=env("FINX_AUTH_TOKEN")) as client:
            return client.extract(document, schema_ref, adapter=adapter, options=options)
    except grpc.RpcError as error:
        fail(f"{error.code().name}: {error.details()}")


def print_result(result: "ExtractionResult") -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if result.data is not None:
        console.print_json(json.dumps(result.data))
    for title, sources, reasons in (("sources", result.sources, False), ("withheld", result.withheld, True)):
        table = Table("path", "value", "offsets", "match", "confidence", *(["reason"] if reasons else []), title=title)
        for source in sources:
            offsets = f"{source.start}-{source.end}" if source.start is not None else "-"
            confidence = f"{source.confidence:.2f}" if source.confidence is not None else "-"
            reason = [source.reason or "-"] if reasons else []
            table.add_row(source.path, source.value, offsets, source.match, confidence, *reason)
        if sources:
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
