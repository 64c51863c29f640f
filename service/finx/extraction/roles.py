"""Whether a document writes a value in the role its field names, judged by the words around the
places it is written: its cue (`x-finx-cue`, the words written just before it in its role: a
contract's governing law after `governed by`) and its other roles (`x-finx-other-roles`, the words
of a clause that gives the same kind of value another role: a period `after the termination of
employment` or of a `non-solicitation` covenant is no term of the agreement).

Used where a long document's chunk answers are merged (`chunking.best_candidate`: a candidate
written in its role first), where an answer's value written only in other roles is withheld
(`answer.withhold_other_roles`), and by the training labels, which follow the same rules.

Knows strings and the places a value is written (`values.grounding.occurrences`); not schemas,
chunks or the model.
"""

import re
from typing import Any

from finx.schemas.fields import CUE_REACH
from finx.values.grounding import occurrences

CLAUSE_END = re.compile(r"[.;](?=\s)")
"""Where a clause ends: a full stop or semicolon before a space or line break (`Section 5. Term.`
is three clauses, so a heading is judged apart from the text under it)."""
CLAUSE_REACH = (200, 120)
"""At most how far (characters before a value, after it) its clause is read: a long sentence's
part around the value, not the paragraph."""


def phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One pattern for literal phrases, case ignored (nothing a caller writes is run as a pattern)."""
    return re.compile("|".join(re.escape(phrase) for phrase in phrases), re.IGNORECASE)


def is_cued(candidate: Any, cue: list[str], document: str) -> bool:
    """Whether `document` writes the string `candidate` somewhere within `CUE_REACH` characters
    after one of the `cue` phrases (case ignored): `Michigan` after `governed in all respects by the
    laws of the State of`."""
    if not isinstance(candidate, str):
        return False
    pattern = phrase_pattern(cue)
    return any(
        pattern.search(document, max(0, start - CUE_REACH), start) for start, _ in occurrences(candidate, document)
    )


def clause_around(document: str, start: int, end: int) -> str:
    """The clause that writes `document[start:end]`: from the end of the clause before it to the end
    of its own (`CLAUSE_END`), at most `CLAUSE_REACH` characters either way."""
    before_from = max(0, start - CLAUSE_REACH[0])
    ends_before = list(CLAUSE_END.finditer(document, before_from, start))
    clause_start = ends_before[-1].end() if ends_before else before_from
    after_to = min(len(document), end + CLAUSE_REACH[1])
    end_after = CLAUSE_END.search(document, end, after_to)
    clause_end = end_after.start() if end_after else after_to
    return document[clause_start:clause_end]


def only_in_other_roles(candidate: Any, other_roles: list[str], document: str) -> bool:
    """Whether every place `document` writes the string `candidate` is in a clause (`clause_around`)
    with one of the `other_roles` phrases (case ignored): `two (2) years` only in `for a period of two
    (2) years after the termination of your employment`. False where the document does not write it
    (there is nothing to judge it by)."""
    if not isinstance(candidate, str):
        return False
    places = occurrences(candidate, document)
    pattern = phrase_pattern(other_roles)
    return bool(places) and all(pattern.search(clause_around(document, start, end)) for start, end in places)
