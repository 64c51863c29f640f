"""`receipt`: the four SROIE fields of a shop receipt, strings as printed."""

from pydantic import BaseModel, ConfigDict

from finx.schemas.fields import Amount, LongText, ShortText, Text

VERSION = "1"
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
