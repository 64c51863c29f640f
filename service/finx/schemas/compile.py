"""Compile a JSON Schema into the bounded, normalised form that constrained decoding uses.

finx accepts JSON Schema as pydantic writes it (see `SUPPORTED_KEYWORDS`). Compiling:
- rejects any other keyword with an error that names it and where it is;
- inlines `$ref`s into `$defs` (pydantic emits them for nested models; recursion is rejected), and
  a one-schema `allOf` wrapper the same way;
- turns `const` into a one-value `enum`, and `oneOf` into `anyOf` (the branches of a pydantic
  discriminated union differ in their discriminator's constant, so `discriminator` is annotation);
- `format: date` strings become copied dates (`x-finx-source: date`): the model copies the date as
  written and code normalises it to YYYY-MM-DD, so offsets survive; the other formats in `FORMATS`
  are kept and enforced while generating; `pattern` is kept (no look-around or back-references);
- `uniqueItems` becomes `x-finx-unique`: duplicates are dropped after generation (no backend can
  enforce it while generating);
- keeps `x-finx-merge: first` on a top-level array (`union`, the default, is dropped): how the
  chunks of a long document join that list (`strings.MERGE_KEYWORD`);
- keeps `x-finx-cue` and `x-finx-other-roles` on a top-level string: the words that state the
  value's role or another, which choose among the chunks' candidates (`strings.ROLE_KEYWORDS`);
- makes every property required, and an optional property nullable instead, so the model always
  writes every key (absent values are `null`) and the constraint stays a simple sequence;
- closes every object (`additionalProperties: false`);
- bounds every string (`maxLength`) and array (`maxItems`) so constrained generation terminates;
- drops titles and other annotations that do not change what is valid;
- keeps `x-finx-source` on strings (`copy`, `date`, `duration`, `name`, `amount`, `free`): where
  the value comes from, which copy-grounded decoding and the normalisers act on.
The result is deterministic, so its hash identifies the constraint for caching.

Compiling is bounded whatever the input: every node the expansion produces (through `$ref`s,
`anyOf`s and type lists too) is counted against `MAX_COMPILED_NODES` and the nesting of every kind
against `MAX_NESTING`, so a small schema that would expand exponentially fails fast; the compiled
form must also fit in `MAX_COMPILED_BYTES`.
"""

import copy
import hashlib
import json
from typing import Any

from finx.errors import InvalidSchema
from finx.schemas.fields import SOURCE_KEYWORD, JsonSchema
from finx.schemas.strings import (
    MERGE_KEYWORD,
    MERGE_MODES,
    ROLE_KEYWORDS,
    UNIQUE_KEYWORD,
    bounded_int,
    normalise_string,
)

DEFAULT_MAX_ITEMS = 32
MAX_DEPTH = 8
"""Objects and arrays nested in each other."""
MAX_NESTING = 32
"""Schema nodes nested in each other, counting `$ref`, `anyOf` and type lists too."""
MAX_PROPERTIES = 64
MAX_COMPILED_NODES = 2048
"""Schema nodes after every `$ref` is inlined: a schema that expands to more is refused."""
MAX_COMPILED_BYTES = 64 * 1024
"""Size of the compiled schema as JSON (it goes into every prompt)."""

SUPPORTED_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "items",
        "enum",
        "anyOf",
        "additionalProperties",
        "maxLength",
        "minLength",
        "maxItems",
        "minItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "const",
        "oneOf",
        "allOf",
        "format",
        "pattern",
        "uniqueItems",
        "description",
        "title",
        "$schema",
        "$defs",
        "$ref",
        "default",
        "examples",
        "discriminator",
        "readOnly",
        "writeOnly",
        "deprecated",
        "$comment",
        SOURCE_KEYWORD,
        MERGE_KEYWORD,
        *ROLE_KEYWORDS,
    }
)
STRING_OR_NUMBER_OR_ARRAY = {
    "format": ("string",),
    "pattern": ("string",),
    "exclusiveMinimum": ("number", "integer"),
    "exclusiveMaximum": ("number", "integer"),
    "uniqueItems": ("array",),
    MERGE_KEYWORD: ("array",),
    **dict.fromkeys(ROLE_KEYWORDS, ("string",)),
}
"""The types each type-specific keyword applies to (elsewhere it is refused, not ignored)."""
SCALAR_TYPES = frozenset({"string", "number", "integer", "boolean", "null"})
ANNOTATIONS = frozenset({"title", "$schema", "default", "examples", "discriminator", "readOnly", "writeOnly"})
MAX_UNION_OPTIONS = 16


def compile_schema(schema: Any) -> JsonSchema:
    """Validate `schema` against the supported subset and return its bounded normal form."""
    if not isinstance(schema, dict):
        raise InvalidSchema("a schema must be a JSON object")
    defs = schema.get("$defs", {})
    if not isinstance(defs, dict):
        raise InvalidSchema("$defs must be an object")
    root = _normalise(schema, path="#", depth=0, resolving=(), expansion=Expansion(defs))
    if root.get("type") != "object":
        raise InvalidSchema("the top level of a schema must be an object with properties", hint="#/type")
    size = len(json.dumps(root, separators=(",", ":")))
    if size > MAX_COMPILED_BYTES:
        raise InvalidSchema(f"the compiled schema is {size} bytes, over finx's limit of {MAX_COMPILED_BYTES}")
    return root


class Expansion:
    """One compilation's `$defs`, and the nodes it has produced so far (it refuses the one over
    `MAX_COMPILED_NODES`)."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.nodes = 0

    def spend(self, path: str) -> None:
        self.nodes += 1
        if self.nodes > MAX_COMPILED_NODES:
            raise InvalidSchema(
                f"the schema expands to more than {MAX_COMPILED_NODES} nodes (through $ref, anyOf, nesting)",
                hint=f"reached at {path[:200]}",
            )


def schema_hash(compiled: JsonSchema) -> str:
    """Stable hash of a compiled schema (the cache key of its constraint)."""
    canonical = json.dumps(compiled, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _normalise(
    node: Any, path: str, depth: int, resolving: tuple[str, ...], expansion: Expansion, nesting: int = 0
) -> JsonSchema:
    if depth > MAX_DEPTH:
        raise InvalidSchema(f"schema nests deeper than {MAX_DEPTH} levels", hint=path[:200])
    if nesting > MAX_NESTING:
        raise InvalidSchema(f"schema nests deeper than {MAX_NESTING} levels ($ref, anyOf included)", hint=path[:200])
    expansion.spend(path)
    if not isinstance(node, dict):
        raise InvalidSchema(f"expected a schema object at {path}")
    unsupported = sorted(set(node) - SUPPORTED_KEYWORDS)
    if unsupported:
        raise InvalidSchema(
            f"unsupported JSON Schema keyword '{unsupported[0]}' at {path}",
            hint="supported: " + ", ".join(sorted(SUPPORTED_KEYWORDS)),
        )
    if "$ref" in node:
        return _resolve_ref(node, path, depth, resolving, expansion, nesting)
    if "allOf" in node:
        return _normalise_all_of(node, path, depth, resolving, expansion, nesting)
    if "oneOf" in node:
        if "anyOf" in node:
            raise InvalidSchema(f"anyOf and oneOf together at {path}")
        node = {**{key: value for key, value in node.items() if key != "oneOf"}, "anyOf": node["oneOf"]}
    if "anyOf" in node:
        return _normalise_any_of(node, path, depth, resolving, expansion, nesting)
    if "const" in node:
        if "enum" in node:
            raise InvalidSchema(f"const and enum together at {path}")
        node = {**{key: value for key, value in node.items() if key != "const"}, "enum": [node["const"]]}
    if "enum" in node:
        return _normalise_enum(node, path)

    kind = node.get("type")
    if isinstance(kind, list):
        return _normalise_type_list(node, kind, path, depth, resolving, expansion, nesting)
    out: JsonSchema = {}
    if "description" in node:
        out["description"] = str(node["description"])
    misplaced = sorted(set(STRING_OR_NUMBER_OR_ARRAY) & set(node))
    for key in misplaced:
        if kind not in STRING_OR_NUMBER_OR_ARRAY[key]:
            raise InvalidSchema(f"{key} does not apply to type {kind!r} at {path}")
    if kind == "object":
        out.update(_normalise_object(node, path, depth, resolving, expansion, nesting))
    elif kind == "array":
        out.update(_normalise_array(node, path, depth, resolving, expansion, nesting))
    elif kind == "string":
        if depth != 1 and (role := next((key for key in ROLE_KEYWORDS if key in node), None)):  # chosen at the top
            raise InvalidSchema(f"{role} applies to top-level strings only, found at {path}")
        out.update(normalise_string(node, path))
    elif SOURCE_KEYWORD in node:
        raise InvalidSchema(f"{SOURCE_KEYWORD} applies to strings only, found at {path}")
    elif kind in ("number", "integer"):
        out["type"] = kind
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if key in node:
                if not isinstance(node[key], int | float) or isinstance(node[key], bool):
                    raise InvalidSchema(f"{key} must be a number", hint=f"{path}/{key}")
                out[key] = node[key]
    elif kind in ("boolean", "null"):
        out["type"] = kind
    elif kind is None:
        raise InvalidSchema(f"missing 'type' at {path}", hint="every schema node needs a type, enum or anyOf")
    else:
        raise InvalidSchema(f"unsupported type {kind!r} at {path}")
    return out


def _normalise_object(
    node: JsonSchema,
    path: str,
    depth: int,
    resolving: tuple[str, ...],
    expansion: Expansion,
    nesting: int,
) -> JsonSchema:
    properties = node.get("properties")
    if not isinstance(properties, dict) or not properties:
        raise InvalidSchema(
            f"an object needs at least one property at {path}", hint="free-form objects are not supported"
        )
    if len(properties) > MAX_PROPERTIES:
        raise InvalidSchema(f"an object has more than {MAX_PROPERTIES} properties at {path}")
    if node.get("additionalProperties", False) is not False:
        raise InvalidSchema(f"additionalProperties must be false at {path}", hint="finx only produces closed objects")
    required = node.get("required", [])
    if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
        raise InvalidSchema(f"required must be a list of property names at {path}")
    unknown = sorted(set(required) - set(properties))
    if unknown:
        raise InvalidSchema(f"required names unknown property '{unknown[0]}' at {path}")
    normalised: dict[str, JsonSchema] = {}
    for name, child in properties.items():
        child_schema = _normalise(child, f"{path}/properties/{name}", depth + 1, resolving, expansion, nesting + 1)
        normalised[name] = child_schema if name in required else _nullable(child_schema)
    return {
        "type": "object",
        "properties": normalised,
        "required": list(normalised),
        "additionalProperties": False,
    }


def _normalise_array(
    node: JsonSchema,
    path: str,
    depth: int,
    resolving: tuple[str, ...],
    expansion: Expansion,
    nesting: int,
) -> JsonSchema:
    if "items" not in node:
        raise InvalidSchema(f"an array needs 'items' at {path}")
    out: JsonSchema = {
        "type": "array",
        "items": _normalise(node["items"], f"{path}/items", depth + 1, resolving, expansion, nesting + 1),
        "maxItems": bounded_int(node, "maxItems", path, DEFAULT_MAX_ITEMS),
    }
    if "minItems" in node:
        out["minItems"] = bounded_int(node, "minItems", path, 0)
    if node.get("uniqueItems") is True:
        out[UNIQUE_KEYWORD] = True
    if MERGE_KEYWORD in node:
        mode = node[MERGE_KEYWORD]
        if mode not in MERGE_MODES:
            raise InvalidSchema(f"{MERGE_KEYWORD} must be one of {sorted(MERGE_MODES)}, found {mode!r} at {path}")
        if depth != 1:  # chunk answers are joined field by field at the top level only
            raise InvalidSchema(f"{MERGE_KEYWORD} applies to top-level lists only, found at {path}")
        if mode != "union":
            out[MERGE_KEYWORD] = mode
    return out


def _normalise_any_of(
    node: JsonSchema,
    path: str,
    depth: int,
    resolving: tuple[str, ...],
    expansion: Expansion,
    nesting: int,
) -> JsonSchema:
    options = node["anyOf"]
    if not isinstance(options, list) or not options or len(options) > MAX_UNION_OPTIONS:
        raise InvalidSchema(f"anyOf/oneOf must be a list of 1 to {MAX_UNION_OPTIONS} schemas at {path}")
    nullable = {"type": "null"} in options
    branches: list[JsonSchema] = []
    for index, option in enumerate(options):
        if option == {"type": "null"}:
            continue
        branch = _normalise(option, f"{path}/anyOf/{index}", depth, resolving, expansion, nesting + 1)
        branch.pop("description", None)
        for part in branch.get("anyOf", [branch]):  # a nested union is flattened
            if part == {"type": "null"}:
                nullable = True
            elif part not in branches:
                branches.append(part)
    if not branches:
        raise InvalidSchema(f"anyOf/oneOf at {path} allows only null", hint="use {'type': 'null'}")
    inner = branches[0] if len(branches) == 1 else {"anyOf": branches}
    if "description" in node:
        inner = {"description": str(node["description"]), **inner}
    return _nullable(inner) if nullable else inner


def _normalise_all_of(
    node: JsonSchema,
    path: str,
    depth: int,
    resolving: tuple[str, ...],
    expansion: Expansion,
    nesting: int,
) -> JsonSchema:
    """A one-schema `allOf` (pydantic's wrapper around a `$ref` with its own description)."""
    parts = node["allOf"]
    if not isinstance(parts, list) or len(parts) != 1:
        raise InvalidSchema(f"allOf is supported only around one schema at {path}", hint="merge the schemas into one")
    inner = {**{key: value for key, value in node.items() if key != "allOf"}, **parts[0]}
    if "description" in node:
        inner["description"] = node["description"]
    return _normalise(inner, f"{path}/allOf/0", depth, resolving, expansion, nesting + 1)


def _normalise_type_list(
    node: JsonSchema,
    kinds: list[Any],
    path: str,
    depth: int,
    resolving: tuple[str, ...],
    expansion: Expansion,
    nesting: int,
) -> JsonSchema:
    non_null = [kind for kind in kinds if kind != "null"]
    if len(non_null) != 1 or len(kinds) > 2:
        raise InvalidSchema(f"a type list is supported only as [type, 'null'] at {path}")
    inner = _normalise({**node, "type": non_null[0]}, path, depth, resolving, expansion, nesting + 1)
    return _nullable(inner) if len(kinds) == 2 else inner


def _normalise_enum(node: JsonSchema, path: str) -> JsonSchema:
    values = node["enum"]
    if not isinstance(values, list) or not values or len(values) > 256:
        raise InvalidSchema(f"enum must be a list of 1 to 256 values at {path}")
    if not all(value is None or isinstance(value, str | int | float | bool) for value in values):
        raise InvalidSchema(f"enum values must be strings, numbers, booleans or null at {path}")
    out: JsonSchema = {"enum": list(values)}
    if "description" in node:
        out = {"description": str(node["description"]), **out}
    return out


def _resolve_ref(
    node: JsonSchema,
    path: str,
    depth: int,
    resolving: tuple[str, ...],
    expansion: Expansion,
    nesting: int,
) -> JsonSchema:
    ref = node["$ref"]
    prefix = "#/$defs/"
    if not isinstance(ref, str) or not ref.startswith(prefix) or ref[len(prefix) :] not in expansion.defs:
        raise InvalidSchema(f"unresolvable $ref {ref!r} at {path}", hint="only local #/$defs/NAME references")
    name = ref[len(prefix) :]
    if name in resolving:
        raise InvalidSchema(f"recursive $ref {ref!r} at {path}", hint="recursive schemas cannot be bounded")
    target = copy.deepcopy(expansion.defs[name])
    if "description" in node:
        target["description"] = node["description"]
    return _normalise(target, f"{path}($ref {name})", depth, (*resolving, name), expansion, nesting + 1)


def _nullable(schema: JsonSchema) -> JsonSchema:
    if is_nullable(schema):
        return schema
    description = schema.get("description")
    inner = {key: value for key, value in schema.items() if key != "description"}
    options = inner["anyOf"] if list(inner) == ["anyOf"] else [inner]
    out: JsonSchema = {"anyOf": [*options, {"type": "null"}]}
    return {"description": description, **out} if description else out


def is_nullable(schema: JsonSchema) -> bool:
    """Whether a (compiled) schema node accepts null: `type: null`, a null option, or null in its enum."""
    return (
        schema.get("type") == "null" or {"type": "null"} in schema.get("anyOf", []) or None in schema.get("enum", [1])
    )
