"""Value paths and the one walk over a schema's data.

A value is named by its path (`money[0].amount`), the one format every module uses (confidence,
grounding, normalisation, withholding), so that a confidence, a source and a normalised value of one
value always meet under the same name: `""` is the root; a property is appended with a dot (none at
the root), a list item with its index.

`leaves(schema, data)` is the one walk: every leaf of `data` (string, number, boolean, null) in
document order, with its path and the sub-schema that describes it (`{}` where the schema says
nothing, e.g. outside a union's single branch). Knows JSON Schema's shape, nothing of its meaning.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from finx.schemas.fields import JsonSchema

ValuePath = str
"""A value's path (`money[0].amount`)."""


def child_path(path: str, name: str) -> str:
    """The path of property `name` of the object at `path`."""
    return f"{path}.{name}" if path else name


def item_path(path: str, index: int) -> str:
    """The path of item `index` of the list at `path`."""
    return f"{path}[{index}]"


def non_null(schema: JsonSchema) -> JsonSchema:
    """The schema without its `null` option (`anyOf: [X, null]` -> X); a union of several
    non-null branches stays as it is."""
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option != {"type": "null"}]
        if len(options) == 1:
            return options[0]
    return schema


@dataclass(frozen=True)
class Leaf:
    path: str
    schema: JsonSchema
    """The leaf's schema as written (with its null option), `{}` where none describes it."""
    value: Any


def leaves(schema: JsonSchema, data: Any, path: str = "") -> Iterator[Leaf]:
    """Every leaf of `data` with its path and sub-schema, in document order."""
    if isinstance(data, dict):
        properties = non_null(schema).get("properties", {})
        for name, child in data.items():
            yield from leaves(properties.get(name, {}), child, child_path(path, name))
    elif isinstance(data, list):
        items = non_null(schema).get("items", {})
        for index, child in enumerate(data):
            yield from leaves(items, child, item_path(path, index))
    else:
        yield Leaf(path, schema, data)
