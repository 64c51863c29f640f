"""`invoice`: header fields, amounts and line items of an invoice, strings as written.

Version 2: up to 200 line items per document (version 1: 20, which cut long invoices short); one
chunk's answer still holds at most `ExtractionPolicy.rows_per_answer` rows, and a chunk whose
answer is full is read again in halves (`extraction.splitting`). Version 3: amounts and prices are
figures (`x-finx-source: number`): kept as printed, null where what was read is no number, and a
line item holding such a cell is withheld (`extraction.table_rows`). Version 4: the invoice's and the
due date are copied only where the text prints a date (`fields.PrintedDate`).
"""

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from finx.schemas.fields import AccountNumber, Amount, Currency, Iban, PrintedDate, Quantity, ShortText, Text

PACK_SIZE = re.compile(r"\d+(?:[.,]\d+)?(?:lbs?|oz|fl\s?oz|g|gr|kg|mg|ml|cl|dl|l|ltr|pt|gal|ct|pk|pack)", re.IGNORECASE)
"""A measure of weight, volume or pieces in a pack, its unit glued to the figure (`5LB`, `16OZ`,
`500G`, `1L`, `4PT`, `100CT`): a weight bought is printed apart (`2.449 kg`, `20 kg`) and is a quantity."""
BELOW_TOTAL = ("tax",)
"""The figures that are a part of the total, so below it where the total is above zero: a tax equal
to or above the total is mostly the total's line (or a payment's) read as the tax. None of CORD's
500 receipts' labels has one; on finx-lora-v11's answers to them 9 taxes were, 8 of them wrong;
where the total is the wrong one (the tax read as the total too, 2 of the dev run's 4), a right
tax is withheld with it (`extraction.answer.withhold_inconsistent`). Judging by the rows' sum
which of the two is wrong withheld 2 right totals of CORD's instead (receipts with discounts)."""
TAX_NAMES = r"(?:sales\s+tax|tax|vat|gst|ppn|pajak(?:\s+rest(?:o|oran)?)?|pb\s?1|mwst|ust|tva|iva|btw|ptu)"
TAX_LINE = re.compile(
    rf"^[^\S\n]*(?:incl\.?\s*)?{TAX_NAMES}"
    r"\b[^\n\d]*(?:\d{1,2}(?:[.,]\d+)?\s*%)?[^\n\d]*?(?P<amount>\d[\d.,]*[.,]\d+)\s*[A-Z]?[^\S\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
"""A line that states the tax: a tax's name at its start (`Tax`, `VAT`, `GST`, `PPN`, `Pajak Resto`,
`PB1`, `MwSt`, `TVA`, `IVA`, `BTW`, `PTU`), perhaps its rate, and one amount with a decimal or
group mark at its end (`PB1 10%  22,048`; not `VAT No: 775340434`). Where the model wrote no tax
and the document states one amount so, below the total, that is the tax
(`extraction.header_values.stated_tax`): on finx-lora-v11's answers to CORD's 500 receipts and the
dev invoices 12 taxes turn right, 1 is a tax CORD leaves unlabelled (`Pajak Resto  9,818`); of the
labelled invoices (CORD, generator versions 2, 4-6, the hand-made sets) with the tax taken out, 842
get their labelled tax back so, 2 another (`10% 4,818` labelled with its rate, the unlabelled one)."""
TAX_MENTION = re.compile(rf"\b(?:{TAX_NAMES}|incl\w*)\b", re.IGNORECASE)
"""A tax named on a line, or an inclusion (`Total includes GST`, `GST INCLUDED IN TOTAL`)."""
PART_TAX_NAMES = rf"(?:[csi]gst|{TAX_NAMES})"
"""A tax's name, or the name of one of its parts (India's central, state and integrated GST)."""
TAX_PART_LINE = re.compile(
    rf"^[^\S\n]*{PART_TAX_NAMES}\b[^\n\d]*\d{{1,2}}(?:[.,]\d+)?\s*%[^\n\d]*?(?P<amount>\d[\d.,]*[.,]\d+)\s*[A-Z]?[^\S\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
"""A line that states a part of the tax at its rate: a tax's name at its start, a rate, one amount
(`CGST @ 2.5%  36.75` beside `SGST @ 2.5%  36.75`, `PTU A 23%  1,23` beside `PTU C 5%  1,18`)."""
TAX_SUM_LINE = re.compile(
    rf"^[^\n\d%]*\b{PART_TAX_NAMES}\b[^\n\d%]*?(?P<amount>\d[\d.,]*[.,]\d+)\s*[A-Z]?[^\S\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
"""A line that names a tax and states one amount without a rate (`Total Tax  73.50`, `SUMA PTU
2,41`): where the tax is printed in parts (`TAX_PART_LINE`), the line of their sum is the whole
tax's. Of the labelled invoices that print a tax in two parts or more (the hand-made sets' 6; none
of CORD's or the generators') 2 label the sum such a line prints, 4 no tax (they print no sum);
none labels a part (`extraction.header_values.tax_of_parts`)."""
TOTAL_LINE = re.compile(
    r"^[^\S\n]*(?:grand\s+)?total\b[^\n\d$€£¥]*[$€£¥]?\s*(?P<amount>-?\d[\d.,]*[.,]\d+)[^\S\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
"""A line that states the total: `Total` (or `Grand total`) at its start and one amount at its end
(`TOTAL  $42.08`). Where the model read the total from a line that names a tax (`TAX_MENTION`:
`Total includes GST  $2.73`) and the lines of this shape that name none state one amount, that is
the total (`extraction.header_values.stated_total`): of 1,704 labelled totals (CORD, SROIE's dev
receipts, generator versions 2, 4-6, the hand-made sets) none would change; of finx-lora-v11's dev
answers 2 turn right."""
DIMENSIONS = re.compile(
    r"\d{1,4}\s?[x×]\s?\d{1,4}(?:\s?(?:mm|cm|m|in|ft))?|\d{1,3}-(?:piece|pack|count|pcs?)", re.IGNORECASE
)
"""A size printed as its two measures (`33x80`, `30 x 30 cm`) or a set's count of pieces (`3-piece`):
part of a name (94 and 2 labelled rows' names hold one; no labelled quantity is one)."""
PACK_OR_SIZE = re.compile(f"{PACK_SIZE.pattern}|{DIMENSIONS.pattern}", re.IGNORECASE)
NAME_PARTS = {"line_items": {"quantity": PACK_OR_SIZE, "unit_price": PACK_SIZE}}
"""Per table, the cells whose value (fitting the pattern) printed right after the row's description,
on its line, is part of the item's name: a pack size (`DECK SCREWS 5LB`, `ADVIL TABLETS 200MG
24CT` read with `24CT` as the unit price) or a size (`Roll-up banner 33x80` read with `33x80` as the
quantity, `Silicone spatula, 3-piece`: `DIMENSIONS`), not the count bought
(`extraction.row_mends.with_name_part`)."""
COUNT_CELLS = {"line_items": "quantity"}
"""Per table, the cell that holds how many were bought: a count printed before the name and read
into it (`4 SIAO MAI BABI  80,000`) belongs there (`extraction.row_mends.with_count_from_name`)."""
VERSION = "4"
MAX_LINE_ITEMS = 200
DESCRIPTION = (
    "Invoice: seller (vendor), buyer (customer), number, issue and due dates, currency, amounts "
    "before tax, tax and total, line items, bank IBAN or account; copy as written, null if absent."
)


class LineItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Text
    quantity: Quantity | None
    unit_price: Amount | None
    amount: Amount | None


class Invoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vendor: Text | None
    customer: Text | None
    invoice_number: ShortText | None
    invoice_date: PrintedDate | None
    due_date: PrintedDate | None
    currency: Currency | None
    subtotal: Amount | None
    tax: Amount | None
    total: Amount | None
    line_items: Annotated[list[LineItem], Field(max_length=MAX_LINE_ITEMS)]
    iban: Iban | None
    account_number: AccountNumber | None
