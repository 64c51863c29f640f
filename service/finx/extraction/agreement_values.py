"""An agreement's single values judged against its text: the term the model left null that the
agreement states, and its parties (each once, with those its opening names).

- An agreement's term (`stated_term`): where the model wrote none, the one period of months or
  years the agreement states in a clause on itself or its obligations lasting (`This agreement
  terminates eighteen (18) months from the date first written above`), not in a covenant's
  (`schemas.fields.COVENANT_WORDS`). Of Kleister-NDA's 254 agreements and finx's 8 dev NDAs, 74
  state one such period: 52 are the labelled term, 18 are labelled null (Kleister leaves many
  stated terms unlabelled), 4 another; of finx-lora-v11's dev answers, 4 left null: 3 filled right.
- An agreement's parties (`agreement_parties`): each once, however the model wrote its copies, and
  a party it left out that the agreement's opening names with the short name it defines for it (`and
  Teresa Valdez (the "Employee")`).

Knows the `nda` schema's field names (`TERM_FIELDS`, `PARTY_FIELDS`), the contract-term roles of
`schemas.fields` and the document text; not chunks, confidences or engines (`header_values.
stated_values` gathers the values, `answer` applies them).
"""

import re

from finx.extraction.roles import clause_around, phrase_pattern
from finx.extraction.table_rows import line_start
from finx.schemas.fields import COVENANT_WORDS
from finx.values.normalise import DURATION_SEARCH, canonical_party_name, normalise_duration, whole_party_name

TERM_FIELDS = {"nda": "term"}
"""Per built-in schema, the field that holds how long the agreement lasts."""
TERM_UNITS = ("month", "year")
"""The units an agreement's term is stated in: Kleister-NDA labels 82 terms, one in days; a period
of days in an agreement is a notice's or a revocation's."""
LASTING = re.compile(
    r"\b(?:terminat|expir|surviv|continu)\w*|\bremain\w*\s+in\s+(?:full\s+)?(?:force|effect)|\bin\s+effect\b"
    r"|\bterm\s+of\s+this\s+agreement\b",
    re.IGNORECASE,
)
"""What a clause stating an agreement's term says of it: it terminates, expires, survives,
continues, remains in force or in effect."""
THE_AGREEMENT = re.compile(r"\b(?:this|the)\s+agreement\b|\bobligations\b", re.IGNORECASE)
"""What lasts in such a clause: the agreement or the obligations under it."""
TERM_LABEL = re.compile(r"\bterm\s*:\s*$", re.IGNORECASE)
"""A form's label of the term, on the line before the period (`Term:   3 years from the Effective
Date` on a short-form agreement's cover)."""

PARTY_FIELDS = {"nda": "parties"}
"""Per built-in schema, the list of the parties an agreement is made between."""
AGREEMENT_OPENING = re.compile(r"\b(?:between|among)\s+", re.IGNORECASE)
OPENING_REACH = (3000, 600)
"""Where an agreement's opening starts (its first `between` or `among`, within this many characters of
the document's start) and how far it is read after that word."""
_CAPITALISED = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
DEFINING_PARTY = re.compile(
    rf"(?:\band\s+|\bbetween\s+|,\s+)(?P<name>(?!The\b){_CAPITALISED}(?:\s+(?:[A-Z]\.|{_CAPITALISED})){{1,3}})"
    r"\s*,?\s*\(\s*(?:the\s+|hereinafter\s+(?:referred\s+to\s+as\s+)?(?:the\s+)?)?[“\"]"
)
"""A party an agreement's opening names in two to four capitalised words (a middle initial among
them), then the short name it defines for it in quotes (`and James C. Lee (“Employee”)`). Of the
openings of Kleister-NDA's 254 and finx's 8 dev agreements, 39 name a party so, each a labelled
party; finx-lora-v11 left 2 of them out of its dev answers (an employee, each time)."""


def stated_term(document: str) -> str | None:
    """The period of months or years (`TERM_UNITS`) the document states in clauses on the agreement
    or its obligations (`THE_AGREEMENT`) lasting (`LASTING`) and on no covenant (`COVENANT_WORDS`),
    or after a form's label (`TERM_LABEL`), as first written there (`eighteen (18) months`); None
    where it states none or periods of two lengths."""
    covenant = phrase_pattern(list(COVENANT_WORDS))
    stated: dict[str, str] = {}
    for period in DURATION_SEARCH.finditer(document):
        length = normalise_duration(period.group())
        if length is None or not length.rstrip("s").endswith(TERM_UNITS):
            continue
        clause = clause_around(document, period.start(), period.end())
        on_lasting = LASTING.search(clause) and THE_AGREEMENT.search(clause) and not covenant.search(clause)
        if on_lasting or TERM_LABEL.search(document, line_start(document, period.start()), period.start()):
            stated.setdefault(length, " ".join(period.group().rstrip(".").split()))
    return next(iter(stated.values())) if len(stated) == 1 else None


def agreement_parties(parties: list[str], document: str) -> list[str] | None:
    """`parties` each once, as the document writes it whole (two copies the model wrote apart, `Ardent
    Equity Fund III, L.P.` and `ARDENT EQUITY FUND III, L`, are one party: the first stays), then the
    parties the opening names that are not among them (`opening_parties`); None where that changes
    nothing."""
    distinct: dict[str, str] = {}
    for party in parties:
        distinct.setdefault(party_key(party, document), party)
    kept = [*distinct.values(), *opening_parties(set(distinct), document)]
    return kept if kept != parties else None


def opening_parties(known: set[str], document: str) -> list[str]:
    """The parties the agreement's opening names (`DEFINING_PARTY`) whose `party_key` is not `known`,
    in the order it names them."""
    opening = AGREEMENT_OPENING.search(document, 0, OPENING_REACH[0])
    if opening is None:
        return []
    named: dict[str, str] = {}
    for party in DEFINING_PARTY.finditer(document[opening.start() : opening.end() + OPENING_REACH[1]]):
        name = " ".join(party.group("name").split())
        if (key := party_key(name, document)) not in known:
            named.setdefault(key, name)
    return list(named.values())


def party_key(name: str, document: str) -> str:
    """A party's name as the document writes it whole (`values.normalise.whole_party_name`), without
    case, spacing and punctuation: `James C. Lee` and `JAMES C LEE (` alike."""
    whole = whole_party_name(canonical_party_name(name) or name, document)
    return re.sub(r"[\W_]+", "", whole.casefold())
