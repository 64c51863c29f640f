"""FiNER-ORD token CSV (`gold_label,gold_token,doc_idx,sent_idx`; labels 0=O 1=B-PER 2=I-PER
3=B-LOC 4=I-LOC 5=B-ORG 6=I-ORG) -> `entities:ORG,PERSON,LOCATION` examples, one per article
(long ones in parts that fit the lists).
"""

import csv
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

from finx.schemas import get_schema
from finx.schemas.entities import MAX_PER_TYPE
from finx.training.examples import Example
from finx.training.importers.tokens import TaggedToken, build_document, split_to_fit

LABELS = {0: ("", False), 1: ("PER", True), 2: ("PER", False), 3: ("LOC", True), 4: ("LOC", False)}
LABELS |= {5: ("ORG", True), 6: ("ORG", False)}


def read(path: Path) -> Iterator[Example]:
    spec = get_schema("entities:ORG,PERSON,LOCATION")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for doc_idx, doc_rows in groupby(rows, key=lambda row: row["doc_idx"]):
        sentences = []
        for _, sentence_rows in groupby(doc_rows, key=lambda row: row["sent_idx"]):
            sentence = []
            for row in sentence_rows:
                tag, begins = LABELS[int(float(row["gold_label"]))]
                sentence.append(TaggedToken(row["gold_token"], tag, begins))
            sentences.append(sentence)
        parts = split_to_fit(sentences, MAX_PER_TYPE)
        for number, part in enumerate(parts):
            text, entities = build_document(part)
            suffix = f"-{number}" if len(parts) > 1 else ""
            yield Example(f"finer-ord/{path.stem}/{doc_idx}{suffix}", spec, text, entities, source="finer-ord")
