"""The `finx` command line: one CLI with subcommands.

Errors print as one line on stderr with a non-zero exit code:
1 = the request could not be served (bad input, missing model ...), 2 = usage error,
3 = the model produced no valid result (truncated or invalid output), 130 = a batch was
interrupted (run it again with --resume).

One module per command group (`extract`, `serve`, `batch`, `review`, `training`, `admin`, `refs`); `app`
is the root Typer app, `main` runs it.
"""

from finx.cli import admin, batch, extract, refs, review, serve, training
from finx.cli.app import app

__all__ = ["admin", "app", "batch", "extract", "main", "refs", "review", "serve", "training"]


def main() -> None:
    app()
