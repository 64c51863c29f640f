"""Importers for public labeled formats, by name. Each yields unvalidated `Example`s, which
`import_examples` validates against their schemas; nothing is stored.

- `sroie`: SROIE 2019 task 3 folder (`box/*.txt` + `entities/*.json`) -> `receipt`
- `kleister-nda`: Kleister-NDA folder (`in.tsv.xz` + `expected.tsv`) -> `nda`
- `finer-ord`: FiNER-ORD token CSV -> `entities:ORG,PERSON,LOCATION`
- `conll`: CoNLL NER file (e.g. the SEC credit agreements) -> `entities:ORG,PERSON,LOCATION`
- `cord`: CORD v1 receipts folder (one JSON per receipt, OCR words + labelled line items) -> `invoice`
"""

import importlib
from pathlib import Path

from finx.errors import FinxError
from finx.training.examples import ExampleError, LoadReport, make_example

IMPORTERS: dict[str, str] = {
    "sroie": "finx.training.importers.sroie",
    "kleister-nda": "finx.training.importers.kleister",
    "finer-ord": "finx.training.importers.finer",
    "conll": "finx.training.importers.conll",
    "cord": "finx.training.importers.cord",
}


def import_examples(format_name: str, path: Path) -> LoadReport:
    """Validated examples read from `path` in the named format, and one message per bad example."""
    if format_name not in IMPORTERS:
        raise FinxError(f"unknown format {format_name!r}", hint="known: " + ", ".join(IMPORTERS))
    if not path.exists():
        raise FinxError(f"no such file or folder: {path}")
    module = importlib.import_module(IMPORTERS[format_name])
    report = LoadReport()
    try:
        for raw in module.read(path):
            try:
                report.examples.append(
                    make_example(raw.id, raw.schema, raw.text, raw.target, raw.source, raw.unlabelled)
                )
            except ExampleError as error:
                report.errors.append(str(error))
    except (OSError, ValueError, KeyError, IndexError) as error:
        raise FinxError(f"cannot read {path} as {format_name}: {error}") from None
    return report
