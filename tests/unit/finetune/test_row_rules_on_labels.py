"""The table-row rules leave labelled rows alone: on the generator's labelled invoices and receipts
(versions 2, 4, 5 and 6) no row is mended (`row_mends`) or withheld as misread or as a total
(`table_rows`). A rule that fires on rows as they are labelled would turn right rows wrong.
(`skipped_rows` is left out: it reads back 2 of these tables' item lines that a later `VOID` line
cancels, which the generator leaves unlabelled.)"""

import pytest

from finx.extraction.row_mends import mended_rows
from finx.extraction.sum_rows import total_rows
from finx.extraction.table_rows import misread_rows
from finx.schemas import get_schema
from finx.schemas.invoice import COUNT_CELLS, NAME_PARTS
from finx.training.data import synthetic_examples

INVOICE = get_schema("invoice").json_schema


@pytest.mark.parametrize("version", [2, 4, 5, 6])
def test_no_row_rule_changes_a_labelled_row_of_the_generator(version: int) -> None:
    changed, withheld = [], []
    for example in synthetic_examples(80, 7, version):
        target = example.target
        if not target.get("line_items") or not example.schema.name.startswith("invoice"):
            continue
        changed += [
            (example.id, path) for path in mended_rows(target, INVOICE, example.text, NAME_PARTS, COUNT_CELLS)[1]
        ]
        withheld += [
            (example.id, path)
            for path in {**misread_rows(target, INVOICE, example.text, 2), **total_rows(target, INVOICE, example.text)}
        ]
    assert changed == []
    assert withheld == []
