"""The one definition of how a compiled JSON Schema becomes a decoding constraint, per backend.

Both engines build their constraint here, so the same backend name means the same grammar and the
same greedy output in vLLM and in transformers. Every backend emits compact JSON (no optional
whitespace).

Backends (measured on the built-in schemas, SmolLM2 vocabulary, this 2-core CPU):
- `guidance` (llguidance, the default): masks computed lazily per token, no compile step (<5 ms).
- `outlines` (outlines-core): regex compiled to a token index up front; bounded strings and lists
  make that slow (receipt 4 s, invoice 42 s, entities 83 s on first use).
- `xgrammar`: vLLM only here; compiles in 1-3 s.

Copy-grounded decoding (`copy_grammar`, a Lark grammar per document chunk) runs on `guidance` only.
"""

import json
import math
import re._parser as re_parser

from finx.engines.copy_grammar import copy_grammar
from finx.errors import FinxError, InvalidSchema
from finx.schemas.compile import JsonSchema

__all__ = ["COPY_GROUNDING_BACKEND", "copy_grammar", "guidance_grammar", "guidance_lark", "outlines_regex"]

COPY_GROUNDING_BACKEND = "guidance"
"""Copy-grounded decoding needs llguidance's substring constraint."""


def guidance_grammar(schema: JsonSchema) -> str:
    """The llguidance grammar of a schema, exactly as vLLM's guidance backend builds it."""
    import llguidance

    return llguidance.LLMatcher.grammar_from_json_schema(json.dumps(schema), defaults={"whitespace_flexible": False})


def guidance_lark(grammar: str) -> str:
    """A copy-grounding Lark grammar in the form llguidance matchers take."""
    import llguidance

    return llguidance.grammar_from("lark", grammar)


def unenforced_keywords(schema: JsonSchema) -> set[str]:
    """The string keywords outlines-core would leave unenforced anywhere in a compiled schema: every
    `format`, and a `pattern` beside a `maxLength` (which overrides it)."""
    if schema.get("type") == "string":
        found = {"format"} & set(schema)
        return found | ({"pattern"} if "pattern" in schema and "maxLength" in schema else set())
    found = set()
    for option in schema.get("anyOf", []):
        found |= unenforced_keywords(option)
    for child in schema.get("properties", {}).values():
        found |= unenforced_keywords(child)
    if isinstance(schema.get("items"), dict):
        found |= unenforced_keywords(schema["items"])
    return found


def require_copy_backend(backend: str) -> None:
    """Copy-grounded decoding runs only on the guidance backend: say so clearly elsewhere."""
    if backend != COPY_GROUNDING_BACKEND:
        raise FinxError(
            f"copy-grounded decoding needs the {COPY_GROUNDING_BACKEND} backend, this engine runs {backend}",
            hint="turn copy-grounding off for this request, or serve with --backend guidance",
        )


def outlines_regex(schema: JsonSchema) -> str:
    """The outlines-core regex of a schema, with no optional whitespace. outlines-core lets a
    string's `maxLength` override its `pattern` and `format`, and finx bounds every string: a
    pattern that cannot match more than the string's `maxLength` characters (a date's shape) keeps
    the bound by itself and is enforced in its place; any other pattern, and every `format`, is
    refused (INVALID_ARGUMENT naming it) rather than silently unenforced."""
    from outlines_core.json_schema import build_regex_from_schema

    schema = with_bounded_patterns(schema)
    unenforced = sorted(unenforced_keywords(schema))
    if unenforced:
        raise InvalidSchema(
            f"the outlines backend cannot enforce '{unenforced[0]}' on a bounded string",
            hint="use guidance or xgrammar",
        )
    try:
        return build_regex_from_schema(json.dumps(schema), whitespace_pattern="")
    except (ValueError, TypeError) as error:
        raise InvalidSchema(f"the outlines backend cannot compile this schema: {error}", hint="use guidance") from None


def with_bounded_patterns(schema: JsonSchema) -> JsonSchema:
    """`schema` with the length bounds dropped from strings whose `pattern` never matches more
    characters than the bound (fully anchored, of bounded width), so that the pattern is what
    outlines-core enforces."""
    if schema.get("type") == "string":
        pattern, bound = schema.get("pattern"), schema.get("maxLength")
        if isinstance(pattern, str) and isinstance(bound, int) and pattern_width(pattern) <= bound:
            return {key: value for key, value in schema.items() if key not in ("maxLength", "minLength")}
        return schema
    out = dict(schema)
    if "anyOf" in schema:
        out["anyOf"] = [with_bounded_patterns(option) for option in schema["anyOf"]]
    if "properties" in schema:
        out["properties"] = {name: with_bounded_patterns(child) for name, child in schema["properties"].items()}
    if isinstance(schema.get("items"), dict):
        out["items"] = with_bounded_patterns(schema["items"])
    return out


def pattern_width(pattern: str) -> float:
    """The most characters a match of a fully anchored `pattern` (`^...$`) can hold; infinite for
    an unanchored or unbounded one."""
    if not (pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")):
        return math.inf
    longest = re_parser.parse(pattern).getwidth()[1]
    return math.inf if longest >= re_parser.MAXREPEAT else longest
