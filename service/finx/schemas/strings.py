"""String nodes of a schema being compiled (`compile.py`): length bounds, where the value comes from
(`x-finx-source`), the words that state its role (`x-finx-cue`) or another (`x-finx-other-roles`),
`format` and `pattern`; and the integer bounds of strings and arrays.

`format: date` makes a copied date (normalised to YYYY-MM-DD by code); the formats in `FORMATS`
are enforced while generating; a pattern must be one every backend can enforce.
"""

import re
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from pydantic_core import SchemaError

from finx.errors import InvalidSchema
from finx.schemas.fields import CUE_KEYWORD, OTHER_ROLES_KEYWORD, SOURCE_KEYWORD, SOURCE_MODES, JsonSchema

DEFAULT_MAX_STRING = 256
FORMATS = frozenset({"date-time", "time", "email", "uri", "uuid", "hostname", "ipv4", "ipv6"})
"""String formats enforced while generating (llguidance, outlines and xgrammar all know them);
`date` is copied and normalised instead."""
UNIQUE_KEYWORD = "x-finx-unique"
"""On an array: its items are made unique after generation (JSON Schema's `uniqueItems`)."""
MERGE_KEYWORD = "x-finx-merge"
"""On a top-level array: how the answers of a long document's chunks join. `union` (the default):
every chunk's items, repeats dropped; `first`: the list of the first chunk that holds any (for
lists a document states once, at its start: a contract's parties are named in its preamble, and
later chunks hold signatories, affiliates and addresses)."""
MERGE_MODES = frozenset({"union", "first"})
ROLE_KEYWORDS = (CUE_KEYWORD, OTHER_ROLES_KEYWORD)
"""The lists of phrases that judge a top-level string's candidates by the words around them."""
MAX_ROLE_PHRASES = 20
MAX_ROLE_PHRASE_LENGTH = 60
MAX_PATTERN_LENGTH = 1000
UNSUPPORTED_REGEX = re.compile(r"\\[1-9]|\(\?<?[=!]|\\[bBAzZ]")
"""Look-around, back-references and word boundaries: no constrained-decoding backend has them."""


def normalise_string(node: JsonSchema, path: str) -> JsonSchema:
    out: JsonSchema = {"type": "string", "maxLength": bounded_int(node, "maxLength", path, DEFAULT_MAX_STRING)}
    if "minLength" in node:
        out["minLength"] = bounded_int(node, "minLength", path, 0)
    mode = node.get(SOURCE_KEYWORD)
    if mode is not None and mode not in SOURCE_MODES:
        raise InvalidSchema(
            f"{SOURCE_KEYWORD} must be one of {', '.join(SOURCE_MODES)}, got {mode!r}", hint=f"{path}/{SOURCE_KEYWORD}"
        )
    kind = node.get("format")
    if kind == "date" and mode in (None, "date"):
        mode = "date"  # copied as written, returned as YYYY-MM-DD
    elif kind is not None:
        if kind not in FORMATS and kind != "date":
            raise InvalidSchema(
                f"unsupported string format {kind!r} at {path}", hint="supported: date, " + ", ".join(sorted(FORMATS))
            )
        if mode not in (None, "free"):
            raise InvalidSchema(f"format {kind!r} is generated, not copied: {SOURCE_KEYWORD} {mode!r} at {path}")
        out["format"] = kind
    if "pattern" in node:
        out["pattern"] = checked_pattern(node["pattern"], f"{path}/pattern")
        if "format" in out:
            raise InvalidSchema(f"format and pattern together at {path}", hint="keep one of them")
    if mode is not None:
        out[SOURCE_KEYWORD] = mode
    for keyword in ROLE_KEYWORDS:
        if keyword in node:
            out[keyword] = checked_phrases(node[keyword], keyword, f"{path}/{keyword}")
    return out


def checked_phrases(phrases: Any, keyword: str, path: str) -> list[str]:
    """A cue or other roles: 1 to `MAX_ROLE_PHRASES` phrases of 1 to `MAX_ROLE_PHRASE_LENGTH`
    characters, each with a letter or digit."""
    if (
        not isinstance(phrases, list)
        or not 1 <= len(phrases) <= MAX_ROLE_PHRASES
        or not all(isinstance(phrase, str) and 0 < len(phrase) <= MAX_ROLE_PHRASE_LENGTH for phrase in phrases)
        or not all(any(character.isalnum() for character in phrase) for phrase in phrases)
    ):
        raise InvalidSchema(
            f"{keyword} must be a list of 1 to {MAX_ROLE_PHRASES} phrases of 1 to {MAX_ROLE_PHRASE_LENGTH} "
            "characters, each with a letter or digit",
            hint=path,
        )
    return list(phrases)


def checked_pattern(pattern: Any, path: str) -> str:
    """A pattern every backend can enforce: bounded, valid, without look-around or back-references."""
    if not isinstance(pattern, str) or not pattern or len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidSchema(f"pattern must be a regular expression of 1 to {MAX_PATTERN_LENGTH} characters", hint=path)
    try:
        re.compile(pattern)
    except re.error as error:
        raise InvalidSchema(f"pattern is not a valid regular expression ({error})", hint=path) from None
    if UNSUPPORTED_REGEX.search(pattern):
        raise InvalidSchema(
            "pattern uses look-around, a back-reference or a word boundary, which constrained decoding cannot enforce",
            hint=path,
        )
    try:  # the output model checks the pattern with pydantic's own regex engine, which has a size limit
        TypeAdapter(Annotated[str, Field(pattern=pattern)])
    except SchemaError as error:
        reason = str(error).strip().splitlines()[-1].strip()
        raise InvalidSchema(f"pattern cannot be compiled ({reason})", hint=path) from None
    return pattern


def bounded_int(node: JsonSchema, key: str, path: str, default: int) -> int:
    value = node.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidSchema(f"{key} must be a non-negative integer", hint=f"{path}/{key}")
    limit = 4096 if key.endswith("Length") else 256
    if value > limit:
        raise InvalidSchema(f"{key} {value} is over finx's limit of {limit}", hint=f"{path}/{key}")
    return value
