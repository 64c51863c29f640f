"""The one definition of how a compiled JSON Schema becomes a decoding constraint, per backend.

Both engines build their constraint here, so the same backend name means the same grammar and the
same greedy output in vLLM and in transformers. Every backend emits compact JSON (no optional
whitespace).

Backends (measured on the built-in schemas, SmolLM2 vocabulary, this 2-core CPU):
- `guidance` (llguidance, the default): masks computed lazily per token, no compile step (<5 ms).
- `outlines` (outlines-core): regex compiled to a token index up front; bounded strings and lists
  make that slow (receipt 4 s, invoice 42 s, entities 83 s on first use).
- `xgrammar`: vLLM only here; compiles in 1-3 s.
"""

import json

from service.schemas.compile import JsonSchema


def guidance_grammar(schema: JsonSchema) -> str:
    """The llguidance grammar of a schema, exactly as vLLM's guidance backend builds it."""
    import llguidance

    return llguidance.LLMatcher.grammar_from_json_schema(json.dumps(schema), defaults={"whitespace_flexible": False})


def outlines_regex(schema: JsonSchema) -> str:
    """The outlines-core regex of a schema, with no optional whitespace."""
    from outlines_core.json_schema import build_regex_from_schema

    return build_regex_from_schema(json.dumps(schema), whitespace_pattern="")
