"""SROIE 2019 task 3: `box/<ID>.txt` (one OCR line per row: 8 coordinates, then the text) and
`entities/<ID>.json` (company, date, address, total) -> `receipt` examples.

The document text is the OCR lines in file order, one per line. Receipts without a labels file
are left out.
"""

import json
from collections.abc import Iterator
from pathlib import Path

from finx.schemas import get_schema
from finx.training.examples import Example

FIELDS = ("company", "date", "address", "total")


def box_text(path: Path) -> str:
    lines = []
    for row in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = row.split(",", 8)
        if len(parts) == 9 and parts[8].strip():
            lines.append(parts[8].strip())
    return "\n".join(lines)


def read(folder: Path) -> Iterator[Example]:
    spec = get_schema("receipt")
    for box in sorted((folder / "box").glob("*.txt")):
        labels = folder / "entities" / f"{box.stem}.json"
        if not labels.is_file():
            continue
        gold = json.loads(labels.read_text(encoding="utf-8", errors="replace"))
        target = {name: (str(gold[name]).strip() or None) if gold.get(name) else None for name in FIELDS}
        yield Example(f"sroie/{box.stem}", spec, box_text(box), target, source="sroie")
