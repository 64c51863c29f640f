"""`finx review`: the review page for a batch's results."""

from pathlib import Path
from typing import Annotated

import typer

from finx.cli.app import app
from finx.cli.common import SchemaOption, fail, require_extra
from finx.config import LOOPBACK_HOSTS, env
from finx.errors import FinxError


@app.command()
def review(
    results: Annotated[Path, typer.Argument(help="Results of `finx batch` (JSONL).")],
    input_dir: Annotated[Path, typer.Option("--input", help="The folder the batch read (documents are read again).")],
    schema: SchemaOption = "entities",
    out: Annotated[Path, typer.Option(help="Labeled examples the reviewer's decisions go to (JSONL).")] = Path(
        "reviewed.jsonl"
    ),
    host: Annotated[
        str, typer.Option(help="Address to bind (off loopback FINX_AUTH_TOKEN is required).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port of the page.")] = 8765,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="Another host name the page answers to (repeatable); loopback names always work."),
    ] = None,
) -> None:
    """Review the least confident values of a batch in the browser; decisions become labeled examples."""
    require_extra("review")
    import uvicorn

    from finx.review.app import create_app
    from finx.review.session import open_session
    from finx.schemas import load_schema

    token = env("FINX_AUTH_TOKEN")
    if host not in LOOPBACK_HOSTS and not token:
        fail(f"refusing to serve the review page on {host} without FINX_AUTH_TOKEN (or bind 127.0.0.1)")
    try:
        session = open_session(results, input_dir, load_schema(schema), out)
    except FinxError as error:
        fail(str(error))
    left = len(session.items) - session.done
    typer.echo(f"finx review: {len(session.items)} documents, {left} left; http://{host}:{port}/", err=True)
    for line in session.skipped:
        typer.echo(f"finx review: not reviewable: {line}", err=True)
    review_app = create_app(session, token, bound_host=host, allowed_hosts=tuple(allow_host or ()))
    uvicorn.run(review_app, host=host, port=port, log_level="warning")
