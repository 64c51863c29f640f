"""Generator version 3: non-disclosure agreements (`nda` schema) whose term is stated, or not.

Trained on Kleister-NDA alone, the model learned that an NDA's `term` is null: a quarter of those
agreements have a labelled term, and most of them also write durations that are not the term
(non-solicitation periods, how long obligations survive), labelled null. It then answered null
with probability ~1.0 even for "This Agreement shall remain in effect for a period of three (3)
years". These documents teach the difference, in agreements of the kinds and layouts NDAs use:

- the agreement's own term in the forms contracts write it (`three (3) years`, `two years`,
  `eighteen (18) months`, `a 5-year term`, `a period of 24 months`), in a Term section, the
  preamble or a closing clause; a quarter of the agreements state none;
- durations that are not the term: non-solicitation and non-compete periods, how long the
  obligations survive, notice periods; always labelled as what they are not;
- parties as the preamble names them, with their legal form and its period (`Harbor Lane
  Therapeutics, Inc.`, `Kestrel Capital L.L.C.`, an individual), a short name in quotes, and the
  same companies again in the signature blocks (in capitals, with signatories who are not parties);
- the governing law (`the State of New York`, `England and Wales`), the effective date in the forms
  agreements use (`March 3, 2014`, `the 3rd day of March, 2014`, `3 March 2014`, `2014-03-03`).

Labels are written as `finx eval` compares them (party names by `canonical_party_name`, the date
as ISO, the term as `N years|months`); training writes each value as the text does
(`values.sources.written_form`). The same seed always gives the same documents.
"""

from datetime import date, timedelta
from typing import Any

from finx.training.examples import Example
from finx.training.synthetic import Kind, Writer
from finx.training.synthetic import generate as generate_kinds
from finx.values.normalise import canonical_party_name

NAMES = ["Harbor", "Kestrel", "Bluefin", "Granite", "Silver Oak", "Northgate", "Aldwych", "Cobalt", "Juniper",
         "Westmark", "Tidewater", "Pinecrest", "Sterling", "Orchard", "Riverside", "Summit", "Beacon"]  # fmt: skip
TRADES = ["Therapeutics", "Capital", "Analytics", "Holdings", "Biosciences", "Software", "Partners", "Industries",
          "Energy", "Media", "Semiconductor", "Logistics", "Health", "Technologies", "Resources", "Labs"]  # fmt: skip
FORMS = [("Inc.", "corporation"), ("Corp.", "corporation"), ("Corporation", "corporation"),
         ("LLC", "limited liability company"), ("L.L.C.", "limited liability company"),
         ("L.P.", "limited partnership"), ("Ltd.", None), ("Limited", None), ("plc", None), ("GmbH", None),
         ("N.V.", None), ("Co., Ltd.", None)]  # fmt: skip
"""Legal forms and, for US ones, how a preamble describes them (others: incorporated in a country)."""
COUNTRIES = {
    "Ltd.": ["England", "Israel", "Hong Kong"],
    "Limited": ["England", "Ireland", "India"],
    "plc": ["England"],
    "GmbH": ["Germany", "Austria"],
    "N.V.": ["the Netherlands", "Belgium"],
    "Co., Ltd.": ["Japan", "Korea"],
}
PLACES = [("Delaware", "the State of Delaware"), ("New York", "the State of New York"),
          ("California", "the State of California"), ("Massachusetts", "the Commonwealth of Massachusetts"),
          ("Texas", "the State of Texas"), ("Illinois", "the State of Illinois"), ("Nevada", "the State of Nevada"),
          ("England and Wales", "England and Wales"), ("Ontario", "the Province of Ontario"),
          ("Singapore", "Singapore"), ("Germany", "the Federal Republic of Germany"),
          ("New Jersey", "the State of New Jersey")]  # fmt: skip
US_STATES = ["Delaware", "New York", "California", "Massachusetts", "Texas", "Illinois", "Nevada", "New Jersey"]
"""Where a US party is organised (the preamble's `a Delaware corporation`)."""
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 9: "nine", 10: "ten",
         12: "twelve", 18: "eighteen", 24: "twenty-four", 36: "thirty-six"}  # fmt: skip
TITLES = ["MUTUAL NON-DISCLOSURE AGREEMENT", "NON-DISCLOSURE AGREEMENT", "CONFIDENTIALITY AGREEMENT",
          "Mutual Confidentiality Agreement", "CONFIDENTIAL DISCLOSURE AGREEMENT",
          "Non-Disclosure and Non-Use Agreement"]  # fmt: skip
PURPOSES = ["a possible collaboration concerning diagnostic software", "a potential acquisition of assets",
            "a supply arrangement for specialty materials", "a joint marketing program",
            "the licensing of certain patents", "an investment in the Company"]  # fmt: skip
BOILERPLATE = [
    '"Confidential Information" means any non-public information disclosed by either party, whether '
    "orally or in writing, that is designated as confidential or that reasonably should be understood to be "
    "confidential.",
    "Confidential Information does not include information that (a) is or becomes publicly available through no "
    "fault of the Recipient, (b) was known to the Recipient before disclosure, or (c) is independently developed.",
    "The Recipient shall hold the Discloser's Confidential Information in strict confidence and shall not use it "
    "except for the Purpose.",
    "Upon written request, the Recipient shall promptly return or destroy all Confidential Information.",
    "Each party acknowledges that a breach may cause irreparable harm, for which the other party may seek "
    "injunctive relief in addition to any other remedy.",
    "Nothing in this Agreement grants either party any license under any patent, copyright or other right.",
    "This Agreement is the entire agreement of the parties on its subject and may be amended only in writing.",
]


def duration(w: Writer, unit: str | None = None) -> tuple[str, str, str]:
    """(as written, written as an adjective, as labelled `N years|months`) of a duration."""
    unit = unit or w.rng.choice(["years", "years", "months"])
    number = w.rng.choice([1, 2, 3, 4, 5, 7, 10] if unit == "years" else [6, 9, 12, 18, 24, 36])
    singular = unit.rstrip("s")
    shown = singular if number == 1 else unit
    word = WORDS.get(number, str(number))
    written = w.rng.choice([f"{word} ({number}) {shown}", f"{word} {shown}", f"{number} {shown}"])
    adjective = w.rng.choice([f"{word}-{singular}", f"{number}-{singular}"])
    return written, adjective, f"{number} {shown}"


def party(w: Writer) -> tuple[str, str, str]:
    """(name as written, preamble description, short name) of one party."""
    if w.rng.random() < 0.12:
        name = w.person()
        return name, w.rng.choice(["an individual", f"an individual residing in {w.city()}"]), name.split()[-1]
    head, trade = w.rng.choice(NAMES), w.rng.choice(TRADES)
    form, kind = w.rng.choice(FORMS)
    comma = "," if form in ("Inc.", "Corp.", "Ltd.", "Co., Ltd.") and w.rng.random() < 0.6 else ""
    name = f"{head} {trade}{comma} {form}"
    if kind is None:
        return name, f"a company incorporated in {w.rng.choice(COUNTRIES[form])}", head
    return name, f"a {w.rng.choice(US_STATES)} {kind}", head


def effective_date_text(w: Writer, day: date) -> str:
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(day.day, "th")
    forms = [day.strftime("%B %-d, %Y"), f"the {day.day}{suffix} day of {day.strftime('%B')}, {day.year}",
             day.strftime("%-d %B %Y"), day.isoformat(), day.strftime("%b. %-d, %Y")]  # fmt: skip
    return w.rng.choice(forms)


def term_clause(w: Writer, written: str, adjective: str) -> str:
    return w.rng.choice(
        [
            f"This Agreement has a {adjective} term beginning on the Effective Date.",
            f"This Agreement shall remain in effect for a period of {written} from the Effective Date.",
            f"The term of this Agreement shall be {written} commencing on the Effective Date.",
            f"This Agreement will expire {written} after the Effective Date unless terminated earlier in writing.",
            f"Unless terminated earlier, this Agreement shall continue in force for {written}.",
            f"This Agreement shall commence on the Effective Date and continue for a term of {written}.",
        ]
    )


def other_durations(w: Writer) -> list[str]:
    """Clauses with durations that are not the agreement's term."""
    clauses = [
        f"For a period of {duration(w)[0]} after the termination of this Agreement, neither party shall solicit "
        "for employment any employee of the other party.",
        f"The Recipient's obligations under this Agreement shall survive for {duration(w)[0]} after its termination.",
        f"Either party may terminate this Agreement upon {w.rng.choice(['thirty (30)', '60', 'ninety (90)'])} days' "
        "written notice to the other party.",
        f"Confidential Information disclosed more than {duration(w, 'months')[0]} before the Effective Date is "
        "not covered.",
    ]
    return w.rng.sample(clauses, w.rng.randrange(1, 3))


def nda_document(w: Writer) -> tuple[str, str, dict[str, Any]]:
    parties = [party(w) for _ in range(2)]
    while parties[1][0] == parties[0][0]:
        parties[1] = party(w)
    jurisdiction, law = w.rng.choice(PLACES)
    day = date(2004, 1, 1) + timedelta(days=w.rng.randrange(7000))
    has_term = w.rng.random() < 0.75
    written_term, adjective, term = duration(w)
    title = w.rng.choice(TITLES)
    opening = w.rng.choice(["is entered into as of", "is made and entered into on", "is dated", "is effective as of"])
    named = [f'{name}, {description} ("{short}")' for name, description, short in parties]
    lines = [title, "", f'This {title.title()} (the "Agreement") {opening} {effective_date_text(w, day)} '
             f'(the "Effective Date") by and between {named[0]}, and {named[1]}.', ""]  # fmt: skip
    sections = [f"The parties wish to evaluate {w.rng.choice(PURPOSES)} (the \"Purpose\").",
                *w.rng.sample(BOILERPLATE, w.rng.randrange(2, 6)), *other_durations(w)]  # fmt: skip
    if has_term:
        sections.insert(w.rng.randrange(1, len(sections) + 1), term_clause(w, written_term, adjective))
    if w.rng.random() < 0.3:
        sections.append(
            "Notices under this Agreement shall be in writing and delivered to the addresses below: "
            + "; ".join(f"if to {short}: {w.rng.randrange(10, 999)} {w.rng.choice(['Main', 'Market', 'King', 'Elm'])} "
                        f"Street, {w.city()}, Attention: {w.person()}" for _, _, short in parties)
        )  # fmt: skip
    sections.append(
        f"This Agreement shall be governed by and construed in accordance with the laws of {law}, without "
        "regard to its conflict of laws principles."
    )
    for number, section in enumerate(sections, start=1):
        lines += [f"{number}. {section}", ""]
    lines.append("IN WITNESS WHEREOF, the parties have executed this Agreement as of the Effective Date.")
    for name, _, _ in parties:
        signatory, title = w.person(), w.rng.choice(["Chief Executive Officer", "General Counsel", "President"])
        heading = name.upper() if w.rng.random() < 0.6 else name
        lines += ["", heading, f"By: /s/ {signatory}", f"Name: {signatory}", f"Title: {title}"]
    target = {
        "parties": [canonical_party_name(name) for name, _, _ in parties],
        "jurisdiction": jurisdiction,
        "effective_date": day.isoformat(),
        "term": term if has_term else None,
    }
    return "nda", "\n".join(lines), target


KINDS: list[Kind] = [nda_document]


def generate(count: int, seed: int = 0) -> list[Example]:
    """`count` labeled agreements of version 3; the same seed gives the same output."""
    return generate_kinds(count, seed, KINDS)
