"""`receipt`: the four SROIE fields of a shop receipt, strings as printed.

Version 2: `total` is a figure (`x-finx-source: number`): kept as printed, null where what was read
is no number (version 1 copied any text). Version 3: `date` is copied only where the text prints a
date (`fields.PrintedDate`).
"""

from pydantic import BaseModel, ConfigDict

from finx.schemas.fields import Amount, LongText, PrintedDate, Text

VERSION = "3"
DESCRIPTION = (
    "Shop receipt: company=seller name, date=purchase date, address=seller address, "
    "total=amount paid; copy each as printed, null if absent."
)


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: Text | None
    date: PrintedDate | None
    address: LongText | None
    total: Amount | None
