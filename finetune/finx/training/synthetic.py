"""Seeded generator of realistic messy financial documents with exact labels.

Kinds: invoices (`invoice` schema), bank statements, earnings releases and broker notes
(`entities` schema, all seven types). Every labeled value is rendered first (number and date
formats, currencies, OCR-style character swaps) and then written into the text, so the label is
exactly what the text shows. Line breaks and noise are added only between values, never inside.
The same seed always gives the same documents. This is generator version 1, kept as it is so
that earlier training configs stay reproducible; version 2 (`synthetic_tables`) replaces its
invoices with the line-item layouts of real invoices and receipts.

    finx data synth --count 200 --seed 7 --out runs/synthetic.jsonl [--version 2]
"""

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from finx.schemas import get_schema
from finx.training.examples import Example, make_example

FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Marco",
    "Nadia",
    "Omar",
    "Priya",
    "Rui",
    "Sofia",
    "Tomas",
    "Yuki",
]
LAST = [
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
    "Tanaka",
]
ORG_HEAD = [
    "Northwind",
    "Bluepeak",
    "Harbor",
    "Silverline",
    "Redwood",
    "Crescent",
    "Atlas",
    "Meridian",
    "Oakridge",
    "Lumen",
    "Vantage",
    "Kestrel",
    "Polaris",
]
ORG_TAIL = [
    "Logistics",
    "Capital",
    "Foods",
    "Robotics",
    "Energy",
    "Pharma",
    "Textiles",
    "Analytics",
    "Mining",
    "Retail",
    "Shipping",
    "Software",
]
SUFFIX = ["Inc.", "Ltd", "GmbH", "plc", "S.A.", "Sdn Bhd", "Corp.", "LLC", "AG", "B.V.", "Pty Ltd", "K.K."]
CITIES = [
    "London",
    "Frankfurt",
    "Singapore",
    "Toronto",
    "Sydney",
    "Mumbai",
    "Lagos",
    "Zurich",
    "Madrid",
    "Chicago",
    "Osaka",
    "Warsaw",
    "Dublin",
    "Austin",
]
CURRENCIES = [("$", "{sym}{num}"), ("USD", "{sym} {num}"), ("€", "{num} {sym}"), ("EUR", "{sym} {num}"),
              ("£", "{sym}{num}"), ("GBP", "{num} {sym}"), ("RM", "{sym} {num}"), ("¥", "{sym}{num}"),
              ("CHF", "{sym} {num}"), ("INR", "{sym} {num}")]  # fmt: skip
BANKS = ["Barclays", "HSBC UK", "Deutsche Bank", "DBS Bank", "ING", "Santander", "Maybank", "Nordea"]
OCR_SWAPS = {"O": "0", "o": "0", "l": "1", "I": "1", "S": "5", "B": "8", "e": "c", "m": "rn"}


class Writer:
    """Random choices and renderings for one document."""

    def __init__(self, rng: random.Random, noisy: bool) -> None:
        self.rng = rng
        self.noisy = noisy
        self.decimal_comma = rng.random() < 0.3

    def ocr(self, text: str) -> str:
        if not self.noisy:
            return text
        return "".join(OCR_SWAPS[c] if c in OCR_SWAPS and self.rng.random() < 0.06 else c for c in text)

    def person(self) -> str:
        return self.ocr(f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}")

    def org(self) -> str:
        return self.ocr(f"{self.rng.choice(ORG_HEAD)} {self.rng.choice(ORG_TAIL)} {self.rng.choice(SUFFIX)}")

    def city(self) -> str:
        return self.ocr(self.rng.choice(CITIES))

    def ticker(self, org: str) -> str:
        letters = "".join(word[0] for word in org.split()[:2]).upper() + self.rng.choice("XYZQK")
        return letters + self.rng.choice(["", ".L", ".DE", ".T", ".TO"])

    def number(self, value: float) -> str:
        text = f"{value:,.2f}"
        if self.decimal_comma:
            text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
        return text

    def money(self, value: float) -> tuple[str, str, str]:
        """(text as written, amount, currency)."""
        symbol, pattern = self.rng.choice(CURRENCIES)
        amount = self.number(value)
        return pattern.format(sym=symbol, num=amount), amount, symbol

    def day(self) -> date:
        return date(2019, 1, 1) + timedelta(days=self.rng.randrange(2200))

    def date_text(self, day: date) -> str:
        formats = ["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%B %d, %Y", "%d.%m.%Y", "%b %d %Y"]
        return day.strftime(self.rng.choice(formats))

    def percent(self) -> str:
        value = self.rng.uniform(-15, 40)
        text = f"{value:+.1f}" if self.rng.random() < 0.5 else f"{abs(value):.1f}"
        return text.replace(".", ",") + " %" if self.decimal_comma else text + "%"

    def glue(self, parts: list[str]) -> str:
        """Join pieces with spaces or, now and then, a broken line."""
        out = parts[0]
        for part in parts[1:]:
            out += ("\n" if self.rng.random() < 0.15 else " ") + part
        return out


def entities_target() -> dict[str, list[Any]]:
    return {"org": [], "person": [], "location": [], "ticker": [], "money": [], "date": [], "percent": []}


def add(target: dict[str, list[Any]], field: str, value: Any) -> None:
    if value not in target[field]:
        target[field].append(value)


def invoice(w: Writer) -> tuple[str, str, dict[str, Any]]:
    vendor, customer = w.org(), w.org()
    number = w.ocr(f"{w.rng.choice(['INV', 'FV', 'A', 'SG'])}-{w.rng.randrange(100, 99999)}")
    issued = w.day()
    due = issued + timedelta(days=w.rng.choice([14, 30, 45]))
    symbol, _ = w.rng.choice(CURRENCIES)
    items = []
    lines = []
    subtotal = 0.0
    for _ in range(w.rng.randint(1, 4)):
        description = w.ocr(
            w.rng.choice(
                ["Consulting hours", "Freight 40ft", "Licence fee", "Spare parts", "Cleaning service", "Design work"]
            )
        )
        quantity = w.rng.randint(1, 12)
        price = round(w.rng.uniform(5, 900), 2)
        amount = round(quantity * price, 2)
        subtotal += amount
        items.append(
            {
                "description": description,
                "quantity": str(quantity),
                "unit_price": w.number(price),
                "amount": w.number(amount),
            }
        )
        lines.append(
            w.rng.choice(["{d} | {q} | {u} | {a}", "{d}  {q} x {u}  {a}", "{d} ..... {q} @ {u} = {a}"]).format(
                d=description, q=quantity, u=w.number(price), a=w.number(amount)
            )
        )
    tax = round(subtotal * w.rng.choice([0.05, 0.07, 0.19, 0.2]), 2)
    total = round(subtotal + tax, 2)
    iban = None
    if w.rng.random() < 0.5:
        iban = (
            w.rng.choice(["GB", "DE", "NL", "FR"])
            + f"{w.rng.randrange(10, 99)} "
            + " ".join(f"{w.rng.randrange(1000, 9999)}" for _ in range(4))
        )
    issued_text, due_text = w.date_text(issued), w.date_text(due)
    header = w.rng.choice(["INVOICE", "TAX INVOICE", "Invoice", "RECHNUNG / INVOICE"])
    text = "\n".join(
        [
            header,
            w.glue([f"From: {vendor}", f"To: {customer}"]),
            w.glue([f"Invoice No: {number}", f"Date: {issued_text}", f"Due: {due_text}"]),
            *lines,
            w.glue([f"Subtotal {w.number(subtotal)}", f"Tax {w.number(tax)}", f"TOTAL {symbol} {w.number(total)}"]),
            *([f"IBAN {iban}"] if iban else []),
        ]
    )
    target = {
        "vendor": vendor, "customer": customer, "invoice_number": number, "invoice_date": issued_text,
        "due_date": due_text, "currency": symbol, "subtotal": w.number(subtotal), "tax": w.number(tax),
        "total": w.number(total), "line_items": items, "iban": iban, "account_number": None,
    }  # fmt: skip
    return "invoice", text, target


def bank_statement(w: Writer) -> tuple[str, str, dict[str, Any]]:
    target = entities_target()
    bank, holder, city = w.ocr(w.rng.choice(BANKS)), w.person(), w.city()
    add(target, "org", bank)
    add(target, "person", holder)
    add(target, "location", city)
    start = w.day()
    start_text = w.date_text(start)
    add(target, "date", start_text)
    lines = [f"{bank}  Statement of Account", w.glue([f"{holder},", f"{city}"]), f"Period from {start_text}"]
    for _ in range(w.rng.randint(2, 4)):
        payee = w.org()
        written, amount, symbol = w.money(w.rng.uniform(5, 5000))
        day_text = w.date_text(start + timedelta(days=w.rng.randrange(28)))
        add(target, "date", day_text)
        add(target, "org", payee)
        add(target, "money", {"amount": amount, "currency": symbol})
        lines.append(
            w.rng.choice(["{d}  CARD {p}  {m}", "{d} | TRANSFER TO {p} | {m}", "{d}  DD {p} ... {m}"]).format(
                d=day_text, p=payee, m=written
            )
        )
    return "entities", "\n".join(lines), target


def earnings_release(w: Writer) -> tuple[str, str, dict[str, Any]]:
    target = entities_target()
    company, city, ceo = w.org(), w.city(), w.person()
    ticker = w.ticker(company)
    day_text = w.date_text(w.day())
    revenue, amount, symbol = w.money(w.rng.uniform(10, 900))
    unit = w.rng.choice([" million", " billion", "m", "bn"])
    growth = w.percent()
    add(target, "location", city)
    add(target, "date", day_text)
    add(target, "org", company)
    add(target, "ticker", ticker)
    add(
        target,
        "money",
        {"amount": amount + unit, "currency": symbol}
        if not revenue.endswith(symbol)
        else {"amount": amount, "currency": symbol},
    )
    revenue_text = revenue + unit if not revenue.endswith(symbol) else revenue
    add(target, "percent", growth)
    add(target, "person", ceo)
    text = w.glue(
        [f"{city}, {day_text} --", f"{company} ({w.rng.choice(['NYSE', 'NASDAQ', 'LSE', 'TSX'])}: {ticker})",
         f"reported quarterly revenue of {revenue_text},", f"up {growth} year on year.",
         f'"A strong quarter," said Chief Executive {ceo}.']
    )  # fmt: skip
    return "entities", text, target


def broker_note(w: Writer) -> tuple[str, str, dict[str, Any]]:
    target = entities_target()
    broker, company, analyst, city = w.org(), w.org(), w.person(), w.city()
    ticker = w.ticker(company)
    day_text = w.date_text(w.day())
    target_price, amount, symbol = w.money(w.rng.uniform(5, 400))
    upside = w.percent()
    add(target, "org", broker)
    add(target, "date", day_text)
    add(target, "org", company)
    add(target, "ticker", ticker)
    add(target, "money", {"amount": amount, "currency": symbol})
    add(target, "percent", upside)
    add(target, "person", analyst)
    add(target, "location", city)
    rating = w.rng.choice(["BUY", "Overweight", "HOLD", "Underperform"])
    text = w.glue(
        [f"{broker} | Equity Research | {day_text}", f"{company} ({ticker}) {rating},",
         f"price target {target_price}", f"({upside} upside).", f"Analyst: {analyst}, {city}."]
    )  # fmt: skip
    return "entities", text, target


KINDS: list[Callable[[Writer], tuple[str, str, dict[str, Any]]]] = [  # version 1
    invoice,
    bank_statement,
    earnings_release,
    broker_note,
]


Kind = Callable[[Writer], tuple[str, str, dict[str, Any]]]


def generate(count: int, seed: int = 0, kinds: list[Kind] | None = None) -> list[Example]:
    """`count` labeled documents, cycling through `kinds` (default: this version's `KINDS`); the
    same seed gives the same output."""
    kinds = kinds or KINDS
    rng = random.Random(seed)
    examples = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        writer = Writer(random.Random(rng.getrandbits(64)), noisy=rng.random() < 0.35)
        schema, text, target = kind(writer)
        examples.append(make_example(f"synthetic/{seed}/{index}", get_schema(schema), text, target, source="synthetic"))
    return examples
