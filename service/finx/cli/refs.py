"""`finx refs`: load and look up reference records for the retrieval hook."""

from pathlib import Path
from typing import Annotated

import typer

from finx.cli.app import refs_app
from finx.cli.common import EXIT_NO_RESULT, RefsStore, fail
from finx.config import (
    RetrievalConfig,
    default_reference_store,
)
from finx.errors import FinxError


@refs_app.command("load")
def refs_load(
    format_name: Annotated[str, typer.Argument(metavar="FORMAT", help="csv | jsonl | sec (company_tickers*.json)")],
    path: Annotated[Path, typer.Argument(help="File in that format.")],
    refs: RefsStore = None,
) -> None:
    """Replace the reference store with the records of PATH (atomic: running servers switch over)."""
    import time

    from finx.retrieval.loaders import read_references
    from finx.retrieval.sqlite_store import build_store

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
    from finx.retrieval import create_retriever

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
