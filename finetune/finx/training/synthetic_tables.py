"""Generator version 2 of invoices and receipts: the line-item layouts real ones use.

Version 1 (`synthetic.invoice`) printed one to four rows in three layouts; a model trained on it
shifted cells on real receipts (a unit price read as the quantity, the whole printed line as the
description, `Subtotal` as an item). This version prints one to twenty rows in the layouts of
shop, restaurant and supplier documents:

- columns with a header (`Description  Qty  Unit  Amount`), right-aligned numbers;
- count first (`2 ICED TEA 36,000`), the restaurant habit; name then amount, no count;
- `qty x price = amount` and `qty @ price  amount`, on the name's line or the next one;
- descriptions printed over two lines above their numbers (the label joins them with a space, a
  span copy-grounded decoding can copy);
- modifier lines under an item (`- LESS SUGAR`), discount lines (`DISC 10% -2.500`), voided
  lines (`VOID ...`): none of them is a row;
- subtotal, service, tax, total, then cash and change (distractors for the total);
- number conventions per document: `1,234.56`, `1.234,56`, `3,10` (decimal comma), thousands
  only with `.` or `,` (`55.000`, `27,500`, as in Indonesian receipts), plain `1234.56`.

Every labeled value is rendered first and then written into the text, so each label is text of
the document. The same seed always gives the same documents.
"""

import random
from datetime import timedelta
from typing import Any

from finx.training.examples import Example, make_example
from finx.training.synthetic import Kind, Writer, bank_statement, broker_note, earnings_release
from finx.training.synthetic import generate as generate_kinds

DISHES = ["Iced Lemon Tea", "Nasi Goreng Spesial", "Chicken Katsu", "Cappuccino", "Mineral Water",
          "Beef Burger", "French Fries", "Green Tea Latte", "Spaghetti Bolognese", "Es Teh Manis",
          "Croissant", "Americano", "Mie Ayam Bakso", "Caesar Salad", "Chocolate Cake", "Orange Juice"]  # fmt: skip
GOODS = ["A4 Paper 80gsm", "Toner Cartridge HP 85A", "USB-C Cable 2m", "Consulting hours", "Freight 40ft",
         "Licence fee", "Spare parts kit", "Cleaning service", "Design work", "Pallet wrap",
         "Safety gloves L", "Bolt M8x40", "Monitor 27in", "Installation labour", "Shipping & handling"]  # fmt: skip
MODIFIERS = ["- LESS SUGAR", "- NO ICE", "  + extra cheese", "  (large)", "- MEDIUM WELL", "  * takeaway"]
CONVENTIONS = ["point", "comma", "thousands_dot", "thousands_comma", "plain"]


def amount_text(value: float, convention: str) -> str:
    """`value` as the document's number convention writes it."""
    if convention == "point":
        return f"{value:,.2f}"
    if convention == "comma":
        return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if convention == "thousands_dot":
        return f"{round(value):,}".replace(",", ".")
    if convention == "thousands_comma":
        return f"{round(value):,}"
    return f"{value:.2f}"


def unit_value(w: Writer, convention: str) -> float:
    if convention.startswith("thousands"):
        return float(w.rng.randrange(3, 250) * 500)
    return round(w.rng.uniform(0.5, 400), 2)


def quantity_text(w: Writer, quantity: int, layout: str) -> str:
    """The count as printed (a layout that writes `qty x price` prints a bare number)."""
    if layout in ("times_same_line", "times_next_line", "at_next_line"):
        return w.rng.choice(["{q}", "{q}", "{q}.00"]).format(q=quantity)
    return w.rng.choice(["{q}", "{q}", "{q}", "{q}x", "x{q}", "{q}.00", "{q} pcs"]).format(q=quantity)


def describe(w: Writer, restaurant: bool) -> str:
    return w.ocr(w.rng.choice(DISHES if restaurant else GOODS))


def row_lines(layout: str, item: dict[str, Any], name_lines: list[str]) -> list[str]:
    """The printed lines of one row (`name_lines` is its description, one or two lines)."""
    q, u, a = item["quantity"], item["unit_price"], item["amount"]
    first, rest = name_lines[0], name_lines[1:]
    if layout == "columns":
        return [f"{first:<26}{q:>6}{u:>12}{a:>12}", *rest]
    if layout == "count_first":
        return [f"{q} {first}  {a}", *rest]
    if layout == "name_amount":
        return [f"{first}  {a}", *rest]
    if layout == "times_same_line":
        return [f"{first} {q} x {u} = {a}", *rest]
    if layout == "times_next_line":
        return [first, *rest, f"  {q} x {u}    {a}"]
    return [first, *rest, f"  {q} @ {u}    {a}"]  # at_next_line


LAYOUT_CELLS = {
    "columns": ("quantity", "unit_price"),
    "count_first": ("quantity",),
    "name_amount": (),
    "times_same_line": ("quantity", "unit_price"),
    "times_next_line": ("quantity", "unit_price"),
    "at_next_line": ("quantity", "unit_price"),
}
"""The optional cells each layout prints (the others are null in the label)."""


def table_document(w: Writer) -> tuple[str, str, dict[str, Any]]:
    """An invoice or a receipt with line items, as the `invoice` schema labels it."""
    restaurant = w.rng.random() < 0.5
    convention = w.rng.choice(CONVENTIONS)
    layout = w.rng.choice(list(LAYOUT_CELLS))
    count = w.rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20])
    lines: list[str] = []
    if layout == "columns":
        lines.append(f"{'Description':<26}{'Qty':>6}{'Price':>12}{'Amount':>12}")
    items: list[dict[str, Any]] = []
    subtotal = last_value = 0.0
    last_lines: list[str] = []
    for _ in range(count):
        if items and w.rng.random() < 0.08:  # the same line bought again, printed again
            items.append(dict(items[-1]))
            lines.extend(last_lines)
            subtotal += last_value
            continue
        description = describe(w, restaurant)
        words = description.split(" ")
        if layout.endswith("next_line") and len(words) > 2 and w.rng.random() < 0.3:  # a name over two lines
            cut = w.rng.randrange(1, len(words))
            name_lines = [" ".join(words[:cut]), " ".join(words[cut:])]
        else:
            name_lines = [description]
        quantity = w.rng.choice([1, 1, 1, 2, 2, 3, 4, 6, 10])
        unit = unit_value(w, convention)
        last_value = quantity * unit
        subtotal += last_value
        item = {"description": description, "quantity": quantity_text(w, quantity, layout),
                "unit_price": amount_text(unit, convention), "amount": amount_text(last_value, convention)}  # fmt: skip
        last_lines = row_lines(layout, item, name_lines)
        lines.extend(last_lines)
        items.append(item | {cell: None for cell in ("quantity", "unit_price") if cell not in LAYOUT_CELLS[layout]})
        if restaurant and w.rng.random() < 0.15:
            lines.append(w.rng.choice(MODIFIERS))
        if w.rng.random() < 0.08:
            discount = round(last_value * w.rng.choice([0.1, 0.2]), 2)
            subtotal -= discount
            lines.append(f"  {w.rng.choice(['DISC', 'Discount', 'Promo'])} -{amount_text(discount, convention)}")
        if w.rng.random() < 0.04:
            lines.append(f"VOID {describe(w, restaurant)}  -{amount_text(unit_value(w, convention), convention)}")
    return finish(w, restaurant, convention, lines, items, subtotal)


def finish(
    w: Writer, restaurant: bool, convention: str, rows: list[str], items: list[dict[str, Any]], subtotal: float
) -> tuple[str, str, dict[str, Any]]:
    """The header, the rows and the amounts below them, and the label."""
    vendor = w.org()
    receipt = restaurant or w.rng.random() < 0.4
    tax_rate = w.rng.choice([0.0, 0.06, 0.1, 0.11, 0.19, 0.2])
    tax = round(subtotal * tax_rate, 2)
    service = round(subtotal * 0.05, 2) if restaurant and w.rng.random() < 0.4 else 0.0
    total = subtotal + tax + service
    symbol = w.rng.choice(["Rp", "Rp.", "RM", "$", "€", "IDR"]) if w.rng.random() < 0.5 else None
    money = (lambda text: f"{symbol} {text}") if symbol else (lambda text: text)
    issued = w.day()
    issued_text = w.date_text(issued)
    target: dict[str, Any] = {
        "vendor": vendor, "customer": None, "invoice_number": None, "invoice_date": issued_text, "due_date": None,
        "currency": symbol, "subtotal": None, "tax": None, "total": amount_text(total, convention),
        "line_items": items, "iban": None, "account_number": None,
    }  # fmt: skip
    head = [vendor, w.ocr(f"{w.rng.randrange(1, 300)} {w.rng.choice(['Jl. Sudirman', 'High Street', 'Main Rd'])}")]
    if receipt:
        number = f"{w.rng.randrange(1000, 99999)}"
        head += [w.glue([f"Date: {issued_text}", f"Bill #{number}"]), "-" * 32]
        target["invoice_number"] = number
    else:
        customer = w.org()
        number = w.ocr(f"{w.rng.choice(['INV', 'FV', 'SI'])}-{w.rng.randrange(100, 99999)}")
        due_text = w.date_text(issued + timedelta(days=w.rng.choice([14, 30])))
        target |= {"customer": customer, "invoice_number": number, "due_date": due_text}
        head += [w.rng.choice(["INVOICE", "TAX INVOICE"]), f"Bill to: {customer}",
                 w.glue([f"Invoice No: {number}", f"Date: {issued_text}", f"Due: {due_text}"])]  # fmt: skip
    if not receipt or w.rng.random() < 0.6:
        target["subtotal"] = amount_text(subtotal, convention)
    foot = (
        [f"{w.rng.choice(['Subtotal', 'SUB TOTAL', 'Sub-total'])}  {target['subtotal']}"] if target["subtotal"] else []
    )
    if service:
        foot.append(f"Service 5%  {amount_text(service, convention)}")
    if tax:
        target["tax"] = amount_text(tax, convention)
        foot.append(f"{w.rng.choice(['Tax', 'PB1 10%', 'VAT', 'GST'])}  {target['tax']}")
    foot.append(f"{w.rng.choice(['TOTAL', 'Total', 'GRAND TOTAL', 'Total Due'])}  {money(target['total'])}")
    if receipt:
        paid = total + w.rng.choice([0, 0, 1000, 5000, 50000]) if convention.startswith("thousands") else total + 10
        cash, change = w.rng.choice(["CASH", "Tunai", "Cash"]), w.rng.choice(["CHANGE", "Kembali", "Change"])
        foot += [f"{cash}  {amount_text(paid, convention)}", f"{change}  {amount_text(paid - total, convention)}"]
        foot.append(w.rng.choice(["Thank you!", "TERIMA KASIH", "Please come again"]))
    return "invoice", "\n".join(head + rows + foot), target


SHOP_WORDS = ["Kopi", "Warung", "Golden", "Sakura", "Bintang", "Green Leaf", "Mama", "Urban", "Sate", "Sunrise"]
SHOP_KINDS = ["Cafe", "Resto", "Bakery", "Coffee", "Mart", "Kitchen", "Bistro", "Noodle House", "Express"]
SHOP_LINES = ["Tel. 021-{n}", "NPWP {n}", "Cashier: {person}", "Table {small}", "Kasir: {person}", "Order #{n}",
              "Server: {person}", "Pax: {small}", "Member {n}"]  # fmt: skip


def shop_header(w: Writer) -> tuple[list[str], dict[str, Any]]:
    """A receipt's printed head (shop name, address, date, bill number, a distractor line or two)
    and the `invoice` fields it labels, for a receipt whose text starts at its items."""
    shop = f"{w.rng.choice(SHOP_WORDS)} {w.rng.choice(SHOP_KINDS)}"
    vendor = w.org() if w.rng.random() < 0.4 else w.ocr(shop.upper() if w.rng.random() < 0.5 else shop)
    issued_text = w.date_text(w.day())
    number = f"{w.rng.randrange(1000, 999999)}"
    street = w.rng.choice(["Jl. Sudirman", "Jl. Gatot Subroto", "High Street", "Main Rd", "Jl. Kemang Raya"])
    lines = [vendor, w.ocr(f"{street} No. {w.rng.randrange(1, 300)}"), w.city()]
    for _ in range(w.rng.randrange(0, 3)):
        template = w.rng.choice(SHOP_LINES)
        lines.append(
            template.format(n=w.rng.randrange(10000, 9999999), person=w.person(), small=w.rng.randrange(1, 40))
        )
    lines += [w.glue([f"{w.rng.choice(['Date:', 'Tgl', ''])} {issued_text}".strip(), f"Bill #{number}"])]
    lines.append(w.rng.choice(["-" * 32, "=" * 32, ""]))
    return [line for line in lines if line], {"vendor": vendor, "invoice_date": issued_text, "invoice_number": number}


def with_shop_header(example: Example, seed: int, share: float) -> Example:
    """`example` (an `invoice` without a vendor) with a generated shop head above its text, labelled,
    for `share` of such examples (chosen by seed and id, so the same every run); others unchanged.

    CORD's receipts are rebuilt from their labelled words only, so their texts start at the items:
    trained as they are, a model learns that an invoice's seller and date are null. With a head,
    the same real tables also teach the header fields."""
    if example.schema.name != "invoice" or example.target.get("vendor") is not None:
        return example
    rng = random.Random(f"{seed}/{example.id}")
    if rng.random() >= share:
        return example
    lines, fields = shop_header(Writer(rng, noisy=rng.random() < 0.35))
    text = "\n".join([*lines, example.text])
    unlabelled = example.unlabelled - fields.keys()
    return make_example(example.id, example.schema, text, example.target | fields, example.source, unlabelled)


KINDS: list[Kind] = [table_document, bank_statement, table_document, earnings_release, table_document, broker_note]
"""Version 2: half the documents are tables; the entity kinds are version 1's."""


def generate(count: int, seed: int = 0) -> list[Example]:
    """`count` labeled documents of version 2; the same seed gives the same output."""
    return generate_kinds(count, seed, KINDS)
