"""A result's data validated into a caller's pydantic model (`SchemaSpec.output_model`, and the
gRPC client's `result.value`).

finx generates against the model's JSON Schema in its compiled form (every field present, an
optional one as null, dates as written), so the caller's model is applied at the end, to the
normalised answer. Before that, a null is dropped where the caller's field is optional but not
nullable (it has a default), so the default applies as pydantic intends (a constant, such as a
discriminated union's tag, is filled in from the branch the object fits).

    invoice = to_model(Invoice, result.data)     # from any result's data
"""

from typing import Any, TypeVar

from pydantic import BaseModel

from finx.schemas.fields import JsonSchema

M = TypeVar("M", bound=BaseModel)


def to_model(model: type[M], data: dict[str, Any]) -> M:
    """`data` (a result's JSON data) validated into `model`; raises `pydantic.ValidationError`."""
    schema = model.model_json_schema()
    return model.model_validate(drop_defaulted_nulls(schema, schema, data))


def drop_defaulted_nulls(root: JsonSchema, schema: JsonSchema, data: Any) -> Any:
    """`data` without the nulls finx wrote for optional, non-nullable fields of `schema`."""
    schema = _resolved(root, schema)
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [drop_defaulted_nulls(root, schema["items"], item) for item in data]
    if not isinstance(data, dict):
        return data
    branches = [_resolved(root, option) for option in (schema.get("anyOf") or schema.get("oneOf") or [])]
    objects = [branch for branch in branches if "properties" in branch and set(data) <= set(branch["properties"])]
    if objects:
        schema = next((branch for branch in objects if _constants_match(root, branch, data)), objects[0])
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    kept = {}
    for name, value in data.items():
        child = properties.get(name)
        if value is None and child is not None and name not in required and not _allows_null(root, child):
            constant = _resolved(root, child).get("const")
            if constant is not None:  # a discriminated union's tag: the branch's own
                kept[name] = constant
            continue
        kept[name] = drop_defaulted_nulls(root, child, value) if isinstance(child, dict) else value
    return kept


def _resolved(root: JsonSchema, schema: JsonSchema) -> JsonSchema:
    for _ in range(32):  # a chain of $refs, bounded
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            break
        schema = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
    if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        return _resolved(root, schema["allOf"][0])
    return schema


def _allows_null(root: JsonSchema, schema: JsonSchema) -> bool:
    schema = _resolved(root, schema)
    kind = schema.get("type")
    options: list[JsonSchema] = schema.get("anyOf") or schema.get("oneOf") or []
    enum: list[Any] = schema.get("enum", [])
    return (
        kind == "null"
        or (isinstance(kind, list) and "null" in kind)
        or None in enum
        or any(_allows_null(root, option) for option in options)
    )


def _constants_match(root: JsonSchema, branch: JsonSchema, data: dict[str, Any]) -> bool:
    """Whether `data` agrees with every constant of `branch` (a discriminated union's tag)."""
    for name, child in branch.get("properties", {}).items():
        child = _resolved(root, child)
        if "const" in child and data.get(name) not in (None, child["const"]):
            return False
    return True
