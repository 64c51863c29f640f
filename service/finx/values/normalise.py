"""Deterministic normalisers: a value copied from the document -> its canonical form.

The model points, code normalises: a field whose schema says `x-finx-source: date` (or `duration`,
`name`, `amount`) is copied from the document as written, under the copy-grounding constraint,
and turned into its canonical form here, so the value keeps its source offsets. Each normaliser
returns None when the written text has no canonical reading (the field then becomes null and
the source says why).

- `date`: ISO `YYYY-MM-DD` from numeric (`18/04/2001`, `2001-04-18`, `4.18.01`) and worded forms
  (`April 18, 2001`, `18th day of April, 2001`, `Apr. 18 2001`). A numeric date whose first two
  numbers could both be the month is read month first (US style) unless the first is over 12.
- `duration`: `N unit(s)` from `two (2) years`, `24 months`, `one-year`, `6 mos.`.
- `name`: a party name with commas dropped and `&` as `and`, whitespace collapsed; then made whole
  against the document (`whole_party_name`: legal forms and their periods).
- `amount`: a plain decimal number (`1,234.50`, `1.234,50`, `(12.00)`, `RM 9.00`, `-$3`).
- `number`: kept as written where it reads as one number (`1.234,50`, `RM9.00`, `120,000円`,
  `38,900-`), less a currency mark printed apart before it (`RM 9.00` -> `9.00`); no reading
  where it holds a second number or words (`3 TELUR 72,000`, `COLD FRAPE`, `2 x 15,000`) or is a
  rate (`21%`). Of the CORD receipts' 2,700 labelled amounts 4 have none
  (`TOTAL 47,499`, `-`, `10% 4,818`); of SROIE's dev totals and generator versions 2-6's amounts none.

`find_written(mode, canonical, text)` goes the other way for training: the first text span that
normalises to the canonical value, so a model is taught to copy what it will later be asked for.
"""

import re
from collections.abc import Callable
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
SMALL_NUMBERS = {
    word: number
    for number, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
} | {"a": 1, "an": 1}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
UNITS = {"year": "year", "yr": "year", "month": "month", "mo": "month", "week": "week", "wk": "week", "day": "day"}

_MONTH_WORD = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_MONTH = rf"(?P<month>{_MONTH_WORD})"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
DATE_PATTERNS = [
    re.compile(rf"^{_MONTH}\s*{_DAY}\s*,?\s*{_YEAR}$", re.IGNORECASE),
    re.compile(rf"^{_DAY}\s*(?:day\s+of\s+)?{_MONTH}\s*,?\s*{_YEAR}$", re.IGNORECASE),
    re.compile(rf"^{_DAY}[-\s]{_MONTH}[-\s,]*{_YEAR}$", re.IGNORECASE),
    re.compile(r"^(?P<year>\d{4})[-/.](?P<a>\d{1,2})[-/.](?P<b>\d{1,2})$"),
    re.compile(r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<year>\d{4}|\d{2})$"),
    re.compile(r"^(?P<year>\d{4})(?P<a>\d{2})(?P<b>\d{2})$"),
]
DATE_SEARCH = re.compile(
    rf"\b(?:{_MONTH_WORD}\s*\d{{1,2}}(?:st|nd|rd|th)?\s*,?\s*\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s*(?:day\s+of\s+)?{_MONTH_WORD}\s*,?\s*\d{{4}}"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2}))\b",
    re.IGNORECASE,
)
DURATION = re.compile(
    r"^(?P<number>\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)?)\s*(?:\(\s*(?P<digits>\d+(?:\.\d+)?)\s*\)\s*)?-?\s*"
    r"(?P<unit>years?|yrs?|months?|mos?|weeks?|wks?|days?)\.?$",
    re.IGNORECASE,
)
DURATION_SEARCH = re.compile(
    r"\b(?:\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)?)\s*(?:\(\s*\d+(?:\.\d+)?\s*\)\s*)?-?\s*"
    r"(?:years?|yrs?|months?|mos?|weeks?|wks?|days?)\b\.?",
    re.IGNORECASE,
)


def normalise_date(text: str) -> str | None:
    """ISO date of a written date, or None."""
    text = re.sub(r"^(?:the|dated|as of|on)\s+", "", re.sub(r"\s+", " ", text.strip()), flags=re.IGNORECASE)
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        parts = match.groupdict()
        year = int(parts["year"])
        if year < 100:
            year += 2000 if year < 70 else 1900
        if parts.get("month"):
            month, day = MONTHS[parts["month"].lower().rstrip(".")], int(parts["day"])
        elif len(match.group("year")) == 4 and text.startswith(match.group("year")):
            month, day = int(parts["a"]), int(parts["b"])
        else:
            first, second = int(parts["a"]), int(parts["b"])
            month, day = (second, first) if first > 12 else (first, second)
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return None
    return None


def normalise_duration(text: str) -> str | None:
    """`N unit(s)` of a written duration, or None."""
    match = DURATION.match(re.sub(r"\s+", " ", text.strip()))
    if match is None:
        return None
    written = match.group("digits") or match.group("number")
    number = _number(written.lower())
    if number is None:
        return None
    unit = UNITS[match.group("unit").lower().rstrip("s.")]
    shown = f"{number:g}"
    return f"{shown} {unit}" if number == 1 else f"{shown} {unit}s"


def canonical_party_name(text: str) -> str | None:
    """A party name with commas dropped, `&` as `and`, whitespace collapsed."""
    name = re.sub(r"\s*&\s*", " and ", text.replace(",", " "))
    name = re.sub(r"\s+", " ", name).strip()
    return name or None


PERIOD_FORMS = r"inc|corp|co|ltd|bhd|pty|pte|ltda|cie|l\.p|n\.v|n\.a|s\.a|b\.v|l\.l\.c|p\.c"
"""Abbreviated legal forms written with a period (`Inc.`, `Co.`, `L.P.`), which a small model tends
to leave out."""
ACRONYM_FORMS = r"llc|llp|lp|plc|gmbh|ag|nv|bv"
"""Legal forms written as acronyms, without a period: one after them ends a sentence (`... between
Acme and Beta LLC. The parties`). Of Kleister-NDA's 221 training agreements' labelled parties, 27
end with `LLC`, 9 with `LP`, 2 with `plc`, none with a period; 214 end with `Inc.`, `Corp.`, `Co.`
or `Ltd.`, all with one."""
LEGAL_FORM_END = re.compile(rf"\b(?:{PERIOD_FORMS})$", re.IGNORECASE)
LEGAL_FORM_AFTER = re.compile(
    rf"[\s,]+((?:{PERIOD_FORMS})\.|(?:{ACRONYM_FORMS}|limited|incorporated)\b)(?!-)", re.IGNORECASE
)
"""A legal form written right after a name (`OTSUKA PHARMACEUTICAL CO.` then `, LTD.`)."""
SHORT_FORMS = {"incorporated": "Inc", "limited": "Ltd"}
SPELLED_OUT_FORM = re.compile(r"\b(incorporated|limited|inc|ltd|corp)$", re.IGNORECASE)
"""A legal form ending a party name written out or without its period (`VistaPrint USA,
Incorporated`, `Xyratex Technology Limited`, `RMS TITANIC, INC`), written as its abbreviation with
the period, as Kleister-NDA labels every one: of its 470 labelled parties none ends with
`Incorporated` or `Limited` (14 whose agreements write the name so are labelled `Inc.`, `Ltd.`),
and all 231 ending with `Inc`, `Ltd` or `Corp` have the period."""
TRAILING_ACRONYM_PERIOD = re.compile(rf"(\b(?:{ACRONYM_FORMS}))\.$", re.IGNORECASE)
DANGLING_END = re.compile(r"(?:['’]s\s*[(\[{“\"‘])?[\s(\[{“\"‘'-]*$")
"""Opening brackets or quotes a copied name runs into, with a possessive before them (`J.F. Lehman &
Company's (`); a name that ends in `'s` alone (`Macy's`) keeps it."""
MAX_LEGAL_FORMS_AFTER = 2
CUT_ABBREVIATION = re.compile(r"(?: ?\.[^\W\d_])+(?: ?\.)?")
"""The rest of a dotted abbreviation a copied name stopped in (`L` of `L.P.`, `L.L` of `L.L.C.`, `U`
of `U.S.`; a tokenised text may space its periods: `L.L .C .`): a small model trained on such cut
copies writes them."""
DOTTED_ACRONYM_FORM = re.compile(r"\b(?:L\.P|L\.L\.C)\.?$", re.IGNORECASE)
"""`L.P.` and `L.L.C.` at a name's end, labelled as the acronyms `LP` and `LLC`: Kleister-NDA's
training agreements write 7 labelled parties' form so, 6 labelled without the periods."""


def whole_party_name(name: str, document: str) -> str:
    """A party name (`canonical_party_name`) as the document writes it whole: without a possessive
    or an opening bracket it ran into, with the period of an abbreviated legal form (`Inc` ->
    `Inc.`) where the document writes the name with it, with the legal forms the document writes
    right after one of the places it writes the name (`OTSUKA PHARMACEUTICAL CO.` -> `... CO.
    LTD.`), and without a sentence's full stop after an acronym (`Beta LLC.` -> `Beta LLC`); the
    document is searched for the name once. A name cut in a dotted abbreviation everywhere the
    document writes it is completed (`CUT_ABBREVIATION`), `L.P.` or `L.L.C.` ending it written as
    `LP` or `LLC` (`DOTTED_ACRONYM_FORM`), and `Incorporated`, `Limited` or a bare `Inc` ending it
    as `Inc.`, `Ltd.` (`SPELLED_OUT_FORM`)."""
    name = DANGLING_END.sub("", name) or name
    places = [place.end() for place in re.finditer(written_name(name), document, re.IGNORECASE)]
    rests = [CUT_ABBREVIATION.match(document, end) for end in places]
    unspaced = {rest.group().replace(" ", "") for rest in rests if rest is not None}
    if re.search(r"\b[^\W\d_]$", name) and places and all(rests) and len(unspaced) == 1:
        name, places = name + unspaced.pop(), [rest.end() for rest in rests if rest is not None]
    with_period = [end + 1 for end in places if document.startswith(".", end)]
    if LEGAL_FORM_END.search(name) and with_period:
        name, places = name + ".", with_period
    position = next((end for end in places if LEGAL_FORM_AFTER.match(document, end)), len(document))
    for _ in range(MAX_LEGAL_FORMS_AFTER):
        form = LEGAL_FORM_AFTER.match(document, position)
        if form is None or name.casefold().endswith(form.group(1).casefold()):
            break
        name, position = f"{name} {form.group(1)}", form.end()
    name = TRAILING_ACRONYM_PERIOD.sub(r"\1", name)
    name = DOTTED_ACRONYM_FORM.sub(lambda form: form.group().replace(".", ""), name)
    return SPELLED_OUT_FORM.sub(abbreviated_form, name)


def abbreviated_form(form: re.Match[str]) -> str:
    """The abbreviation of a legal form written out or without its period, in the case it was
    written in (`Incorporated` -> `Inc.`, `LIMITED` -> `LTD.`, `INC` -> `INC.`)."""
    word = form.group(1)
    short = SHORT_FORMS.get(word.casefold(), word) + "."
    return short.upper() if word.isupper() else short


def written_name(name: str) -> str:
    """A pattern for the places a document writes a canonical party name: the commas it lost, `&`
    for `and`, any spacing."""
    words = [r"(?:and|&)" if word.lower() == "and" else re.escape(word) for word in name.split()]
    return r"(?<!\w)" + r"[\s,]+".join(words)


NUMBER = re.compile(r"\d(?:[\d.,' \u00a0]*\d)?")
"""One number as printed: digits with group and decimal marks, or spaces grouping thousands."""
CURRENCY_MARK_LETTERS = 3
"""A number may carry one word beside it of at most this many letters: a currency mark (`Rp`,
`RM`, `EUR`, `円`) or a sign (`CR`)."""


MEASURE_UNITS = r"ml|cl|dl|kg|mg|gr|lbs?|oz|ct|pk|pcs?"
GLUED_UNIT = rf"(?i:(?:{MEASURE_UNITS}|g|l|p)\b)"
"""A unit of measure glued to the figure before it (`600ML`, `500G`, `1,5L`, `6P`)."""
MEASURE = re.compile(rf"\d(?:\s(?:{MEASURE_UNITS})\b|{GLUED_UNIT})|\d\+$", re.IGNORECASE)
"""A figure with a unit of measure after it (`600ML`, `5LB`, `1.5 kg`, `500G`, `12PCS`, `6P`) or a
plus (`48+`, a cheese's fat): a size, a weight, a count of pieces or a grade, not an amount (a
one-letter unit only where it is glued to the figure: `1,09 B` is a tax code). None of 22,749
labelled amounts, prices and counts has a glued `P` or a plus after it."""


SPACED_MARK = re.compile(r"^(?:[^\W\d_]{1,3}\.?|[$€£¥₹₩฿])\s+(?=[-(+]?\d)")
"""A currency mark printed apart from the figure after it (`RM 9.00`, `Rp. 22.000`, `$ 735.00`): not
part of the figure. Of SROIE's 626 receipts' totals printed so, 92 are labelled without it and 18
with; of CORD's amounts, 53 without and 25 with. One glued to the figure (`RM9.00`) is copied
with it, as SROIE labels 68 of 72 such totals."""
GLUED_SYMBOL = re.compile(r"^(-?)[$€£¥₹₩฿](?=-?\d)")
"""A currency symbol glued before a figure (`$57.00`, `-£0.50`): an invoice's amounts are written
without the currency (`schemas.fields.Amount`; its `currency` holds it). Of the labelled invoices and
receipts' line items and bill figures that print one so (finx's hand-made sets, generator versions
4 and 6), 97 are labelled without it; SROIE's receipts label their totals with it (32 of 626), so
the receipt's total keeps it."""


def without_glued_symbol(figure: str) -> str:
    """`figure` without a currency symbol glued before it (`GLUED_SYMBOL`): `$57.00` -> `57.00`."""
    return GLUED_SYMBOL.sub(r"\1", figure)


SPACED_CLASS = re.compile(r"(?<=[\d)-])\s+(?:[A-Z]|\*)$")
"""A tax class printed apart after the figure (`1,29 A`, `5.99 S`, `26.00 *`): a column of its
own, not part of the amount. Of 15,914 labelled amounts (CORD, SROIE's dev receipts, finx's dev
sets, generator versions 2, 4-6) none ends so; finx's hand-made shop receipts print one after 44
figures."""


def written_number(text: str) -> str | None:
    """`text` as it is where it reads as one number, grouped as numbers are (`is_well_grouped`),
    with at most a currency mark or sign beside it (one word of at most `CURRENCY_MARK_LETTERS`
    letters, symbols such as `$` `-` `(`), and no unit of measure (`MEASURE`), less a currency mark
    printed apart before it (`SPACED_MARK`) and a tax class printed apart after it (`SPACED_CLASS`);
    else None."""
    match = NUMBER.search(text)
    if match is None or MEASURE.search(text) or not is_well_grouped(match.group()):
        return None
    rest = f"{text[: match.start()]} {text[match.end() :]}"
    if re.search(r"[\d%]", rest):
        return None
    words = re.findall(r"[^\W\d_]+", rest)
    if len(words) > 1 or any(len(word) > CURRENCY_MARK_LETTERS for word in words):
        return None
    return SPACED_CLASS.sub("", SPACED_MARK.sub("", text.strip()))


def is_well_grouped(number: str) -> bool:
    """Whether digits with marks group as a number's do: between marks three digits (or two, in an
    Indian `12,34,567.00` whose last group has three), a decimal part only after the last mark and
    only where it is the one mark or differs from the others (`1.234,50`). A date is not
    (`14.11.2024`); of 8,057 labelled amounts (CORD, the dev invoices and shops, generator versions
    2-6) and 82 receipt totals, none fails."""
    digits = re.sub(r"[' \u00a0]", "", number)
    parts, marks = re.split(r"[.,]", digits), re.findall(r"[.,]", digits)
    if not marks:
        return True
    decimal = len(marks) == 1 or (marks[-1] not in marks[:-1] and len(set(marks[:-1])) == 1)
    groups = parts[1:-1] if decimal else parts[1:]
    return all(len(group) == 3 for group in groups) or (
        all(len(group) in (2, 3) for group in groups) and len(groups[-1]) == 3
    )


def normalise_amount(text: str) -> str | None:
    """A plain decimal number (`-1234.5`) of a written amount, or None.

    With both `.` and `,` the later one is the decimal mark; a lone separator followed by exactly
    three digits, or repeated, groups thousands; otherwise it is the decimal mark.
    """
    match = NUMBER.search(text)
    if match is None:
        return None
    negative = bool(re.search(r"[-(\u2212]", text[: match.start()]))
    number = re.sub(r"[' \u00a0]", "", match.group())
    separators = set(re.findall(r"[.,]", number))
    if len(separators) == 2:
        decimal_mark = "." if number.rfind(".") > number.rfind(",") else ","
    elif separators:
        mark = separators.pop()
        tail = number.rpartition(mark)[2]
        decimal_mark = "" if number.count(mark) > 1 or len(tail) == 3 else mark
    else:
        decimal_mark = ""
    if decimal_mark:
        head, _, tail = number.rpartition(decimal_mark)
    else:
        head, tail = number, ""
    digits = re.sub(r"[.,]", "", head)
    value = (digits.lstrip("0") or "0") + (f".{tail}" if tail else "")
    return f"-{value}" if negative else value


NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "date": normalise_date,
    "duration": normalise_duration,
    "name": canonical_party_name,
    "amount": normalise_amount,
    "number": written_number,
}
SEARCHES: dict[str, re.Pattern[str]] = {"date": DATE_SEARCH, "duration": DURATION_SEARCH}


def find_written(mode: str, canonical: str, text: str) -> str | None:
    """The first span of `text` that normalises to `canonical` (for `date` and `duration`)."""
    for match in SEARCHES[mode].finditer(text):
        written = re.sub(r"\s+", " ", match.group().strip())
        if NORMALISERS[mode](written) == canonical:
            return written
    return None


def _number(written: str) -> float | None:
    """A number written in digits or words up to ninety-nine ("18", "eighteen", "thirty-six")."""
    if re.fullmatch(r"\d+(?:\.\d+)?", written):
        return float(written)
    tens, _, unit = written.partition("-")
    if not unit:
        return SMALL_NUMBERS.get(written, TENS.get(written))
    if tens in TENS and 0 < SMALL_NUMBERS.get(unit, 0) < 10 and unit not in ("a", "an"):
        return TENS[tens] + SMALL_NUMBERS[unit]
    return None
