"""Build a pydantic model from a compiled JSON Schema, so custom schemas validate like built-ins.

Only the normal form produced by `compile.compile_schema` is understood here.
"""

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from finx.schemas.compile import JsonSchema

SCALARS: dict[str, Any] = {"number": float, "integer": int, "boolean": bool, "null": type(None)}


def model_from_schema(compiled: JsonSchema, name: str = "CustomSchema") -> type[BaseModel]:
    """A closed pydantic model that accepts exactly what `compiled` accepts."""
    return _object_model(compiled, name)


def _object_model(schema: JsonSchema, name: str) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for index, (prop, child) in enumerate(schema["properties"].items()):
        annotation = _annotation(child, f"{name}_{index}")
        fields[f"field_{index}"] = (annotation, Field(alias=prop, description=child.get("description")))
    config = ConfigDict(extra="forbid", populate_by_name=True, strict=False)
    return create_model(name, __config__=config, **fields)


def _annotation(schema: JsonSchema, name: str) -> Any:
    if "anyOf" in schema:
        options = tuple(_annotation(option, f"{name}_{index}") for index, option in enumerate(schema["anyOf"]))
        return Union[options]  # noqa: UP007  # a union of a runtime tuple of types
    if "enum" in schema:
        return Literal[tuple(schema["enum"])]
    kind = schema["type"]
    if kind == "object":
        return _object_model(schema, name)
    if kind == "array":
        constraints = Field(max_length=schema["maxItems"], min_length=schema.get("minItems"))
        return Annotated[list[_annotation(schema["items"], f"{name}_item")], constraints]  # type: ignore[misc]
    if kind == "string":
        # formats are enforced while generating; a pattern is checked again here
        length = {"max_length": schema["maxLength"], "min_length": schema.get("minLength")}
        bounds = Field(**length, pattern=schema.get("pattern"))
        return Annotated[str, bounds]
    if kind in ("number", "integer"):
        bounds = Field(
            ge=schema.get("minimum"),
            le=schema.get("maximum"),
            gt=schema.get("exclusiveMinimum"),
            lt=schema.get("exclusiveMaximum"),
        )
        return Annotated[SCALARS[kind], bounds]
    return SCALARS[kind]
