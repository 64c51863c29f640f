"""Kleister-NDA: `in.tsv.xz` (columns of `in-header.tsv`; the text is `text_best`, with `\\n`
escaped) and `expected.tsv` (`key=Value_with_underscores ...` per document) -> `nda` examples.

Gold values have underscores for spaces; `term` such as `2_years` becomes `2 years`.
"""

import lzma
from collections.abc import Iterator
from pathlib import Path

from finx.schemas import get_schema
from finx.training.examples import Example


def unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")


def parse_expected(line: str) -> dict[str, object]:
    parties: list[str] = []
    target: dict[str, object] = {"parties": parties, "jurisdiction": None, "effective_date": None, "term": None}
    for item in line.split():
        key, _, value = item.partition("=")
        value = value.replace("_", " ").strip()
        if key == "party":
            if value not in parties:
                parties.append(value)
        elif key in target:
            target[key] = value
    return target


def read(folder: Path) -> Iterator[Example]:
    spec = get_schema("nda")
    header = (folder / "in-header.tsv").read_text().strip().split("\t")
    text_column = header.index("text_best")
    expected = (folder / "expected.tsv").read_text(encoding="utf-8").splitlines()
    with lzma.open(folder / "in.tsv.xz", "rt", encoding="utf-8") as handle:
        for line, gold in zip(handle, expected, strict=False):
            columns = line.rstrip("\n").split("\t")
            name = columns[0].removesuffix(".pdf")
            target = parse_expected(gold)
            target["parties"] = target["parties"][:8]  # type: ignore[index]
            text = unescape(columns[text_column])
            yield Example(f"kleister-nda/{name}", spec, text, target, source="kleister-nda")
