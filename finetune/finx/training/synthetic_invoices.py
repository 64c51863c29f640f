"""Generator version 4: supplier invoices with full heads and real tables.

Version 2 (`synthetic_tables`) taught line items, but its invoices name no currency code and no
bank account: trained with real receipts at full weight (CORD, which labels neither), a model
wrote null for an invoice's currency and IBAN even where both were printed. This version prints
what a supplier's invoice carries around its table:

- the seller with an address and a tax number, the buyer under `Bill to` / `Customer` / `Sold
  to` (or the language's word: `Käufer`, `Nabywca`, `Client`), number and dates under the labels
  invoices use, the due date or only payment terms (`Net 30`: no due date);
- the currency as a code on the total (`TOTAL EUR 1,234.00`), a symbol on the amounts, a
  `Currency:` line or a column head (`Amount (GBP)`), or not at all;
- payment details: an IBAN (spaced or not) with a BIC beside it, or an account number with its
  sort code or routing number beside it, or both, or none;
- version 2's row layouts and number conventions, one to twenty rows.

Every labelled value is rendered first and then written into the text. The same seed always
gives the same documents.
"""

from datetime import timedelta
from typing import Any

from finx.training.examples import Example
from finx.training.synthetic import Kind, Writer
from finx.training.synthetic import generate as generate_kinds
from finx.training.synthetic_tables import GOODS, LAYOUT_CELLS, amount_text, quantity_text, row_lines, unit_value

CODES = ["USD", "EUR", "GBP", "CHF", "PLN", "AUD", "CAD", "SGD", "INR", "JPY", "ZAR", "SEK", "NOK", "DKK", "MYR"]
SYMBOLS = ["$", "€", "£", "¥", "zł", "R", "kr", "RM", "S$", "A$"]
TITLES = ["INVOICE", "Invoice", "TAX INVOICE", "Commercial Invoice", "RECHNUNG / INVOICE", "FACTURE", "Faktura VAT"]
BUYER_LABELS = ["Bill to:", "Billed to:", "Customer:", "Sold to:", "Client:", "Invoice to:", "Käufer:", "Nabywca:"]
NUMBER_LABELS = ["Invoice No:", "Invoice #", "Invoice Number:", "Inv. No.", "Rechnung Nr.", "Facture N°", "No."]
DATE_LABELS = ["Date:", "Invoice date:", "Issued:", "Date of issue:", "Datum:", "Data wystawienia:"]
DUE_LABELS = ["Due:", "Due date:", "Payment due:", "Pay by:", "Fällig am:"]
STREETS = ["Harbour Road", "Kingsway", "Rue de la Paix", "Hauptstrasse", "ul. Prosta", "Market Street", "Orchard Rd"]
BIC_BANKS = ["DEUTDEFF", "BARCGB22", "INGBNL2A", "BNPAFRPP", "PKOPPLPW", "HSBCSGSG", "UBSWCHZH"]
CONVENTION_WEIGHTS = ["point", "point", "point", "comma", "comma", "plain", "thousands_comma", "thousands_dot"]


def iban(w: Writer) -> str:
    """An IBAN-shaped number, in groups of four or unspaced."""
    country = w.rng.choice(["GB", "DE", "NL", "FR", "PL", "ES", "IT", "CH", "BE", "IE", "AT", "SE"])
    body = "".join(w.rng.choice("0123456789") for _ in range(w.rng.choice([14, 16, 18, 20, 22])))
    if country in ("GB", "NL", "IE"):
        body = "".join(w.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + body[4:]
    text = f"{country}{w.rng.randrange(10, 99)}{body}"
    if w.rng.random() < 0.7:
        text = " ".join(text[i : i + 4] for i in range(0, len(text), 4))
    return text


def account(w: Writer) -> tuple[str, str]:
    """(an account number as printed, the line that prints it with a distractor beside it)."""
    digits = "".join(w.rng.choice("0123456789") for _ in range(w.rng.choice([8, 10, 12])))
    number = " ".join(digits[i : i + 4] for i in range(0, len(digits), 4)) if w.rng.random() < 0.5 else digits
    label = w.rng.choice(["Account No:", "Account number:", "Acct #", "A/C No.", "Konto:"])
    beside = w.rng.choice([
        f"Sort code {w.rng.randrange(10, 99)}-{w.rng.randrange(10, 99)}-{w.rng.randrange(10, 99)}",
        f"Routing {w.rng.randrange(10**8, 10**9)}",
        f"BSB {w.rng.randrange(100, 999)}-{w.rng.randrange(100, 999)}",
        "",
    ])  # fmt: skip
    return number, w.glue([part for part in (f"{label} {number}", beside) if part])


def supplier_invoice(w: Writer) -> tuple[str, str, dict[str, Any]]:
    """A supplier's invoice: full head, a table of one to twenty rows, amounts and bank details."""
    convention = w.rng.choice(CONVENTION_WEIGHTS)
    layout = w.rng.choice(list(LAYOUT_CELLS))
    presentation = w.rng.choice(["code_on_total", "code_on_total", "symbol", "currency_line", "column", "none"])
    # a symbol and a code are both drawn for every document (the dict and the default are built
    # before `get`): the random sequence, and so version 4's data, stays as it was trained on
    currency = {"symbol": w.rng.choice(SYMBOLS), "none": None}.get(presentation, w.rng.choice(CODES))
    if presentation == "column":
        layout = "columns"
    vendor, customer = w.org(), w.org()
    issued = w.day()
    number = w.ocr(f"{w.rng.choice(['INV', 'FV', 'F', 'SI', '', 'A'])}{w.rng.choice(['-', '/', ''])}")
    number += (
        f"{issued.year}/{w.rng.randrange(1, 999):03d}" if w.rng.random() < 0.3 else f"{w.rng.randrange(100, 99999)}"
    )
    issued_text = w.date_text(issued)
    due_text = w.date_text(issued + timedelta(days=w.rng.choice([7, 14, 30, 45, 60]))) if w.rng.random() < 0.7 else None

    head = [vendor, w.ocr(f"{w.rng.randrange(1, 250)} {w.rng.choice(STREETS)}, {w.city()}")]
    if w.rng.random() < 0.6:
        head.append(
            f"{w.rng.choice(['VAT No', 'VAT Reg.', 'USt-IdNr.', 'NIP', 'Tax ID'])}: {w.rng.randrange(10**8, 10**10)}"
        )
    title = w.rng.choice(TITLES)
    head.append(w.glue([title, f"{w.rng.choice(NUMBER_LABELS)} {number}"]) if w.rng.random() < 0.5 else title)
    if not head[-1].endswith(number):
        head.append(f"{w.rng.choice(NUMBER_LABELS)} {number}")
    dates = [f"{w.rng.choice(DATE_LABELS)} {issued_text}"]
    dates.append(f"{w.rng.choice(DUE_LABELS)} {due_text}" if due_text else w.rng.choice(["Terms: Net 30", "", ""]))
    head.append(w.glue([part for part in dates if part]))
    head += [f"{w.rng.choice(BUYER_LABELS)} {customer}", w.ocr(f"{w.rng.randrange(1, 250)} {w.rng.choice(STREETS)}")]
    if presentation == "currency_line":
        head.append(f"{w.rng.choice(['Currency:', 'Currency', 'Waluta:', 'All amounts in'])} {currency}")

    rows, items, subtotal = table(w, convention, layout, column_currency=currency if presentation == "column" else None)
    tax = round(subtotal * w.rng.choice([0.0, 0.05, 0.07, 0.1, 0.19, 0.2, 0.23]), 2)
    total = subtotal + tax
    money = {
        "code_on_total": lambda text: f"{currency} {text}",
        "symbol": lambda text: f"{currency}{text}" if w.rng.random() < 0.5 else f"{text} {currency}",
    }.get(presentation, lambda text: text)
    target: dict[str, Any] = {
        "vendor": vendor, "customer": customer, "invoice_number": number, "invoice_date": issued_text,
        "due_date": due_text, "currency": currency, "subtotal": amount_text(subtotal, convention),
        "tax": amount_text(tax, convention) if tax else None, "total": amount_text(total, convention),
        "line_items": items, "iban": None, "account_number": None,
    }  # fmt: skip
    foot = [f"{w.rng.choice(['Subtotal', 'Net amount', 'Total net', 'Sub-total'])}  {target['subtotal']}"]
    if target["tax"]:
        foot.append(f"{w.rng.choice(['VAT', 'Tax', 'GST', 'MwSt.', 'VAT 20%'])}  {target['tax']}")
    foot.append(f"{w.rng.choice(['TOTAL', 'Total', 'Total due', 'Amount due', 'Gesamt'])}  {money(target['total'])}")
    if w.rng.random() < 0.3:
        foot.append(f"Amount paid  {amount_text(0, convention)}")
    payment = w.rng.random()
    if payment < 0.55:
        target["iban"] = iban(w)
        bic = f"{w.rng.choice(['BIC', 'SWIFT', 'BIC/SWIFT'])}: {w.rng.choice(BIC_BANKS)}"
        foot.append(w.glue([f"IBAN: {target['iban']}" if w.rng.random() < 0.5 else f"IBAN {target['iban']}", bic]))
    if 0.45 < payment < 0.8:
        target["account_number"], line = account(w)
        foot.append(line)
    if w.rng.random() < 0.5:
        foot.append(w.rng.choice(["Thank you for your business.", "Please quote the invoice number.", "E&OE"]))
    return "invoice", "\n".join(head + rows + foot), target


def table(
    w: Writer, convention: str, layout: str, column_currency: str | None
) -> tuple[list[str], list[dict[str, Any]], float]:
    """The printed rows (with a column head for columns), their labels and their sum."""
    lines: list[str] = []
    if layout == "columns":
        amount_head = f"Amount ({column_currency})" if column_currency else "Amount"
        lines.append(f"{'Description':<26}{'Qty':>6}{'Price':>12}{amount_head:>14}")
    items: list[dict[str, Any]] = []
    subtotal = 0.0
    for _ in range(w.rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12, 15, 20])):
        description = w.ocr(w.rng.choice(GOODS))
        quantity = w.rng.choice([1, 1, 2, 3, 5, 10, 12, 40, 200])
        unit = unit_value(w, convention)
        subtotal += quantity * unit
        item = {
            "description": description,
            "quantity": quantity_text(w, quantity, layout),
            "unit_price": amount_text(unit, convention),
            "amount": amount_text(quantity * unit, convention),
        }
        lines.extend(row_lines(layout, item, [description]))
        items.append(item | {cell: None for cell in ("quantity", "unit_price") if cell not in LAYOUT_CELLS[layout]})
    return lines, items, subtotal


KINDS: list[Kind] = [supplier_invoice]


def generate(count: int, seed: int = 0) -> list[Example]:
    """`count` labelled invoices of version 4; the same seed gives the same output."""
    return generate_kinds(count, seed, KINDS)
