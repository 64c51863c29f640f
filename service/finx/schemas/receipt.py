"""`receipt`: the four SROIE fields of a shop receipt, strings as printed.

Version 2: `total` is a figure (`x-finx-source: number`): kept as printed, null where what was read
is no number (version 1 copied any text).
"""

from pydantic import BaseModel, ConfigDict

from finx.schemas.fields import Amount, LongText, ShortText, Text

VERSION = "2"
DESCRIPTION = (
    "Shop receipt: company=seller name, date=purchase date, address=seller address, "
    "total=amount paid; copy each as printed, null if absent."
)


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: Text | None
    date: ShortText | None
    address: LongText | None
    total: Amount | None
