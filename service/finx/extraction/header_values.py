"""The single values of an invoice, a receipt or an agreement judged against the document and the
answer's other values: a total, tax or date the document states once (an agreement's term and
parties: `agreement_values`), figures that contradict the total or are an item's amount, a date or
amount read as the invoice's number, and a seller's name or address read with another line's text
(a branch's or the document's number, a registration number, a phone line).

- Stated values (`stated_values`): where the model wrote no tax, no amount for it (the rate,
  `20%`) or one read from another line (a service charge, the subtotal, the change), the one amount
  the document states on a tax's line (`schemas.invoice.TAX_LINE`), below the total (another line's
  figure read as the tax: on finx-lora-v11's answers to CORD's 500 receipts 6, all turn right; no
  labelled tax of 1,098 would change); where it wrote no date, the one date the document prints
  (`05.12.24` on a discounter's last line: on finx-lora-v11's dev answers 5 dates left null, each
  the one the document prints); where it read the total from a line that names a tax (`Total
  includes GST  $2.73`), the one amount stated on a total's line (`schemas.invoice.TOTAL_LINE`);
  where the document prints the tax in parts (`CGST @ 2.5%` and `SGST @ 2.5%`, `PTU A 23%` and
  `PTU C 5%`) and the model wrote none or one part, the line of their sum (`Total Tax  73.50`,
  `SUMA PTU  2,41`: `tax_of_parts`; on finx-lora-v11's dev answers 2 turn right).
- Inconsistent values (`inconsistent_values`): a tax not below a total above zero
  (`schemas.invoice.BELOW_TOTAL`: the total's or a payment's line read as the tax), a figure that
  is an item's amount (`sum_rows.item_line_figures`), and an invoice number in a date's shape
  (`15 Jul 2024`: none of 1,067 labelled invoice numbers is; 2 of finx-lora-v11's dev answers), an
  amount's or words (`is_no_document_number`), a tax that is one part of a tax printed in parts
  (`is_tax_part`: 2 of finx-lora-v11's dev answers, none right), a seller that is the document's
  title and number (`DOCUMENT_TITLE`), a seller or buyer that is a place or contact line
  (`party_names.is_place_or_contact`), a receipt's address that holds a date or a time of day
  (`DATE_OR_TIME`), and a subtotal that is the total's line read twice on a receipt that prints no
  subtotal (`is_total_read_as_subtotal`).
- Names and addresses as the document writes them (`party_names`): a receipt's address without the
  seller over it or the contacts under it, a seller without a branch's or the document's number,
  with its whole legal form, not read on into its address.

Knows the built-in schemas' names for these values (`tax`, `total`: `TOTAL_SCHEMAS`, `BILL_FIGURES`,
`address`, `company`, `vendor`: `SELLER_NAMES`, `date`, `invoice_date`: `DATE_FIELDS`; an
agreement's: `agreement_values`) and the document text; not chunks, confidences or engines (the
caller, `answer`, applies and records the changes).
"""

import re
from decimal import Decimal
from typing import Any

from finx.extraction.agreement_values import PARTY_FIELDS, TERM_FIELDS, agreement_parties, stated_term
from finx.extraction.party_names import (
    is_place_or_contact,
    seller_address,
    seller_before_place,
    seller_name,
    with_form_period,
    with_form_rest,
)
from finx.extraction.sum_rows import item_line_figures
from finx.extraction.table_rows import decimal_amount, last_figure, line_end, line_start, whole_figures
from finx.schemas.compile import JsonSchema
from finx.schemas.fields import DATE_SHAPE
from finx.schemas.invoice import BELOW_TOTAL, TAX_LINE, TAX_MENTION, TAX_PART_LINE, TAX_SUM_LINE, TOTAL_LINE
from finx.values.normalise import (
    DATE_SEARCH,
    normalise_date,
    without_glued_symbol,
    written_number,
)

MONEY_SHAPE = re.compile(r"-?[$€£¥₹₩฿]?\s?\d{1,3}(?:[.,]\d{3})*[.,]\d{2}")
"""An amount of money as printed (`$8.00`, `1,234.50`): none of 1,078 labelled invoice numbers has
this shape; finx-lora-v11 read a Kmart receipt's unit price `$8.00` as its number."""
TOTAL_SCHEMAS = ("invoice", "receipt")
"""The built-in schemas with a `total`."""
BILL_FIGURES = {"invoice": ("subtotal", "tax", "total")}
"""Per built-in schema, the bill's figures written without the currency (the receipt's total keeps
the symbol SROIE labels it with: `values.normalise.GLUED_SYMBOL`)."""
DOCUMENT_TITLE = re.compile(
    r"(?:\S+\s+){0,3}?(?:invoice|inv|factura|rechnung|facture|fattura|faktura|receipt|bill|order)\.?"
    r"\s*(?:no\.?|nr\.?|#|number)?\s*:?\s*[\w/-]*\d[\w/-]*",
    re.IGNORECASE,
)
"""A document's title and number alone (`Rechnung Nr. RE-2024-1187`, `INVOICE # 3094`), read as the
seller: none of 1,135 labelled sellers starts with such a title."""
BUYER_NAMES = {"invoice": "customer"}
"""Per built-in schema, the field that names the buyer."""
NET_MENTION = re.compile(r"\b(?:net+o?|sub\w*|excl\w*|before)\b", re.IGNORECASE)
"""A net amount named on a total's line (`Total net  16,005,000`, `Total excl. VAT`)."""
DATE_OR_TIME = re.compile(rf"{DATE_SEARCH.pattern}|\b\d{{1,2}}:\d{{2}}\b", re.IGNORECASE)
"""A date or a time of day: what a receipt's address does not hold (none of 636 labelled addresses,
SROIE's and the hand-made sets', does), and the line under it does (`LE 30/03/2018 A 12:36
V201855892CAISSIER 1`: finx-lora-v11 read 1 of the dev run's 82 receipt addresses so)."""
ADDRESS_FIELDS = {"receipt": "address"}
"""Per built-in schema, the field that holds the seller's address."""
SELLER_NAMES = {"receipt": "company", "invoice": "vendor"}
"""Per built-in schema, the field that names the seller."""
DATE_FIELDS = {"receipt": "date", "invoice": "invoice_date"}
"""Per built-in schema, the field that holds the document's own date. Of 1,253 labelled receipts
and invoices (CORD, SROIE, finx's dev sets, generator versions 2, 4-6) that print one date, that
date is the labelled one in all (2 read otherwise by `normalise_date`, printed the same); none
that prints one date leaves it unlabelled."""


def stated_values(written: dict[str, Any], schema_name: str, schema: JsonSchema, document: str) -> dict[str, Any]:
    """{field: value} of the values the model left out (or read from another line) that the document
    states once: a total (`stated_total`), an invoice's tax (the line of its parts' sum,
    `tax_of_parts`, or `stated_tax`), an invoice's or a receipt's date (`stated_date`), an
    agreement's term (`stated_term`) and its parties, each once, with those its opening names
    (`agreement_parties`, as many as the schema allows)."""
    stated: dict[str, Any] = {}
    if schema_name in TOTAL_SCHEMAS and (total := stated_total(written.get("total"), document)) is not None:
        stated["total"] = total
    if schema_name == "invoice":
        tax = tax_of_parts(written.get("tax"), document) or stated_tax(written | stated, document)
        if tax is not None:
            stated["tax"] = tax
    field = DATE_FIELDS.get(schema_name)
    if field is not None and written.get(field) is None and (date := stated_date(document)) is not None:
        stated[field] = date
    field = TERM_FIELDS.get(schema_name)
    if field is not None and written.get(field) is None and (term := stated_term(document)) is not None:
        stated[field] = term
    field = PARTY_FIELDS.get(schema_name)
    if field is not None and (parties := agreement_parties(written.get(field) or [], document)) is not None:
        stated[field] = parties[: schema["properties"][field].get("maxItems")]
    return stated


def tax_parts(document: str) -> list[Decimal]:
    """The amounts of the lines that state a part of the tax at its rate (`schemas.invoice.
    TAX_PART_LINE`), where the document prints two or more; none otherwise."""
    amounts = [decimal_amount(line.group("amount")) for line in TAX_PART_LINE.finditer(document)]
    return [amount for amount in amounts if amount is not None] if len(amounts) >= 2 else []


def is_tax_part(tax: Any, document: str, parts: list[Decimal] | None = None) -> bool:
    """Whether `tax` is one of the parts the document prints the tax in (`tax_parts`, unless given),
    not their sum."""
    parts = tax_parts(document) if parts is None else parts
    amount = decimal_amount(tax) if isinstance(tax, str) else None
    return amount is not None and amount in parts and amount != sum(parts)


def tax_of_parts(tax: Any, document: str) -> str | None:
    """Where the document prints the tax in parts (`tax_parts`) and the model wrote no tax or one of
    them (`CGST @ 2.5%  36.75` of a bill whose `Total Tax` is `73.50`), the amount of the one line
    that states their sum (`schemas.invoice.TAX_SUM_LINE`); None otherwise."""
    parts = tax_parts(document)
    if not parts or not (tax is None or is_tax_part(tax, document, parts)):
        return None
    sums = {line.group("amount") for line in TAX_SUM_LINE.finditer(document)}
    whole = [amount for amount in sums if decimal_amount(amount) == sum(parts)]
    return whole[0] if len(whole) == 1 else None


def stated_total(total: Any, document: str) -> str | None:
    """The total the document states on a total's line (`TOTAL_LINE`) that names no tax, where every
    line that prints the figure of `total` names one (`TAX_MENTION`: the tax read as the total) and
    those total's lines state one amount; None otherwise."""
    figure = last_figure(total) if isinstance(total, str) else None
    lines = [line_around(document, place.start()) for place in whole_figures(figure, document)] if figure else []
    if not lines or not all(TAX_MENTION.search(line) for line in lines):
        return None
    stated = {line.group("amount") for line in TOTAL_LINE.finditer(document) if not TAX_MENTION.search(line.group())}
    if len({decimal_amount(amount) for amount in stated}) != 1:
        return None
    amount = stated.pop()
    return amount if decimal_amount(amount) != decimal_amount(total) else None


def line_around(document: str, offset: int) -> str:
    """The line of `document` that holds `offset`."""
    return document[line_start(document, offset) : line_end(document, offset)]


def stated_tax(written: dict[str, Any], document: str) -> str | None:
    """The tax the document states on a line of its own (`TAX_LINE`): one amount, below the answer's
    total where it has one; None where the answer has a tax that reads as an amount printed on a
    tax's line, or the document states none or several. A tax the model read from another line (a
    service charge, the subtotal, the change: `SVC CHG 6%  12,480` beside `PB1 10%  22,048`) gives
    way to the stated one."""
    tax = written.get("tax") or ""
    if written_number(tax) and is_on_tax_line(tax, document):
        return None
    stated = {match.group("amount") for match in TAX_LINE.finditer(document)}
    if len({decimal_amount(amount) for amount in stated}) != 1:
        return None
    tax, total = stated.pop(), decimal_amount(written.get("total"))
    if total is not None and not 0 < (decimal_amount(tax) or 0) < total:
        return None
    return tax


def is_on_tax_line(tax: str, document: str) -> bool:
    """Whether a line that states a tax (`TAX_LINE`) prints the figure of `tax` whole."""
    figure = last_figure(tax)
    return figure is not None and any(
        TAX_LINE.search(line_around(document, place.start())) for place in whole_figures(figure, document)
    )


def stated_date(document: str) -> str | None:
    """The date the document prints, where it prints one (`DATE_SEARCH`, in the shape of a printed
    date: `DATE_SHAPE`), perhaps several times; None where it prints none or two different ones."""
    printed = {" ".join(match.group().split()) for match in DATE_SEARCH.finditer(document)}
    dates = [date for date in printed if re.fullmatch(DATE_SHAPE, date)]
    return dates[0] if len(dates) == 1 and len({normalise_date(date) for date in printed}) == 1 else None


def inconsistent_values(written: dict[str, Any], schema_name: str, schema: JsonSchema, document: str) -> list[str]:
    """The answer's values (names) that contradict its total (`BELOW_TOTAL`: not below a total above
    zero), are an item's amount (`item_line_figures`), are no invoice number (`is_no_document_number`),
    a tax that is one of its parts (`is_tax_part`), a seller that is the document's title and number
    (`DOCUMENT_TITLE`), a seller or buyer that is a place or contact line (`is_place_or_contact`), an
    address that holds a date or a time (`DATE_OR_TIME`), or a subtotal that is the total read twice
    (`is_total_read_as_subtotal`)."""
    total = decimal_amount(written.get("total"))
    below = [
        name
        for name in BELOW_TOTAL
        if total is not None and total > 0 and (part := decimal_amount(written.get(name))) is not None
        if part >= total
    ]
    misread = ["invoice_number"] if is_no_document_number(written.get("invoice_number")) else []
    if schema_name == "invoice" and is_tax_part(written.get("tax"), document):
        misread.append("tax")
    if is_total_read_as_subtotal(written, document):
        misread.append("subtotal")
    address = ADDRESS_FIELDS.get(schema_name, "")
    if isinstance(written.get(address), str) and DATE_OR_TIME.search(written[address]):
        misread.append(address)
    seller = SELLER_NAMES.get(schema_name, "")
    if isinstance(name := written.get(seller), str) and (
        DOCUMENT_TITLE.fullmatch(name.strip()) or is_place_or_contact(name)
    ):
        misread.append(seller)
    if is_place_or_contact(written.get(BUYER_NAMES.get(schema_name, ""))):
        misread.append(BUYER_NAMES[schema_name])
    return below + [name for name in item_line_figures(written, schema, document) if name not in below] + misread


def is_total_read_as_subtotal(written: dict[str, Any], document: str) -> bool:
    """Whether the answer's subtotal is its total read twice: the same amount, which the document
    prints first on a total's line (`TOTAL_LINE`) that names no net amount (`NET_MENTION`), so on no
    line before it (a receipt that prints no subtotal: `TOTAL  57.45` then `Card  57.45`). None of
    1,310 labelled subtotals is so; of finx-lora-v11's subtotals on the dev run and CORD's 500
    receipts 17 are, none right."""
    subtotal = written.get("subtotal")
    if not isinstance(subtotal, str) or (amount := decimal_amount(subtotal)) is None:
        return False
    if amount != decimal_amount(written.get("total")):
        return False
    figure = last_figure(subtotal)
    first = next(whole_figures(figure, document), None) if figure is not None else None
    line = line_around(document, first.start()) if first is not None else ""
    return TOTAL_LINE.fullmatch(line) is not None and NET_MENTION.search(line) is None


def is_no_document_number(number: Any) -> bool:
    """Whether a written invoice number is something else: a date or an amount (`DATE_SHAPE`,
    `MONEY_SHAPE`), words (`Order Summary`, `0412 PLAZA UNIVERSIDAD`: no digit, or two words of three
    letters or more; none of 1,078 labelled invoice numbers is either)."""
    if not isinstance(number, str) or not number.strip():
        return False
    words = re.search(r"[^\W\d_]{3,}\s+[^\W\d_]{3,}", number) is not None
    shaped = re.fullmatch(DATE_SHAPE, number) is not None or MONEY_SHAPE.fullmatch(number) is not None
    return shaped or words or not re.search(r"\d", number)


def header_mends(part: dict[str, Any], schema_name: str, document: str) -> dict[str, str]:
    """{field: value} of one answer's header values that change: a receipt's address without the
    seller over it or the contacts under it (`seller_address`), the seller's name without the
    document's or the branch's number (`seller_name`) and with its legal form's period
    (`with_form_period`) or the rest of it (`with_form_rest`); and an invoice's figures without a
    currency symbol glued before them (`BILL_FIGURES`, `values.normalise.GLUED_SYMBOL`)."""
    mended = {
        name: bare
        for name in BILL_FIGURES.get(schema_name, ())
        if isinstance(figure := part.get(name), str) and (bare := without_glued_symbol(figure)) != figure
    }
    if schema_name == "receipt" and (address := seller_address(part.get("address"))) is not None:
        mended["address"] = address
    field = SELLER_NAMES.get(schema_name)
    if field is not None and (name := seller_name(part.get(field))) is not None:
        mended[field] = name
    if field is not None and (name := seller_before_place(mended.get(field, part.get(field)), document)) is not None:
        mended[field] = name
    if field is not None and (whole := with_form_period(mended.get(field, part.get(field)), document)) is not None:
        mended[field] = whole
    if field is not None and (whole := with_form_rest(mended.get(field, part.get(field)), document)) is not None:
        mended[field] = whole
    return mended
