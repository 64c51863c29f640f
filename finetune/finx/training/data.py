"""Data sources for training and evaluation: a format, a path, a split and an optional cap.

`format` is an importer name (`sroie`, `kleister-nda`, `finer-ord`, `conll`, `cord`), `jsonl` for
the project's labeled-example format, or `synthetic` (the generator; `path` is ignored,
`max_examples` is the count, `seed` the seed, `version` the generator version; `shop_header`
gives real receipts without a head a generated one). The dev split is a
fixed, content-independent hash of each example's id, so the same example always lands on the
same side, whatever else changes.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from finx.errors import FinxError
from finx.training.examples import Example, LoadReport, load_examples
from finx.training.importers import import_examples

Split = Literal["train", "dev", "all"]


@dataclass(frozen=True)
class DataSource:
    format: str
    path: Path
    split: Split = "all"
    dev_fraction: float = 0.1
    """Share of examples in the dev split (by id hash)."""
    max_examples: int | None = None
    """Cap after splitting (the first ones in id-hash order, so caps are stable too)."""
    seed: int = 0
    """Seed of the `synthetic` source."""
    version: int = 1
    """Generator version of the `synthetic` source: 1 (`synthetic`), 2 (`synthetic_tables`: real
    line-item layouts), 3 (`synthetic_contracts`: NDAs whose term is stated or not), 4 (`synthetic_invoices`: supplier
    invoices with full heads, currency and bank details around real tables), 5 (`synthetic_receipts`:
    receipts and small invoices in ten languages with open item names), 6 (`synthetic_short`: short
    invoices with packed heads and rows right under them); an old config keeps its
    version and so its data."""
    repeat: int = 1
    """How many times this source's records go into one pass (training only): passes per source."""
    shop_header: float = 0.0
    """Share of this source's `invoice` examples without a vendor (CORD's rebuilt receipts) given a
    generated shop head (name, address, date, bill number) above their text, labelled
    (`synthetic_tables.with_shop_header`, seeded by `seed`); 0 keeps them as imported."""


def in_dev_split(example_id: str, dev_fraction: float) -> bool:
    bucket = int(hashlib.sha256(example_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < dev_fraction


def read_source(source: DataSource) -> LoadReport:
    """The examples of one source, split and capped, with the loader's error messages."""
    if source.format == "synthetic":
        return LoadReport(synthetic_examples(source.max_examples or 100, source.seed, source.version), [])
    report = load_examples(source.path) if source.format == "jsonl" else import_examples(source.format, source.path)
    examples: list[Example] = report.examples
    if source.split != "all":
        want_dev = source.split == "dev"
        examples = [e for e in examples if in_dev_split(e.id, source.dev_fraction) == want_dev]
    if source.max_examples is not None:
        examples = sorted(examples, key=lambda e: hashlib.sha256(e.id.encode()).hexdigest())[: source.max_examples]
    if source.shop_header:
        from finx.training.synthetic_tables import with_shop_header

        examples = [with_shop_header(example, source.seed, source.shop_header) for example in examples]
    return LoadReport(examples, report.errors)


def synthetic_examples(count: int, seed: int, version: int) -> list[Example]:
    """The generator's documents of `version` (1 to 6)."""
    if version == 1:
        from finx.training import synthetic as generator
    elif version == 2:
        from finx.training import synthetic_tables as generator  # type: ignore[no-redef]
    elif version == 3:
        from finx.training import synthetic_contracts as generator  # type: ignore[no-redef]
    elif version == 4:
        from finx.training import synthetic_invoices as generator  # type: ignore[no-redef]
    elif version == 5:
        from finx.training import synthetic_receipts as generator  # type: ignore[no-redef]
    elif version == 6:
        from finx.training import synthetic_short as generator  # type: ignore[no-redef]
    else:
        raise FinxError(f"unknown synthetic generator version {version}", hint="known: 1 to 6")
    return generator.generate(count, seed)
