"""A seller's and a buyer's name and a receipt's address as the document writes them, where the
model read them with a neighbouring line's text, stopped inside them, or took another line:

- An address without the seller or its contacts (`seller_address`): a receipt prints the seller's
  legal name and registration number over its address (`WAHIN HARDWARE SDN BHD` / `148481-U` /
  `425, JALAN PAHANG,`) and its phone or tax number under it; an address read from a line above
  its first keeps neither (`SELLER_BEFORE_ADDRESS`), nor the label of a line under its last
  (`..., 47400 PJ, TEL`, `... PULAU PINANG GST REG NO: 000987654321`: `CONTACT_AFTER_ADDRESS`).
- A seller without its branch or the document's number (`seller_name`): a shop's name is printed
  with the number of its branch (`TRADER JOE'S #552`, `STARBUCKS Store #10442`, `Albert Heijn
  1432`), which names the branch, not the seller (`BRANCH_NUMBER`), and an invoice's head line may
  start with the invoice's number (`INV#0099 Northbeam Consulting Pty Ltd`, `PRO FORMA / INVOICE
  22-0456 Kenya Coffee Exporters Ltd`: `NUMBER_BEFORE_NAME`), nor the address it was read on into
  (`seller_before_place`: 2 of the dev run's 177 sellers, one right once cut).
- A seller's legal form whole: its period where the document prints one after every place it
  writes the name (`with_form_period`), the rest of a form of several words (`with_form_rest`).
- A place or contact line is no name (`is_place_or_contact`: `Brighton Road, Crawley` under `ALDI`
  / `Stores Limited`; finx-lora-v11 read 4 of the dev run's 177 sellers and 2 buyers so, none
  right): `header_values.inconsistent_values` withholds such a seller or buyer.

Knows names, addresses and the document text; not schemas, chunks or confidences (the caller,
`header_values`, says which field holds what).
"""

import re
from typing import Any

from finx.values.grounding import occurrences
from finx.values.normalise import ACRONYM_FORMS, LEGAL_FORM_END, PERIOD_FORMS

LEGAL_FORMS = rf"sdn\.?\s*bhd|berhad|limited|{PERIOD_FORMS}|{ACRONYM_FORMS}"
"""A company's legal form, as a seller's name may end or hold it (`SDN BHD`, `Ltd`, `GmbH`)."""
LEGAL_FORM = re.compile(rf"\b(?:{LEGAL_FORMS})\b", re.IGNORECASE)

REGISTRATION = r"\(?\d{3,}-[A-Z]\)?"
"""A company registration number as receipts print it under the name (`148481-U`, `(417940-M)`)."""

SELLER_BEFORE_ADDRESS = re.compile(
    rf"{REGISTRATION}[\s,.]+"
    rf"|[^\d,\n]*?\b(?:{LEGAL_FORMS})\b\.?(?:\s*\(\d[\w-]*\))?"
    rf"\s*(?:,\s*|\s+(?={REGISTRATION}[\s,.]))",
    re.IGNORECASE,
)
"""What a seller's address does not start with: the seller's registration number, or its legal
name followed by a comma or that number (`148481-U`, `URBAN IDEA SDN BHD (417940-M),`), printed
over the address. None of SROIE's 624 labelled addresses does; finx-lora-v11 read 2 of SROIE's 70
dev addresses so."""

CONTACT_AFTER_ADDRESS = re.compile(
    r"[,\s]*\(?\b(?:tel|telephone|phone|fax|gst|h/p|e-?mail|co\.?\s*reg|company\s+reg)\b"
    r"(?:(?:\s*(?:no|id|reg|number)\b\.?){0,3}\s*[:#.]?\s*[\d(+].*|\W*)$",
    re.IGNORECASE | re.DOTALL,
)
"""A seller's phone, fax, e-mail or tax number after its address, or their label at its end (`TEL
: 03-7731 8169`, `GST REG NO: 000987654321`, `, TEL`; not the `Tel` of `Tel Aviv`): none of SROIE's
624 labelled addresses holds one; finx-lora-v11 read 3 of the dev run's 82 receipts' addresses so."""

BRANCH_NUMBER = re.compile(r"\s+(?:(?:store|filiale|branch|no\.?)\s*)?(?:#\s*\d+|\d{4,})$", re.IGNORECASE)
"""A branch's number after a seller's name: `#` and digits, or four digits or more, perhaps after
`Store`, `Filiale`, `Branch`, `No.` (not the `666` of `TRIPLE SIX POINT ENTERPRISE 666`). None of
1,752 labelled sellers (SROIE, finx's dev sets, generator versions 2, 4-6) ends so; finx-lora-v11
read 2 of the dev run's shops so."""

NUMBER_BEFORE_NAME = re.compile(
    r"^(?:[^\W\d_]+#\s*\d[\w/-]*|(?:\S+\s+){0,3}?(?:invoice|inv|factura|rechnung|facture|fattura|faktura|receipt|bill)"
    r"\.?\s*(?:no\.?|nr\.?|#)?\s*:?\s*\d[\w/-]*)\s+(?=\S)",
    re.IGNORECASE,
)
"""A document's number a seller's name was read with (`INV#0099 `, `PRO FORMA / INVOICE 22-0456 `):
none of 2,412 labelled sellers and buyers starts so; finx-lora-v11 read 2 of the dev invoices' so."""

US_STATES = (
    r"(?:A[LKZR]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]"
    r"|W[AIVY])"
)
"""The two-letter codes of the states of the United States (and DC), as a town's line ends with one."""
PLACE_OR_CONTACT = re.compile(
    r"\b(?:tel|phone|fax)\b|\(\d{3}\)\s*\d{3}[-.\s]\d{4}|\b\d{2,4}[-\s]\d{3,4}[-\s]?\d{4}\b|\bbox\s+\d"
    r"|\b(?:road|rd|street|avenue|ave|blvd|boulevard|lane|drive|highway|hwy|jalan|jln|lorong|lrg|calle|rue)\b"
    r"|\b\w*(?:stra(?:ss|ß)e|straat|laan)\b|\bstr\.|(?-i:\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b|\b\d{5}\s+[A-Z][^\W\d_]+)"
    rf"|(?-i:\b[A-Z][a-z]+,?\s+{US_STATES}(?:\s+\d{{5}})?\s*$)",
    re.IGNORECASE,
)
"""What a line that gives a place or a contact holds and a name does not: a phone number or its
label, a street, road or box, a postcode before a town or a British one, a town and its state's
code ending the line (`Brighton Road, Crawley`, `RR 2 Box 118, Stowe VT`, `Sunnyvale - 1 (408)
555-0167`, `Gohliser Str. 22, 04155 Leipzig`, `Lamar - Austin TX`). Of
1,782 labelled sellers (SROIE, generator versions 2, 4-6, the hand-made sets) 3 hold one, each with
a legal form (`GREEN LANE PHARMACY SDN BHD`), none without; of 671 labelled buyers none."""

FORM_REST = re.compile(
    r"[^\S\n]+(z[^\S\n]?o\.[^\S\n]?o\.|de[^\S\n]+c\.[^\S\n]?v\.|de[^\S\n]+r\.[^\S\n]?l\.(?:[^\S\n]+de[^\S\n]+c\.[^\S\n]?v\.)?"
    r"|&[^\S\n]?co\.?[^\S\n]+kg)(?=[^\S\n]*(?:,|$))",
    re.IGNORECASE | re.MULTILINE,
)
"""The rest of a legal form of several words after its first (`Sp.` `z o.o.`, `S.A.` `DE C.V.`, `S.
de R.L.`, `GmbH` `& Co. KG`), ending its line or followed by a comma: a small model stops a name at
the first period of such a form."""


def with_form_period(name: Any, document: str) -> str | None:
    """`name` with the period of the abbreviated legal form it ends with (`Co., Ltd` -> `Co., Ltd.`:
    `values.normalise.LEGAL_FORM_END`) where every place the document writes it has one after it; None
    otherwise. None of 1,782 labelled sellers (SROIE, CORD, generator versions 2, 4-6, the hand-made
    sets) changes so; 169 end with the period."""
    if not isinstance(name, str) or not LEGAL_FORM_END.search(name.strip()):
        return None
    places = [place.end() for place in re.finditer(re.escape(name.strip()), document)]
    return f"{name.strip()}." if places and all(document.startswith(".", end) for end in places) else None


def with_form_rest(name: Any, document: str) -> str | None:
    """`name` with the rest of the legal form of several words it stops inside (`Kowalski Sp.` ->
    `Kowalski Sp. z o.o.`, `TIENDAS SORIANA S.A.` -> `... S.A. DE C.V.`: `FORM_REST`), where every
    place the document writes it is followed by that rest; None otherwise. None of 1,792 labelled
    sellers changes so; finx-lora-v11 stopped 2 of the dev run's sellers so."""
    if not isinstance(name, str) or not name.strip():
        return None
    rests = [FORM_REST.match(document, place.end()) for place in re.finditer(re.escape(name.strip()), document)]
    found = {rest.group(1) for rest in rests if rest is not None}
    return f"{name.strip()} {found.pop()}" if rests and all(rests) and len(found) == 1 else None


def is_place_or_contact(name: Any) -> bool:
    """Whether a seller's or buyer's `name` holds what a place or contact line does
    (`PLACE_OR_CONTACT`) and no legal form (`LEGAL_FORM`: `GREEN LANE PHARMACY SDN BHD` is a name)."""
    return isinstance(name, str) and PLACE_OR_CONTACT.search(name) is not None and LEGAL_FORM.search(name) is None


def seller_before_place(name: Any, document: str) -> str | None:
    """A seller's `name` without the lines the document prints it over from its first place or
    contact line on (`is_place_or_contact`: `PETRONAS STESEN MINYAK` / `SRI KEMBANGAN JAYA` / `BATU
    12, JALAN PUCHONG,`, the name read on into its address; a line in brackets names a branch:
    `CHECKERS HYPERMARKET SDN BHD` / `(JALAN KLANG LAMA)` as SROIE labels it); None where it runs into
    none, or the document does not write it."""
    if not isinstance(name, str) or not (places := occurrences(name, document)):
        return None
    start, end = places[0]
    lines = document[start:end].split("\n")
    place_lines = [index for index, line in enumerate(lines) if is_place_or_contact(line) and line.lstrip()[:1] != "("]
    place = next((index for index in place_lines if index > 0), None)
    if place is None:
        return None
    return " ".join(name.split()[: len(" ".join(lines[:place]).split())])


def seller_name(name: Any) -> str | None:
    """A seller's `name` without the document's number before it (`NUMBER_BEFORE_NAME`) and the
    branch number after it (`BRANCH_NUMBER`); None where it has neither or nothing would be left."""
    if not isinstance(name, str):
        return None
    number = NUMBER_BEFORE_NAME.match(name)
    kept = name[number.end() :] if number is not None else name
    branch = BRANCH_NUMBER.search(kept)
    kept = kept[: branch.start()] if branch is not None else kept
    return kept if kept != name and kept.strip() else None


def seller_address(address: Any) -> str | None:
    """`address` without the seller's name and registration number it starts with
    (`SELLER_BEFORE_ADDRESS`: `148481-U 425, JALAN PAHANG` -> `425, JALAN PAHANG`) and the contact
    it runs into (`CONTACT_AFTER_ADDRESS`: `47400 PJ, TEL` -> `47400 PJ`); None where it has
    neither or nothing would be left."""
    if not isinstance(address, str):
        return None
    rest = address
    while (seller := SELLER_BEFORE_ADDRESS.match(rest)) is not None and rest[seller.end() :].strip():
        rest = rest[seller.end() :]
    contact = CONTACT_AFTER_ADDRESS.search(rest)
    if contact is not None and rest[: contact.start()].strip():
        rest = rest[: contact.start()]
    return rest if rest != address else None
