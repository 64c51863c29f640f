"""Copy-grounded decoding: a Lark grammar (llguidance dialect) for a compiled schema and one text.

Every string the schema marks as copied (`x-finx-source` other than `free`) may only be a span
of the text: llguidance's `%regex {"substring_chunks": [...]}` accepts exactly the
concatenations of consecutive chunks, compiled to a suffix automaton. Chunks are runs of letters,
runs of digits, single other characters, and one space for every whitespace run of the text, so
a value may start at any word or number (`9.00` inside `RM9.00`) but never inside one, and a value
spanning lines is written with single spaces. Chunks are JSON-escaped, so the generated JSON
decodes to the text itself.

A copied string with a `pattern` is a span of the text that also matches the pattern (the two
automata intersected). Generated strings with a `format` or `pattern` are llguidance's own JSON
Schema strings (`%json`). Everything else follows the JSON Schema exactly as the plain JSON
constraint does: compact JSON, properties in schema order, every bound (`maxLength`, `maxItems`,
`minItems`) kept, enums, numbers, booleans, null. One grammar per text (per chunk of a long
document); the engines get it as `GenerationRequest.grammar`.
"""

import hashlib
import json
import re

from finx.schemas.compile import JsonSchema
from finx.values.sources import string_mode

TEXT_CHUNK = re.compile(r"[^\W\d_]+|\d+|\s+|.", re.DOTALL)
JSON_STRING_CHAR = r"(\\([\"\\\/bfnrt]|u[a-fA-F0-9]{4})|[^\"\\\x00-\x1F\x7F])"
NUMBER = r"/-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/"
INTEGER = r"/-?(0|[1-9][0-9]*)/"


def text_chunks(text: str) -> list[str]:
    """The text as JSON-escaped chunks (letters, digits, one space per whitespace run, other chars)."""
    chunks: list[str] = []
    for piece in TEXT_CHUNK.findall(text):
        if piece.isspace() or (len(piece) == 1 and ord(piece) < 0x20) or piece == "\x7f":
            if chunks and chunks[-1] != " ":
                chunks.append(" ")
            continue
        chunks.append(json.dumps(piece, ensure_ascii=False)[1:-1])
    while chunks and chunks[-1] == " ":
        chunks.pop()
    return chunks


def copy_grammar(schema: JsonSchema, text: str) -> str:
    """The Lark grammar that accepts the schema's compact JSON with copied strings taken from `text`."""
    builder = _GrammarBuilder(text_chunks(text))
    start = builder.value(schema)
    return "\n".join(["%llguidance {}", f"start: {start}", *builder.rules, *builder.terminals.values()]) + "\n"


class _GrammarBuilder:
    def __init__(self, chunks: list[str]) -> None:
        self.source = json.dumps({"substring_chunks": chunks}, ensure_ascii=False)
        self.rules: list[str] = []
        self.terminals: dict[str, str] = {}

    def value(self, schema: JsonSchema) -> str:
        """A grammar expression for `schema` (rules for objects and arrays are added on the way)."""
        if "anyOf" in schema:
            options = [self.value(option) for option in schema["anyOf"]]
            return "(" + " | ".join(options) + ")"
        if "enum" in schema:
            return "(" + " | ".join(_literal(json.dumps(item, ensure_ascii=False)) for item in schema["enum"]) + ")"
        kind = schema["type"]
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            return self._array(schema)
        if kind == "string":
            return self._string(schema)
        if kind == "number":
            return NUMBER
        if kind == "integer":
            return INTEGER
        if kind == "boolean":
            return '("true" | "false")'
        return '"null"'

    def _object(self, schema: JsonSchema) -> str:
        parts = []
        for index, (name, child) in enumerate(schema["properties"].items()):
            key = json.dumps(name, ensure_ascii=False) + ":"
            parts.append(_literal(("," if index else "{") + key))
            parts.append(self.value(child))
        parts.append('"}"')
        return self._rule(" ".join(parts))

    def _array(self, schema: JsonSchema) -> str:
        item = self._rule(self.value(schema["items"]))
        low, high = schema.get("minItems", 0), schema["maxItems"]
        if high == 0:
            return '"[]"'
        rest = f'("," {item}){{{max(low - 1, 0)},{high - 1}}}'
        items = f"{item} {rest}"
        return self._rule(f'"[" {items} "]"' if low > 0 else f'"[" ({items})? "]"')

    def _string(self, schema: JsonSchema) -> str:
        low, high = max(schema.get("minLength", 0), 1), schema["maxLength"]
        pattern = schema.get("pattern")
        if string_mode(schema) == "free":
            if pattern is not None or "format" in schema:
                keys = ("type", "maxLength", "minLength", "pattern", "format")
                return "%json " + json.dumps({key: schema[key] for key in keys if key in schema}, ensure_ascii=False)
            name = f"FREE_{schema.get('minLength', 0)}_{high}"
            self.terminals.setdefault(name, f'{name}: /"{JSON_STRING_CHAR}{{{schema.get("minLength", 0)},{high}}}"/')
            return name
        name = f"COPY_{low}_{high}"
        matching = ""
        if pattern is not None:
            matching = f" & {whole_match(pattern)}"
            name += "_P" + hashlib.sha256(pattern.encode()).hexdigest()[:10].upper()  # terminal names are upper case
        # the length bound counts JSON-escaped characters: an escaped quote counts twice (stricter only)
        rule = f'{name}: "\\"" ({self._text()}{matching} & /(?s:.){{{low},{high}}}/) "\\""'
        self.terminals.setdefault(name, rule)
        return name

    def _text(self) -> str:
        if "TEXT" not in self.terminals:
            self.terminals["TEXT"] = f"TEXT: %regex {self.source}"
        return "TEXT"

    def _rule(self, body: str) -> str:
        name = f"r{len(self.rules)}"
        self.rules.append(f"{name}: {body}")
        return name


def whole_match(pattern: str) -> str:
    """A Lark regex literal that matches whole strings in which JSON Schema's `pattern` (a search,
    anchored only where it says `^` or `$`) finds a match."""
    anchored_start = pattern.startswith("^")
    anchored_end = pattern.endswith("$") and not pattern.endswith("\\$")
    body = pattern[1 if anchored_start else 0 : -1 if anchored_end else None]
    body = re.sub(r"(?<!\\)/", r"\/", body)
    anywhere = "(?s:.)*"
    return f"/{'' if anchored_start else anywhere}(?:{body}){'' if anchored_end else anywhere}/"


def _literal(text: str) -> str:
    """A Lark string literal for `text`."""
    return json.dumps(text, ensure_ascii=False)
