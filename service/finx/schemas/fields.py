"""Bounded field types shared by the built-in schemas (every string and list has a limit).

Every built-in string says where its value comes from with the `x-finx-source` annotation
(`SOURCE_KEYWORD`): `copy` (copied verbatim from the document; copy-grounded decoding allows only
text of the document), `number` (copied and kept as written, but only where it reads as one number),
or `date` / `duration` / `name` / `amount` (copied, then normalised by `finx.values.normalise`).
Strings without it (`free`) are generated under the JSON constraint only.
"""

import re
from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue

JsonSchema = dict[str, Any]
"""A JSON Schema (or a compiled one) as a plain dict: the one name for it across finx."""

SOURCE_KEYWORD = "x-finx-source"
SourceMode = Literal["copy", "number", "date", "duration", "name", "amount", "free"]
SOURCE_MODES: tuple[str, ...] = ("copy", "number", "date", "duration", "name", "amount", "free")
CUE_KEYWORD = "x-finx-cue"
"""On a top-level string: the words (a list of literal phrases, case ignored) a document writes
just before the value where it states it in the field's role (`govern`, `constru` for a contract's
governing law: `governed by the laws of the State of Michigan`, which the preamble's `a Delaware
corporation` is not). Of the candidates a long document's chunks answer, one the document writes
within `CUE_REACH` characters after a phrase wins over those it never writes so
(`extraction.chunking.best_candidate`); training labels follow the same rule. Phrases, not a
regular expression: nothing a caller writes is run as a pattern over documents. Checked by
`schemas.strings.checked_phrases`."""
CUE_REACH = 150
"""How far before a value (in characters) its cue may stand: a clause's length."""
OTHER_ROLES_KEYWORD = "x-finx-other-roles"
"""On a top-level string: the words (a list of literal phrases, case ignored) of a clause that gives
a value of the field's kind another role (`employ`, `solicit` for a contract's term: `for a period of
two (2) years after the termination of your employment` is a covenant's period). A candidate the
document writes only in such clauses loses to any other of the chunks' candidates, and is withheld
(reason `other_role`) where it is the only one (`extraction.roles.only_in_other_roles`); training
labels follow the same rule. Checked by `schemas.strings.checked_phrases`."""


def copied(
    max_length: int,
    mode: SourceMode = "copy",
    description: str | None = None,
    cue: list[str] | None = None,
    other_roles: list[str] | None = None,
    pattern: str | None = None,
) -> object:
    """A bounded string field whose value comes from the document (`mode` says how; `cue`: the words
    that state its role, `CUE_KEYWORD`; `other_roles`: the words of clauses that give its kind of
    value another role, `OTHER_ROLES_KEYWORD`; `pattern`: the shape a value must have, enforced while
    copying)."""
    extra: dict[str, JsonValue] = {SOURCE_KEYWORD: mode}
    if cue:
        extra[CUE_KEYWORD] = list(cue)
    if other_roles:
        extra[OTHER_ROLES_KEYWORD] = list(other_roles)
    return Field(max_length=max_length, description=description, pattern=pattern, json_schema_extra=extra)


ShortText = Annotated[str, copied(80)]
Text = Annotated[str, copied(160)]
LongText = Annotated[str, copied(300)]
Amount = Annotated[str, copied(40, "number", "as written, without the currency")]
"""A figure of a document (a total, a row's price): a value that is no number (`COLD FRAPE`,
`3 TELUR 72,000`) has no reading and becomes null (a table row holding one is withheld)."""
WrittenAmount = Annotated[str, copied(40, description="as written, without the currency")]
"""An amount in prose, which may keep its scale word (`4.1 billion`, `68.7bn`)."""
Currency = Annotated[str, copied(12, description="symbol or code as written")]
Ticker = Annotated[str, copied(16)]
Percent = Annotated[str, copied(24)]
Quantity = Annotated[str, copied(16)]
AccountNumber = Annotated[str, copied(34)]
Iban = Annotated[str, copied(42)]
WrittenDate = Annotated[str, copied(40, "date", "as written; returned as YYYY-MM-DD")]
MONTH_STEMS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    "mai", "mär", "okt", "dez", "fév", "avr", "aoû", "déc", "ene", "abr", "ago", "dic",
    "mei", "agu", "des", "gen", "mag", "giu", "lug", "set", "ott",
)  # fmt: skip
"""How a month's name starts in English, German, French, Spanish, Indonesian and Italian."""


def any_case(word: str) -> str:
    """A pattern matching `word` in any case (`[Nn][Oo][Vv]`), for patterns without flags."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.upper() != c.lower() else re.escape(c) for c in word)


_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|\d{2})"
_MONTH = "(?:" + "|".join(any_case(stem) for stem in MONTH_STEMS) + r")[A-Za-zÀ-ÿ]{0,7}\.?"
DATE_SHAPE = (
    rf"^(?:{_DAY}[-/.]{_DAY}[-/.]{_YEAR}|\d{{4}}[-/.]{_DAY}[-/.]{_DAY}"
    rf"|(?:{_DAY}{_ORDINAL}[-/. ]{{1,2}})?{_MONTH}(?: ?{_DAY}{_ORDINAL},?)?[-/., ']{{1,3}}{_YEAR}"
    r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d"
    r"|\d{4}年\d{1,2}月\d{1,2}日)$"
)
"""The shapes a printed date takes: figures with `-` `/` `.` between them (`11/14/2024`, `2024-11-05`,
`14.11.24`), a month's name with its day before or after it and a year (`14 Jul 2024`, `Dec 01 '24`,
`24-MAR-2018`, `02/JAN/2017`, `NOV 25, 2024`; a month and a year alone fit too), eight figures
(`20180304`, `25032018`) and the Japanese form (`2024年11月18日`). Of 2,340 dates labelled in SROIE's
626 receipts, finx's dev sets and 300 documents of each of generator versions 1, 2, 4, 5 and 6, one
does not fit as it is: `(06/12/2016)`, whose brackets it leaves out."""
PrintedDate = Annotated[str, copied(40, pattern=DATE_SHAPE)]
"""A date kept as printed and copied only where the text prints one (`DATE_SHAPE`): where the model
would write the address or a time into a receipt's date (`12 High Street, Leeds LS1 4AP`,
`2024 7:48 PM`), decoding allows only a copy of a date the text prints, or null."""
COVENANT_WORDS = ("employ", "solicit", "compet", "hire", "standstill")
"""The words of a covenant's clause, whose period is no term of the agreement (`ContractTerm`'s
other roles)."""
ContractTerm = Annotated[
    str,
    copied(
        40,
        "duration",
        "as written; returned as 'N years|months|weeks|days'",
        other_roles=list(COVENANT_WORDS),
    ),
]
"""How long a contract lasts (`This Agreement shall remain in effect for a period of three (3) years`),
not the period of one of its covenants (`for one (1) year following the termination of Employee's
employment, Employee shall not solicit`). Of Kleister-NDA's 221 training agreements, 61 write their
labelled term: 59 of them in a clause without these words; of the 135 whose label is null and that
write some duration, 48 write every duration in such a clause."""
GoverningLaw = Annotated[
    str,
    copied(
        80,
        description="the state or country whose law governs",
        cue=["govern", "constru", "applicable law", "law applicable"],
    ),
]
"""A contract's governing law, as stated in its governing-law clause (`governed by and construed in
accordance with the laws of the State of Michigan`); the state a party is incorporated in (`a
Delaware corporation`) is not it. Of Kleister-NDA's 254 labelled jurisdictions 244 are written
within a clause's reach after `govern` or `constru`."""
PartyName = Annotated[str, copied(160, "name", "as written; returned with commas dropped and '&' as 'and'")]
