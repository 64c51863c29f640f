"""Pydantic models as users write them, one per JSON Schema keyword pydantic emits, with a small
document each: shared by the compile table test and the end-to-end test on both engines."""

import datetime
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field


class LineItem(BaseModel):
    description: str = Field(max_length=60)
    quantity: int = Field(gt=0)
    unit_price: Decimal


class Invoice(BaseModel):
    """The issue's invoice: date, optional date, Literal, Decimal, gt, pattern, nested list."""

    invoice_number: str = Field(max_length=20)
    po_number: str = Field(pattern=r"^PO-\d+$", max_length=20)
    invoice_date: datetime.date
    due_date: datetime.date | None = None
    currency: Literal["USD", "EUR", "GBP"]
    lines: list[LineItem] = Field(max_length=4)
    total: Decimal = Field(gt=0)


INVOICE_TEXT = (
    "INVOICE INV-2291\nPurchase order: PO-4471\nDate: 3 November 2026   Due: 3 Dec 2026\n"
    "Currency: USD\n2 x Steel brackets @ 4.50\n1 x Hinge set @ 12.00\nTOTAL DUE 21.00\n"
)


class Contact(BaseModel):
    name: str = Field(max_length=40)
    email: str = Field(json_schema_extra={"format": "email"}, max_length=60)


class Payment(BaseModel):
    kind: Literal["payment"] = "payment"
    amount: float = Field(ge=0)


class Refund(BaseModel):
    kind: Literal["refund"] = "refund"
    amount: float = Field(ge=0)
    reason: str = Field(max_length=40)


class Transaction(BaseModel):
    entry: Annotated[Payment | Refund, Field(discriminator="kind")]
    reference: uuid.UUID
    booked_at: datetime.datetime
    priority: Literal[1, 2, 3]
    tags: set[Annotated[str, Field(max_length=12)]] = Field(max_length=4)
    rate: float = Field(gt=0, lt=1)
    status: Literal["posted"] = "posted"


KEYWORD_MODELS: dict[str, tuple[type[BaseModel], str]] = {
    "format date, pattern, anyOf number|string, exclusiveMinimum, Literal enum": (Invoice, INVOICE_TEXT),
    "format email": (Contact, "Contact: Dana Whitfield <dana.whitfield@example.com>\n"),
    "oneOf with discriminator, const, uuid, date-time, integer enum, uniqueItems, exclusive bounds": (
        Transaction,
        "Refund 12.50 for damaged goods, ref 1b4e28ba-2fa1-11d2-883f-0016d3cca427, booked "
        "2026-11-03T14:05:00, priority 2, tags: returns, returns, q4. Rate 0.25.\n",
    ),
}
