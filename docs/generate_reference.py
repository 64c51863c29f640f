"""Write the reference pages of the docs from the code, where the code is the truth:

- `reference/cli.md`: every command's `--help`, as typer prints it;
- `reference/settings.md`: the environment variables (`finx.config.ENVIRONMENT`) and every field of
  the config types, with its default and its docstring (read from `finx/config.py`);
- `reference/api.md`: the gRPC contract (`proto/finx/v1/extraction.proto`) and the error codes
  (finx error -> gRPC status -> HTTP status);
- `index.md`: the README, its links made relative to `docs/`.

    python docs/generate_reference.py          # rewrite the pages
    python docs/generate_reference.py --check  # exit 1 when a page is not current (tests run this)
"""

import ast
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CONFIG_TYPES = ("EngineConfig", "ExtractionPolicy", "ServerConfig", "RetrievalConfig")


def cli_page() -> str:
    import click
    import typer
    from typer.testing import CliRunner

    from finx.cli.app import app

    runner = CliRunner()
    sections = ["# Command-line reference", "", "Generated from the commands' own help (`finx ... --help`).", ""]

    def walk(command: Any, path: list[str]) -> None:
        terminal = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
        shown = runner.invoke(app, [*path[1:], "--help"], prog_name="finx", env=terminal)
        text = "\n".join(line.rstrip() for line in shown.output.strip("\n").splitlines())
        sections.extend([f"## `{' '.join(path)}`", "", "```text", text, "```", ""])
        if hasattr(command, "list_commands"):  # a group (typer's own class)
            context = click.Context(command)
            for name in command.list_commands(context):
                child = command.get_command(context, name)
                if child is not None and not child.hidden:
                    walk(child, [*path, name])

    walk(typer.main.get_command(app), ["finx"])
    return "\n".join(sections)


def field_docs(source: str, class_name: str) -> list[tuple[str, str, str]]:
    """(name, default, docstring) of each field of a dataclass in `source`."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    rows = []
    body = node.body
    for index, statement in enumerate(body):
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            default = ast.unparse(statement.value) if statement.value is not None else "(required)"
            following = body[index + 1] if index + 1 < len(body) else None
            doc = ""
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                doc = " ".join(str(following.value.value).split())
            rows.append((statement.target.id, default, doc))
    return rows


def cell(text: str) -> str:
    """Text for one cell of a Markdown table."""
    return text.replace("|", "\\|")


def settings_page() -> str:
    from finx.config import ENVIRONMENT

    lines = ["# Settings reference", "", "Generated from `finx/config.py`, the one table of settings.", "",
             "## Environment variables", "", "| variable | default | meaning |", "|---|---|---|"]  # fmt: skip
    lines += [f"| `{v.name}` | {v.default} | {v.meaning} |" for v in ENVIRONMENT]
    source = (ROOT / "service" / "finx" / "config.py").read_text(encoding="utf-8")
    for class_name in CONFIG_TYPES:
        lines += ["", f"## `{class_name}`", "", "| field | default | meaning |", "|---|---|---|"]
        for name, default, doc in field_docs(source, class_name):
            lines.append(f"| `{name}` | `{cell(default)}` | {cell(doc)} |")
    return "\n".join(lines) + "\n"


def api_page() -> str:
    from finx.server.http_io import HTTP_STATUS
    from finx.server.interceptors import STATUS_CODES

    proto = (ROOT / "proto" / "finx" / "v1" / "extraction.proto").read_text(encoding="utf-8")
    lines = ["# API reference", "", "Generated from the code: the error mapping of `finx/server/interceptors.py`",
             "and `finx/server/http_io.py`, and the contract `proto/finx/v1/extraction.proto`.", "",
             "## Error codes", "", "| finx error | gRPC status | HTTP status |", "|---|---|---|"]  # fmt: skip
    for error, code in STATUS_CODES:
        lines.append(f"| `{error.__name__}` | `{code.name}` | {HTTP_STATUS.get(code, 500)} |")
    lines += ["", "HTTP-only refusals: 403 (host or origin), 408 (slow body), 413 (body too large),",
              "415 (not `application/json`), 429 with `Retry-After` (no slot), 499 (the client left).", "",
              "## gRPC contract", "", "```protobuf", proto.rstrip(), "```", ""]  # fmt: skip
    return "\n".join(lines)


def index_page() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.replace("](docs/", "](")


def pages() -> dict[str, str]:
    """Each generated page by its path under `docs/`."""
    return {
        "reference/cli.md": cli_page(),
        "reference/settings.md": settings_page(),
        "reference/api.md": api_page(),
        "index.md": index_page(),
    }


def main(check: bool) -> int:
    stale = []
    for name, text in pages().items():
        path = DOCS / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"generated docs are not current ({', '.join(stale)}): run python docs/generate_reference.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
