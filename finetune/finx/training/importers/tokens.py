"""Rebuilding readable text from token-level NER data, with exact entity offsets.

Tokens are joined with spaces except around punctuation that attaches to a neighbour, and each
entity's text is the exact substring of the rebuilt document, so grounding finds it. A document
with more distinct entities of one type than a schema's list holds is cut into consecutive parts
that fit (`split_to_fit`), rather than dropped.
"""

from collections.abc import Iterable
from dataclasses import dataclass

ATTACH_LEFT = {",", ".", ";", ":", "!", "?", "%", ")", "]", "}", "'s", "n't", "'", "'re", "'ve", "'ll", "'d", "'m"}
ATTACH_RIGHT = {"(", "[", "{", "$", "#", "US$", "€", "£"}
ENTITY_FIELDS = {"ORG": "org", "PER": "person", "PERSON": "person", "LOC": "location"}


@dataclass
class TaggedToken:
    text: str
    tag: str
    """Entity type (ORG, PER, LOC ...) or "" for outside."""
    begins: bool
    """True when this token starts a new entity (B- tag, or a type change in IO tagging)."""


def build_document(sentences: Iterable[list[TaggedToken]]) -> tuple[str, dict[str, list[str]]]:
    """The text (one sentence per line) and the entities per schema field, unique, in order."""
    lines: list[str] = []
    entities: dict[str, list[str]] = {"org": [], "person": [], "location": []}
    offset = 0
    for sentence in sentences:
        line = ""
        spans: list[tuple[str, int, int]] = []
        previous = ""
        for token in sentence:
            glue = "" if not line or token.text in ATTACH_LEFT or previous in ATTACH_RIGHT else " "
            line += glue
            start = len(line)
            line += token.text
            previous = token.text
            field = ENTITY_FIELDS.get(token.tag)
            if field is None:
                continue
            if token.begins or not spans or spans[-1][0] != field or spans[-1][2] != start - len(glue):
                spans.append((field, start, len(line)))
            else:
                spans[-1] = (field, spans[-1][1], len(line))
        for field, start, end in spans:
            mention = line[start:end]
            if mention not in entities[field]:
                entities[field].append(mention)
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), entities


def split_to_fit(sentences: list[list[TaggedToken]], max_per_type: int) -> list[list[list[TaggedToken]]]:
    """Consecutive runs of sentences, each with at most `max_per_type` distinct entities per field
    (one run when the whole document fits; a single sentence over the cap stays one run)."""
    parts: list[list[list[TaggedToken]]] = [[]]
    for sentence in sentences:
        if parts[-1] and any(len(found) > max_per_type for found in build_document([*parts[-1], sentence])[1].values()):
            parts.append([])
        parts[-1].append(sentence)
    return parts
