"""The single values of an invoice or a receipt judged against the document and the answer's
other values: the tax a line states, figures that contradict the total or are an item's amount,
and an address that starts with the seller's name or registration number.

- A stated tax (`stated_tax`): where the model wrote no tax, or no amount for it (the rate, `20%`),
  the one amount the document states on a tax's line (`schemas.invoice.TAX_LINE`), below the total.
- Inconsistent figures (`inconsistent_figures`): a tax not below a total above zero
  (`schemas.invoice.BELOW_TOTAL`: the total's or a payment's line read as the tax), and a figure
  that is an item's amount (`sum_rows.item_line_figures`).
- An address without the seller (`address_without_seller`): a receipt prints the seller's legal
  name and registration number over its address (`WAHIN HARDWARE SDN BHD` / `148481-U` / `425,
  JALAN PAHANG,`); an address read from a line above its first keeps neither
  (`SELLER_BEFORE_ADDRESS`).

Knows the built-in schemas' names for these values (`tax`, `total`, `address`) and the document
text; not chunks, confidences or engines (the caller, `answer`, applies and records the changes).
"""

import re
from typing import Any

from finx.extraction.sum_rows import item_line_figures
from finx.extraction.table_rows import decimal_amount
from finx.schemas.compile import JsonSchema
from finx.schemas.invoice import BELOW_TOTAL, TAX_LINE
from finx.values.normalise import ACRONYM_FORMS, PERIOD_FORMS, written_number

REGISTRATION = r"\(?\d{3,}-[A-Z]\)?"
"""A company registration number as receipts print it under the name (`148481-U`, `(417940-M)`)."""
SELLER_BEFORE_ADDRESS = re.compile(
    rf"{REGISTRATION}[\s,.]+"
    rf"|[^\d,\n]*?\b(?:sdn\.?\s*bhd|berhad|limited|{PERIOD_FORMS}|{ACRONYM_FORMS})\b\.?(?:\s*\(\d[\w-]*\))?"
    rf"\s*(?:,\s*|\s+(?={REGISTRATION}[\s,.]))",
    re.IGNORECASE,
)
"""What a seller's address does not start with: the seller's registration number, or its legal
name followed by a comma or that number (`148481-U`, `URBAN IDEA SDN BHD (417940-M),`), printed
over the address. None of SROIE's 624 labelled addresses does; finx-lora-v11 read 2 of SROIE's 70
dev addresses so."""


def stated_tax(written: dict[str, Any], document: str) -> str | None:
    """The tax the document states on a line of its own (`TAX_LINE`): one amount, below the answer's
    total where it has one; None where the answer has a tax that reads as an amount, or the
    document states none or several."""
    if written_number(written.get("tax") or ""):
        return None
    stated = {match.group("amount") for match in TAX_LINE.finditer(document)}
    if len({decimal_amount(amount) for amount in stated}) != 1:
        return None
    tax, total = stated.pop(), decimal_amount(written.get("total"))
    if total is not None and not 0 < (decimal_amount(tax) or 0) < total:
        return None
    return tax


def inconsistent_figures(written: dict[str, Any], schema: JsonSchema, document: str) -> list[str]:
    """The answer's figures (names) that contradict its total (`BELOW_TOTAL`: not below a total above
    zero) or are an item's amount (`item_line_figures`)."""
    total = decimal_amount(written.get("total"))
    below = [
        name
        for name in BELOW_TOTAL
        if total is not None and total > 0 and (part := decimal_amount(written.get(name))) is not None
        if part >= total
    ]
    return below + [name for name in item_line_figures(written, schema, document) if name not in below]


def address_without_seller(address: Any) -> str | None:
    """`address` without the seller's name and registration number it starts with
    (`SELLER_BEFORE_ADDRESS`: `148481-U 425, JALAN PAHANG` -> `425, JALAN PAHANG`); None where it
    starts with neither or nothing would be left."""
    if not isinstance(address, str):
        return None
    rest = address
    while (seller := SELLER_BEFORE_ADDRESS.match(rest)) is not None and rest[seller.end() :].strip():
        rest = rest[seller.end() :]
    return rest if rest != address else None
