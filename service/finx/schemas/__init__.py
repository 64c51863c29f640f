"""Schema registry: built-in extraction schemas by name, and caller-supplied JSON Schemas.

Names: `entities`, `receipt`, `nda`, `invoice`; `entities:ORG,PERSON` restricts `entities` to
some types. `load_schema` also accepts a path to a `.json` file holding a JSON Schema, and a
pydantic model class as `package.module:Class` (`schema_from_model`).
"""

import importlib
import json
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from finx.errors import InvalidSchema, UnknownSchema
from finx.schemas import entities, invoice, nda, receipt
from finx.schemas.base import SchemaSpec
from finx.schemas.compile import compile_schema, schema_hash
from finx.schemas.models import model_from_schema

BUILTINS: dict[str, Callable[[], SchemaSpec]] = {
    "entities": lambda: SchemaSpec("entities", entities.VERSION, entities.DESCRIPTION, entities.Entities),
    "receipt": lambda: SchemaSpec("receipt", receipt.VERSION, receipt.DESCRIPTION, receipt.Receipt),
    "nda": lambda: SchemaSpec("nda", nda.VERSION, nda.DESCRIPTION, nda.Nda),
    "invoice": lambda: SchemaSpec("invoice", invoice.VERSION, invoice.DESCRIPTION, invoice.Invoice),
}


def list_schemas() -> list[SchemaSpec]:
    """Every built-in schema, in name order."""
    return [get_schema(name) for name in sorted(BUILTINS)]


SCHEMA_CACHE_SIZE = 256
"""Schemas kept built (names and custom schemas each): callers' repeats skip compiling."""


@lru_cache(maxsize=SCHEMA_CACHE_SIZE)
def get_schema(name: str) -> SchemaSpec:
    """A built-in schema by name (`entities:ORG,PERSON` for a restricted entities schema)."""
    base, _, argument = name.partition(":")
    if base not in BUILTINS:
        raise UnknownSchema(f"unknown schema {name!r}", hint="known: " + ", ".join(sorted(BUILTINS)))
    if not argument:
        return BUILTINS[base]()
    if base != "entities":
        raise UnknownSchema(f"schema {base!r} takes no ':' argument")
    types = tuple(part.strip().upper() for part in argument.split(",") if part.strip())
    try:
        model = entities.entities_model(types)
    except ValueError as error:
        raise UnknownSchema(str(error)) from None
    canonical = ",".join(t for t in entities.ENTITY_TYPES if t in types)
    return SchemaSpec(f"entities:{canonical}", entities.VERSION, entities.DESCRIPTION, model)


def custom_schema(schema: Any) -> SchemaSpec:
    """A caller's own JSON Schema, checked against the supported subset and bounded (built once
    per distinct schema while it stays among the last `SCHEMA_CACHE_SIZE` used)."""
    try:
        canonical = json.dumps(schema, separators=(",", ":"))  # key order kept: it is the output order
    except RecursionError:
        raise InvalidSchema("the schema nests too deeply") from None
    except (TypeError, ValueError):
        raise InvalidSchema("a schema must be JSON data (objects, lists, strings, numbers)") from None
    return _custom_schema(canonical)


@lru_cache(maxsize=SCHEMA_CACHE_SIZE)
def _custom_schema(canonical: str) -> SchemaSpec:
    schema = json.loads(canonical)
    compiled = compile_schema(schema)
    version = schema_hash(compiled)[:12]
    description = str(schema.get("description", "")) if isinstance(schema, dict) else ""
    model = model_from_schema(compiled, name=f"Custom_{version}")
    return SchemaSpec("custom", version, description, model, source_schema=schema)


def load_schema(reference: str) -> SchemaSpec:
    """A built-in name, the path of a `.json` file holding a JSON Schema, or a pydantic model
    class as `package.module:Class`."""
    base, colon, _ = reference.partition(":")
    if colon and base not in BUILTINS and not reference.endswith(".json"):
        return schema_from_model(import_model(reference))
    if reference.endswith(".json") or "/" in reference:
        path = Path(reference)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidSchema(f"schema file not found: {path}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise InvalidSchema(f"cannot read schema file {path}: {error}") from None
        return custom_schema(data)
    return get_schema(reference)


__all__ = ["SchemaSpec", "custom_schema", "get_schema", "list_schemas", "load_schema"]


def schema_from_model(model: type[BaseModel]) -> SchemaSpec:
    """The extraction schema of a caller's pydantic model: its JSON Schema compiled, the model as
    the output (`model_values.to_model` applies it to the normalised answer)."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise InvalidSchema(f"{model!r} is not a pydantic model class")
    return replace(custom_schema(model.model_json_schema()), output_model=model)


def import_model(reference: str) -> type[BaseModel]:
    """The pydantic model class named `package.module:Class` (for `--schema module:Class`)."""
    module_name, _, class_name = reference.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as error:
        raise InvalidSchema(f"cannot import {reference}: {error}") from None
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise InvalidSchema(f"{reference} is not a pydantic model class")
    return found


def schema_of(reference: str | dict[str, Any]) -> SchemaSpec:
    """The schema a `SchemaSpec.reference` names (its inverse): a built-in name or a JSON Schema."""
    return custom_schema(reference) if isinstance(reference, dict) else get_schema(reference)
