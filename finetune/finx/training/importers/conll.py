"""CoNLL NER files (`token POS chunk tag` per line, blank line between sentences, `-DOCSTART-`
between documents; IO or IOB tags with types PER, LOC, ORG, MISC) -> `entities:ORG,PERSON,LOCATION`
examples, one per document (long ones in parts that fit the lists). MISC is not an `entities` type and is left out.
"""

from collections.abc import Iterator
from pathlib import Path

from finx.schemas import get_schema
from finx.schemas.entities import MAX_PER_TYPE
from finx.training.examples import Example
from finx.training.importers.tokens import TaggedToken, build_document, split_to_fit


def parse_tag(tag: str) -> tuple[str, bool]:
    if tag == "O" or "-" not in tag:
        return "", False
    prefix, _, kind = tag.partition("-")
    return kind, prefix == "B"


def read(path: Path) -> Iterator[Example]:
    spec = get_schema("entities:ORG,PERSON,LOCATION")
    documents: list[list[list[TaggedToken]]] = []
    sentence: list[TaggedToken] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if not parts:
            if sentence and documents:
                documents[-1].append(sentence)
            sentence = []
        elif parts[0] == "-DOCSTART-":
            documents.append([])
        else:
            kind, begins = parse_tag(parts[-1])
            sentence.append(TaggedToken(parts[0], kind, begins))
    if sentence and documents:
        documents[-1].append(sentence)
    for index, sentences in enumerate(documents):
        if not sentences:
            continue
        pieces = split_to_fit(sentences, MAX_PER_TYPE)
        for number, piece in enumerate(pieces):
            text, entities = build_document(piece)
            suffix = f"-{number}" if len(pieces) > 1 else ""
            yield Example(f"conll/{path.stem}/{index}{suffix}", spec, text, entities, source=path.stem)
