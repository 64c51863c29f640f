"""Generator version 6: short invoices as freelancers, trades and small firms write them.

Versions 2, 4 and 5 print a document's head over several labelled lines and its rows under it,
often below a column head or a rule. A short invoice written by hand or sent in an e-mail packs
its head and its rows tighter, and a model trained on the longer layouts takes the first row's
description from the head (the title, the invoice number, the seller) or a count from the
description (`Basmati rice 5kg`). This version prints what such invoices do:

- the head in one line (`Rechnung 17 | seller | an: buyer | date`), as `seller -> buyer`, as
  `From:` / `To:` lines, lower-case (`invoice no. 5`), or as one sentence with the rows in it
  (`Invoice 12 dated ... from A to B. Logo design, 1 flat fee, EUR 900.00; ...`);
- registration numbers and phone numbers in digit groups near the head (`ABN 51 824 753 556`);
- rows right under the head, with no column head or rule: `name x3 @ 4.50 = 13.50`,
  `name 2 days x AUD 1,800 = AUD 3,600`, `name 8 hrs à 95,00 € = 760,00 €`, `name  5  24.99  124.95`,
  `name ....... $240.00`, `name 1,200` (lower case), `name 1 pc ¥120,000`; names that hold
  numbers and sizes (`Basmati rice 5kg`, `Tiles 30x30`), which stay in the description;
- amounts on one line (`Subtotal 90.00 | VAT 18.00 | Total GBP 108.00`) or several, and payment
  lines after them whose digit groups are not rows (`A/C 0100 2345 6789`, `BSB 062-000 Acct ...`).

Every labelled value is rendered first and then written into the text. Versions 1-5 are
unchanged; the same seed always gives the same documents.
"""

from datetime import timedelta
from typing import Any

from finx.training.examples import Example
from finx.training.synthetic import Kind, Writer
from finx.training.synthetic import generate as generate_kinds
from finx.training.synthetic_invoices import iban
from finx.training.synthetic_tables import amount_text

SERVICES = ["Logo design", "Website maintenance", "Photo session", "Plumbing repair", "Translation EN-FR",
            "Bookkeeping Q2", "Team workshop", "Cloud storage (Mar)", "SSL certificate", "Call-out fee",
            "Labour", "Site survey", "Copywriting", "Tax return 2023", "Boiler service", "Window cleaning",
            "Video editing", "Legal advice", "Tuning piano", "Garden clearance", "Travel costs",
            "Delivery"]  # fmt: skip
GOODS = ["Basmati rice 5kg", "Sunflower oil 2L", "Copier paper A3 ream", "Tiles 30x30", "Paint white 10L",
         "Coffee beans 1kg bags", "LED bulb 9W", "Cable Cat6 305m", "Screws 4x40 box", "Water 24x0.5L",
         "Cement 25kg", "Toner 2 pack", "Olive oil 5L tin", "Timber 2x4 3m", "Green tea 100g", "Flour T55 25kg",
         "Gloves size 9", "Printer HL-L2350", "Desk 160cm", "Chairs model 7"]  # fmt: skip
UNITS = {
    "services": ["hrs", "h", "days", "Std", "sessions", "months", "visits"],
    "goods": ["pcs", "pc", "bags", "units", "szt", "kg"],
}
CODES = ["USD", "EUR", "GBP", "AUD", "CAD", "CHF", "PLN", "JPY", "NZD", "KES", "INR", "SGD"]
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "AUD": "A$", "JPY": "¥", "PLN": "zł", "INR": "₹"}
TITLES = ["Invoice", "INVOICE", "invoice", "Rechnung", "Facture", "Faktura", "Factura", "Bill", "PRO FORMA INVOICE"]
REGISTRATIONS = ["ABN {g3} {g3} {g3}", "VAT GB {g3} {g4} {g2}", "NIP {g3}-{g3}-{g2}-{g2}", "Steuernr. {g2}/{g3}/{g4}",
                 "Tel. {g3} {g3} {g4}", "GST Reg {g4}{g4}", "Company no. {g4}{g4}", "KRA PIN P{g4}{g4}"]  # fmt: skip
ROW_STYLES = ["at", "unit_times", "columns", "leaders", "name_amount", "unit_amount", "sentence"]


def digits(w: Writer, count: int) -> str:
    return "".join(w.rng.choice("0123456789") for _ in range(count))


def registration(w: Writer) -> str:
    return w.rng.choice(REGISTRATIONS).format(g2=digits(w, 2), g3=digits(w, 3), g4=digits(w, 4))


def short_invoice(w: Writer) -> tuple[str, str, dict[str, Any]]:
    """One short invoice: a packed head, one to six rows without a column head, amounts, payment."""
    convention = w.rng.choice(["point", "point", "point", "comma", "comma", "thousands_comma", "plain"])
    style = w.rng.choice(ROW_STYLES)
    code = w.rng.choice(CODES)
    mark = w.rng.choice([code, code, SYMBOLS.get(code), None])  # the currency as printed, or none
    vendor, customer = w.org(), w.org() if w.rng.random() < 0.7 else w.person()
    if w.rng.random() < 0.25:  # a freelancer's own name as the seller, sometimes in lower case
        vendor = w.person() + w.rng.choice(["", " Photography", " Design", " Consulting"])
        vendor = vendor.lower() if w.rng.random() < 0.4 else vendor
    prefix = w.rng.choice(["", "INV-", "INV#", "A-", "2024-", "F"])
    number = f"{prefix}{w.rng.randrange(1, 9999):0{w.rng.choice([1, 3, 4])}d}"
    issued = w.day()
    issued_text = w.date_text(issued)
    due_text = w.date_text(issued + timedelta(days=w.rng.choice([7, 14, 30]))) if w.rng.random() < 0.6 else None
    rows, items, subtotal = short_rows(w, style, convention, mark)
    tax = round(subtotal * w.rng.choice([0.0, 0.0, 0.1, 0.2, 0.19, 0.23, 0.0725]), 2)
    total = subtotal + tax
    target: dict[str, Any] = {
        "vendor": vendor, "customer": customer, "invoice_number": number, "invoice_date": issued_text,
        "due_date": due_text, "currency": mark, "subtotal": None,
        "tax": amount_text(tax, convention) if tax else None, "total": amount_text(total, convention),
        "line_items": items, "iban": None, "account_number": None,
    }  # fmt: skip
    if tax or w.rng.random() < 0.3:
        target["subtotal"] = amount_text(subtotal, convention)
    head = short_head(w, target, sentence=style == "sentence")
    amounts = [f"{w.rng.choice(['Subtotal', 'Net', 'Netto'])} {target['subtotal']}"] if target["subtotal"] else []
    if target["tax"]:
        amounts.append(f"{w.rng.choice(['VAT', 'Tax', 'GST', 'MwSt', 'Sales tax 7.25%', 'VAT 20%'])} {target['tax']}")
    currency_text = target["currency"] or ""
    total_line = f"{w.rng.choice(['Total', 'TOTAL', 'Total due', 'Amount due', 'total'])}"
    total_line += w.rng.choice([f" {currency_text} {target['total']}", f" {target['total']} {currency_text}"]).rstrip()
    amounts.append(total_line.replace("  ", " "))
    if style == "sentence":
        text = " ".join([head[0], *rows, "; ".join(amounts) + "."])
        lines = [text.replace(" .", "."), *head[1:]]
    else:
        foot = [w.rng.choice([" | ", "  ", " "]).join(amounts)] if w.rng.random() < 0.5 else amounts
        lines = [*head, *rows, *foot]
    lines += payment_lines(w, target)
    return "invoice", "\n".join(lines), target


def short_head(w: Writer, target: dict[str, Any], sentence: bool) -> list[str]:
    """The head's lines (one line or a sentence for packed heads); a registration or phone line may follow."""
    vendor, customer, number = target["vendor"], target["customer"], target["invoice_number"]
    issued, due = target["invoice_date"], target["due_date"]
    title = w.rng.choice(TITLES)
    due_part = f"due {due}" if due else ""
    if sentence:
        due_words = f", payable by {due}" if due else ""
        return [f"{title} {number} dated {issued} from {vendor} to {customer}{due_words}."]
    form = w.rng.choice(["piped", "arrow", "from_to", "lower", "title_vendor"])
    if form == "piped":
        parts = [f"{title} {number}", vendor, f"{w.rng.choice(['an:', 'to:', 'for', 'Bill to'])} {customer}", issued]
        lines = [" | ".join([*parts, *([due_part] if due else [])])]
    elif form == "arrow":
        lines = [
            f"{title} {w.rng.choice(['No. ', '#', ''])}{number}",
            f"{vendor} {w.rng.choice(['->', '→', '>'])} {customer}",
            f"{w.rng.choice(['Date', 'Issued', 'Datum'])} {issued}" + (f"  {due_part}" if due else ""),
        ]
    elif form == "from_to":
        lines = [f"{title} {number}", f"From: {vendor}", f"To: {customer}",
                 f"Date: {issued}" + (f"  Due: {due}" if due else "")]  # fmt: skip
    elif form == "lower":
        lines = [f"invoice no. {number}", f"from: {vendor}", f"for: {customer}", f"date: {issued}"]
        if due:
            lines.append(f"due: {due}")
    else:
        lines = [f"{vendor} - {title} #{number}", f"Bill to: {customer}",
                 f"Issued {issued}" + (f", {due_part}" if due else "")]  # fmt: skip
    if w.rng.random() < 0.5:
        lines.insert(w.rng.randrange(1, len(lines) + 1), registration(w))
    return lines


def short_rows(
    w: Writer, style: str, convention: str, mark: str | None
) -> tuple[list[str], list[dict[str, Any]], float]:
    """The printed rows of `style` (for a sentence: its clauses), their labels and their sum; the
    currency `mark` is printed on some documents' row amounts (never part of the label)."""
    services = w.rng.random() < 0.5
    names = w.rng.sample(SERVICES if services else GOODS, w.rng.choice([1, 1, 2, 2, 3, 4, 5, 6]))
    unit_word = w.rng.choice(UNITS["services" if services else "goods"])
    money_mark = mark if mark and w.rng.random() < 0.6 else ""
    lines: list[str] = []
    items: list[dict[str, Any]] = []
    subtotal = 0.0
    for name in names:
        name = w.ocr(name.lower() if style == "name_amount" and w.rng.random() < 0.5 else name)
        count = w.rng.choice([1, 1, 2, 3, 5, 8, 12, 20, 200])
        high = 2000 if count < 20 else 40
        unit = (
            round(w.rng.uniform(1, high), 2)
            if convention != "thousands_comma"
            else float(w.rng.randrange(1, high) * 500)
        )
        amount = count * unit
        subtotal += amount
        u, a = amount_text(unit, convention), amount_text(amount, convention)
        mu = lambda text: f"{money_mark} {text}" if money_mark else text  # noqa: E731 - a local rendering
        item: dict[str, Any] = {"description": name, "quantity": None, "unit_price": None, "amount": a}
        if style == "at":
            shown = w.rng.choice([f"x{count}", f"{count}"])
            item |= {"quantity": str(count), "unit_price": u}
            lines.append(f"{name} {shown} @ {u} = {a}")
        elif style == "unit_times":
            item |= {"quantity": f"{count} {unit_word}", "unit_price": u}
            per = w.rng.choice(["x", "à", "@", "x"])
            lines.append(f"{name} {count} {unit_word} {per} {mu(u)} = {mu(a)}")
        elif style == "columns":
            item |= {"quantity": str(count), "unit_price": u}
            lines.append(f"{name}{' ' * w.rng.randrange(2, 5)}{count}  {u}  {a}")
        elif style == "leaders":
            marked = f"{money_mark}{a}" if money_mark and not money_mark.isalpha() else mu(a)  # `$240.00`, `GBP 18.00`
            lines.append(f"{name} {'.' * w.rng.randrange(3, 12)} {marked}")
        elif style == "name_amount":
            lines.append(f"{name} {a}")
        elif style == "unit_amount":
            item["quantity"] = f"{count} {unit_word}" if w.rng.random() < 0.6 else f"{count}{unit_word}"
            lines.append(f"{name} {item['quantity']} {mu(a)}")
        else:  # sentence
            item["quantity"] = f"{count} {unit_word}"
            lines.append(f"{name}, {item['quantity']}, {mu(a)}")
        items.append(item)
    if style == "sentence":
        lines = ["; ".join(lines) + ";"]
    return lines, items, subtotal


def payment_lines(w: Writer, target: dict[str, Any]) -> list[str]:
    """Payment details after the amounts (their digit groups are not rows); labels the account or IBAN."""
    choice = w.rng.random()
    if choice < 0.3:
        target["iban"] = iban(w)
        return [f"IBAN {target['iban']}"]
    if choice < 0.6:
        number = w.rng.choice(
            [f"{digits(w, 4)} {digits(w, 4)} {digits(w, 4)}", f"{digits(w, 4)} {digits(w, 4)}", digits(w, 9)]
        )
        target["account_number"] = number
        bank = w.rng.choice(["(Equity Bank)", "(Westpac)", "(Barclays)", ""])
        label = w.rng.choice(["A/C", "Acct", "Account no.", "Konto"])
        before = w.rng.choice(
            [f"BSB {digits(w, 3)}-{digits(w, 3)} ", f"Sort code {digits(w, 2)}-{digits(w, 2)}-{digits(w, 2)} ", ""]
        )
        return [f"{before}{label} {number} {bank}".rstrip()]
    if choice < 0.75:
        return [w.rng.choice(["Thanks!", "Payment by bank transfer please.", "PayPal accepted"])]
    return []


KINDS: list[Kind] = [short_invoice]


def generate(count: int, seed: int = 0) -> list[Example]:
    """`count` labelled short invoices of version 6; the same seed gives the same output."""
    return generate_kinds(count, seed, KINDS)
