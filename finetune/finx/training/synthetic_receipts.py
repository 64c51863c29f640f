"""Generator version 5: receipts and small invoices in ten languages, with open item names.

Versions 2 and 4 print line items from thirty fixed English (and a few Indonesian) names, so a
model trained on them has seen few ways an item is named; on unseen receipts it skips rows or
takes a header line for an item. This version composes each item's name from a language's nouns,
variants and sizes (`Bio Vollmilch 1L`, `Pain au chocolat`, `Nasi Goreng Ayam`, `抹茶ラテ M`),
sometimes in capitals or cut at the printer's width (the label is the text as printed), and
prints the rows in the layouts of that language's documents:

- count first, name and amount, columns under a translated header, `qty x price = amount`;
- a count with its unit and a unit price (`8 Std à 95,00  760,00`, `3 szt. x 4,50  13,50`,
  `1式  120,000`), or a weight (`0.264 kg x 98,500  26,004`), on the name's line or the next;
- dotted leaders (`Hosting (Jan) ......... 240.00`);
- amounts with the currency before or after them on every line (`RM 32.50`, `95,00 €`): the
  label holds the number only;
- modifier lines and discounts (not rows); subtotal, tax, total, cash and change under the
  language's words (`Zwischensumme`, `MwSt 19%`, `SUMME`, `Rückgeld`).

Every labeled value is rendered first and then written into the text, so each label is text of
the document. Versions 1-4 are unchanged; the same seed always gives the same documents.
"""

from typing import Any

from finx.training.examples import Example
from finx.training.synthetic import Kind, Writer
from finx.training.synthetic import generate as generate_kinds
from finx.training.synthetic_tables import MODIFIERS, amount_text, unit_value

LANGUAGES: dict[str, dict[str, Any]] = {
    "en": {"nouns": ["Flat White", "Chicken Wrap", "Oat Milk", "Sourdough Loaf", "Printer Paper", "HDMI Cable",
                     "Cleaning Service", "Design Hours", "Club Sandwich", "Green Salad", "Hot Chocolate", "Muffin"],
           "variants": ["Large", "Regular", "Organic", "Family Pack", "Blue", "Deluxe"],
           "units": ["pcs", "hrs", "ea"], "per": ["@", "x"],
           "head": ("Item", "Qty", "Price", "Amount"), "subtotal": ["Subtotal", "Sub Total"],
           "tax": ["VAT 20%", "Sales Tax", "GST"], "total": ["TOTAL", "Total Due", "Balance Due"],
           "cash": ["Cash", "Tendered"], "change": ["Change"], "number": ["Receipt No", "Invoice #"]},
    "de": {"nouns": ["Vollmilch", "Brezel", "Apfelschorle", "Kaffee Crema", "Schrauben", "Beratung",
                     "Montage", "Roggenbrot", "Currywurst", "Weizenbier", "Druckerpapier", "Reparatur"],
           "variants": ["Bio", "groß", "0,5l", "1L", "500g", "klein"],
           "units": ["Stk", "Std", "St."], "per": ["à", "x"],
           "head": ("Artikel", "Menge", "Preis", "Betrag"), "subtotal": ["Zwischensumme"],
           "tax": ["MwSt 19%", "MwSt 7%", "USt"], "total": ["SUMME", "Gesamt", "Rechnungsbetrag"],
           "cash": ["Bar", "Gegeben"], "change": ["Rückgeld", "Zurück"], "number": ["Bon-Nr.", "Rechnung Nr."]},
    "fr": {"nouns": ["Pain au chocolat", "Café crème", "Baguette", "Croque-monsieur", "Main d'oeuvre",
                     "Réparation", "Eau minérale", "Jambon", "Fromage", "Déplacement", "Quiche", "Tarte"],
           "variants": ["bio", "grand", "50cl", "1kg", "maison", "petit"],
           "units": ["u", "h", "pce"], "per": ["x", "à"],
           "head": ("Désignation", "Qté", "P.U.", "Montant"), "subtotal": ["Sous-total", "Total HT"],
           "tax": ["TVA 20%", "TVA 5,5%"], "total": ["TOTAL TTC", "Net à payer"],
           "cash": ["Espèces"], "change": ["Rendu", "Monnaie"], "number": ["Ticket n°", "Facture N°"]},
    "es": {"nouns": ["Café con leche", "Tostada", "Agua mineral", "Bocadillo", "Mano de obra", "Tornillos",
                     "Paella", "Cerveza", "Zumo de naranja", "Instalación", "Jamón", "Croquetas"],
           "variants": ["grande", "1,5L", "sin gas", "ración", "media", "mixto"],
           "units": ["ud", "h", "uds"], "per": ["x"],
           "head": ("Concepto", "Cant.", "Precio", "Importe"), "subtotal": ["Base imponible", "Subtotal"],
           "tax": ["IVA 21%", "IVA 10%"], "total": ["TOTAL", "Total a pagar"],
           "cash": ["Efectivo", "Entregado"], "change": ["Cambio"], "number": ["Ticket nº", "Factura nº"]},
    "it": {"nouns": ["Cappuccino", "Cornetto", "Acqua naturale", "Pizza margherita", "Manodopera",
                   "Tiramisù", "Spremuta", "Panino", "Consulenza", "Prosciutto", "Birra", "Insalata"],
           "variants": ["grande", "0,5L", "doppio", "bio", "media", "al kg"],
           "units": ["pz", "h", "n."], "per": ["x"],
           "head": ("Descrizione", "Q.tà", "Prezzo", "Importo"), "subtotal": ["Subtotale", "Imponibile"],
           "tax": ["IVA 22%", "IVA 10%"], "total": ["TOTALE", "Totale complessivo"],
           "cash": ["Contanti"], "change": ["Resto"], "number": ["Scontrino n.", "Fattura n."]},
    "nl": {"nouns": ["Koffie verkeerd", "Appeltaart", "Broodje kaas", "Bitterballen", "Arbeidsloon", "Pils",
                     "Tosti", "Karnemelk", "Advies", "Stroopwafel", "Verzendkosten", "Soep"],
           "variants": ["groot", "1L", "bio", "klein", "500g", "extra"],
           "units": ["st", "uur", "stuks"], "per": ["x", "à"],
           "head": ("Omschrijving", "Aantal", "Prijs", "Bedrag"), "subtotal": ["Subtotaal"],
           "tax": ["BTW 21%", "BTW 9%"], "total": ["TOTAAL", "Te betalen"],
           "cash": ["Contant"], "change": ["Wisselgeld"], "number": ["Bonnr.", "Factuurnummer"]},
    "pl": {"nouns": ["Kawa czarna", "Pierogi ruskie", "Woda mineralna", "Chleb żytni", "Usługa transportowa",
                     "Montaż", "Żurek", "Sernik", "Piwo", "Konsultacja", "Kabel HDMI", "Naprawa"],
           "variants": ["duża", "0,5l", "1kg", "mała", "gazowana", "porcja"],
           "units": ["szt.", "godz.", "kg"], "per": ["x"],
           "head": ("Nazwa", "Ilość", "Cena", "Wartość"), "subtotal": ["Suma netto", "Razem"],
           "tax": ["VAT 23%", "PTU A 23%"], "total": ["SUMA PLN", "Razem do zapłaty"],
           "cash": ["Gotówka"], "change": ["Reszta"], "number": ["Paragon nr", "Faktura nr"]},
    "id": {"nouns": ["Nasi Goreng", "Es Teh Manis", "Mie Ayam", "Ayam Bakar", "Kopi Susu", "Sate Ayam",
                     "Bakso Urat", "Teh Tarik", "Roti Bakar", "Air Mineral", "Kwetiau Goreng", "Pisang Goreng"],
           "variants": ["Spesial", "Jumbo", "Pedas", "Panas", "Dingin", "Porsi Besar"],
           "units": ["pcs", "porsi", "btl"], "per": ["x", "@"],
           "head": ("Menu", "Qty", "Harga", "Jumlah"), "subtotal": ["Subtotal", "Sub Total"],
           "tax": ["PB1 10%", "PPN 11%", "Pajak"], "total": ["TOTAL", "Grand Total", "Total Bayar"],
           "cash": ["Tunai", "CASH"], "change": ["Kembali", "Kembalian"], "number": ["No. Struk", "Bill No"]},
    "ja": {"nouns": ["抹茶ラテ", "おにぎり", "ロゴ制作", "コピー用紙", "緑茶", "弁当", "ホットコーヒー", "配送料",
                     "サンドイッチ", "保守作業", "唐揚げ", "カレーライス"],
           "variants": ["M", "L", "大盛", "500ml", "セット", "特製"],
           "units": ["個", "式", "点"], "per": ["x", "@"],
           "head": ("品名", "数量", "単価", "金額"), "subtotal": ["小計"],
           "tax": ["消費税 10%", "(内消費税)"], "total": ["合計", "お会計"],
           "cash": ["お預り", "現金"], "change": ["お釣り"], "number": ["レシートNo", "請求書番号"]},
    "pt": {"nouns": ["Pão de queijo", "Café expresso", "Água com gás", "Pastel de nata", "Mão de obra",
                     "Feijoada", "Suco de laranja", "Coxinha", "Serviço técnico", "Cerveja", "Queijo", "Frete"],
           "variants": ["grande", "500ml", "1kg", "média", "integral", "dupla"],
           "units": ["un", "h", "pç"], "per": ["x"],
           "head": ("Descrição", "Qtd", "Preço", "Total"), "subtotal": ["Subtotal"],
           "tax": ["IVA 23%", "ICMS"], "total": ["TOTAL", "Valor a pagar"],
           "cash": ["Dinheiro"], "change": ["Troco"], "number": ["Cupom nº", "Fatura nº"]},
}  # fmt: skip
CURRENCY = {"en": ["$", "£", "RM", "USD"], "de": ["€", "EUR"], "fr": ["€"], "es": ["€"], "it": ["€"], "nl": ["€"],
            "pl": ["zł", "PLN"], "id": ["Rp", "Rp.", "IDR"], "ja": ["¥", "円"], "pt": ["R$", "€"]}  # fmt: skip
DISCOUNT = {"en": "Discount", "de": "Rabatt", "fr": "Remise", "es": "Descuento", "it": "Sconto", "nl": "Korting",
            "pl": "Rabat", "id": "Diskon", "ja": "値引", "pt": "Desconto"}  # fmt: skip
CONVENTION = {"en": ["point"], "de": ["comma"], "fr": ["comma"], "es": ["comma"], "it": ["comma"], "nl": ["comma"],
              "pl": ["comma"], "id": ["thousands_dot", "thousands_comma"], "ja": ["thousands_comma"],
              "pt": ["comma", "point"]}  # fmt: skip
LAYOUTS = ["count_first", "name_amount", "columns", "times", "unit_price", "unit_price_next_line", "leaders"]
CELLS = {"count_first": ("quantity",), "name_amount": (), "columns": ("quantity", "unit_price"),
         "times": ("quantity", "unit_price"), "unit_price": ("quantity", "unit_price"),
         "unit_price_next_line": ("quantity", "unit_price"), "leaders": ()}  # fmt: skip
"""The optional cells each layout prints (the others are null in the label)."""


def item_name(w: Writer, words: dict[str, Any]) -> str:
    """An item's name as the document prints it: a noun, sometimes a variant or a size, sometimes
    in capitals or cut at a narrow printer's width."""
    name = w.rng.choice(words["nouns"])
    if w.rng.random() < 0.5:
        variant = w.rng.choice(words["variants"])
        name = f"{variant} {name}" if w.rng.random() < 0.3 else f"{name} {variant}"
    if w.rng.random() < 0.3:
        name = name.upper()
    if len(name) > 16 and w.rng.random() < 0.25:
        name = name[: w.rng.randrange(14, 17)].rstrip()
    return w.ocr(name)


def quantity_cell(w: Writer, words: dict[str, Any], layout: str) -> tuple[str, float]:
    """The count as printed and its value: bare, with `x`, with the language's unit, or a weight."""
    if layout.startswith("unit_price") and w.rng.random() < 0.2:
        weight = round(w.rng.uniform(0.1, 2.5), 3)
        return w.rng.choice(["{v:.3f} kg", "{v:.3f}X", "{v:.3f}"]).format(v=weight), weight
    count = w.rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 8, 12])
    if layout.startswith("unit_price"):
        unit = w.rng.choice(words["units"])
        return f"{count}{' ' if unit.isascii() else ''}{unit}", float(count)  # `8 Std`, `1式`
    if layout == "count_first":
        return w.rng.choice(["{q}", "{q}", "{q}x", "{q} x"]).format(q=count), float(count)
    if layout == "times":  # `2 x 4.50 = 9.00`: the count stands bare
        return str(count), float(count)
    return w.rng.choice(["{q}", "{q}", "{q}x", "x{q}"]).format(q=count), float(count)


def row_lines(layout: str, name: str, q: str, u: str, a: str, per: str, money: str) -> list[str]:
    """The printed lines of one row; `money` formats an amount as the document does (`{}` for it)."""
    if layout == "count_first":
        return [f"{q} {name}  {money.format(a)}"]
    if layout == "name_amount":
        return [f"{name}  {money.format(a)}"]
    if layout == "columns":
        return [f"{name:<24}{q:>8}{u:>12}{money.format(a):>14}"]
    if layout == "times":
        return [f"{name} {q} {per} {u} = {money.format(a)}"]
    if layout == "unit_price":
        return [f"{name} {q} {per} {u}  {money.format(a)}"]
    if layout == "unit_price_next_line":
        return [name, f"  {q} {per} {u}    {money.format(a)}"]
    return [f"{name} {'.' * max(3, 30 - len(name))} {money.format(a)}"]  # leaders


def receipt_document(w: Writer) -> tuple[str, str, dict[str, Any]]:
    """A receipt or small invoice of one language, as the `invoice` schema labels it."""
    language = w.rng.choice(list(LANGUAGES))
    words = LANGUAGES[language]
    convention = w.rng.choice(CONVENTION[language])
    layout = w.rng.choice(LAYOUTS)
    symbol = w.rng.choice(CURRENCY[language]) if w.rng.random() < 0.6 else None
    money_on_total = money_on_rows = "{}"  # `{}` is the amount
    if symbol is not None:
        after = symbol in ("€", "zł", "円", "PLN", "EUR") and w.rng.random() < 0.7
        money_on_total = "{} " + symbol if after else symbol + " {}"
        money_on_rows = money_on_total if w.rng.random() < 0.4 else "{}"
    per = w.rng.choice(words["per"])
    lines = [f"{words['head'][0]:<24}{words['head'][1]:>8}{words['head'][2]:>12}{words['head'][3]:>14}"]
    lines = lines if layout == "columns" else []
    items: list[dict[str, Any]] = []
    subtotal = 0.0
    for _ in range(w.rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12, 15])):
        name = item_name(w, words)
        q, value = quantity_cell(w, words, layout)
        unit = unit_value(w, convention)
        amount = round(unit * value, 0 if convention.startswith("thousands") else 2)
        subtotal += amount
        u, a = amount_text(unit, convention), amount_text(amount, convention)
        lines += row_lines(layout, name, q, u, a, per, money_on_rows)
        row = {"description": name, "quantity": q, "unit_price": u, "amount": a}
        items.append(row | {cell: None for cell in ("quantity", "unit_price") if cell not in CELLS[layout]})
        if w.rng.random() < 0.1:
            lines.append(w.rng.choice(MODIFIERS))
        if w.rng.random() < 0.06:
            discount = round(amount * 0.1, 2)
            subtotal -= discount
            lines.append(f"  {DISCOUNT[language]} -{amount_text(discount, convention)}")
    return "invoice", *summary(w, words, convention, lines, items, subtotal, symbol, money_on_total)


def summary(
    w: Writer,
    words: dict[str, Any],
    convention: str,
    rows: list[str],
    items: list[dict[str, Any]],
    subtotal: float,
    symbol: str | None,
    money: str,
) -> tuple[str, dict[str, Any]]:
    """The head above the rows, the sums below them in the document's language, and the label."""
    vendor = w.org()
    number = str(w.rng.randrange(100, 999999))
    issued_text = w.date_text(w.day())
    head = [vendor, w.city(), w.glue([issued_text, f"{w.rng.choice(words['number'])} {number}"]), "-" * 30]
    tax = round(subtotal * w.rng.choice([0.0, 0.07, 0.1, 0.19, 0.2, 0.23]), 2)
    total = subtotal + tax
    target: dict[str, Any] = {
        "vendor": vendor, "customer": None, "invoice_number": number, "invoice_date": issued_text,
        "due_date": None, "currency": symbol, "subtotal": None, "tax": None,
        "total": amount_text(total, convention), "line_items": items, "iban": None, "account_number": None,
    }  # fmt: skip
    foot = []
    if tax or w.rng.random() < 0.5:
        target["subtotal"] = amount_text(subtotal, convention)
        foot.append(f"{w.rng.choice(words['subtotal'])}  {target['subtotal']}")
    if tax:
        target["tax"] = amount_text(tax, convention)
        foot.append(f"{w.rng.choice(words['tax'])}  {target['tax']}")
    foot.append(f"{w.rng.choice(words['total'])}  {money.format(target['total'])}")
    if w.rng.random() < 0.6:
        paid = total + (
            w.rng.choice([0, 1000, 5000]) if convention.startswith("thousands") else w.rng.choice([0, 5, 20])
        )
        foot += [f"{w.rng.choice(words['cash'])}  {amount_text(paid, convention)}",
                 f"{w.rng.choice(words['change'])}  {amount_text(paid - total, convention)}"]  # fmt: skip
    return "\n".join(head + rows + foot), target


KINDS: list[Kind] = [receipt_document]
"""Version 5: receipts and small invoices only (mix it with versions 2 and 4 in a config)."""


def generate(count: int, seed: int = 0) -> list[Example]:
    """`count` labeled documents of version 5; the same seed gives the same output."""
    return generate_kinds(count, seed, KINDS)
