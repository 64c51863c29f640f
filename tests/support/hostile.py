"""Hostile JSON Schemas, shared by the schema-bound tests and the soak benchmark."""

from typing import Any


def ref_bomb(levels: int = 7, width: int = 8) -> dict[str, Any]:
    """A ~2 KB schema whose `$ref`s expand to width**levels nodes."""
    defs: dict[str, Any] = {"L0": {"type": "string"}}
    for level in range(1, levels + 1):
        defs[f"L{level}"] = {
            "type": "object",
            "properties": {f"p{i}": {"$ref": f"#/$defs/L{level - 1}"} for i in range(width)},
        }
    return {"type": "object", "properties": {"root": {"$ref": f"#/$defs/L{levels}"}}, "$defs": defs}


def nested_any_of(depth: int) -> dict[str, Any]:
    """A schema whose one property nests `anyOf` `depth` deep."""
    node: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        node = {"anyOf": [node, {"type": "null"}]}
    return {"type": "object", "properties": {"a": node}}


def nested_any_of_text(depth: int = 900) -> str:
    """`nested_any_of` as JSON text, written directly (too deep for `json.dumps`)."""
    node = '{"type": "string"}'
    nested = '{"anyOf": [' * depth + node + ', {"type": "null"}]}' * depth
    return '{"type": "object", "properties": {"a": ' + nested + "}}"
