"""Name normalisation for reference matching: what makes "Apple Inc." and "APPLE INC" the same key.

`lookup_key` folds case and accents, turns "&" into "and", drops punctuation, SEC state
markers ("/DE/"), parenthesised parts ("(M)"), a leading "the", and legal-form suffixes (Inc.,
Corp, Ltd, SDN BHD, GmbH, .com ...) and share-class markers ("Class C") wherever they trail the name.
`name_keys` adds the variant without a trailing group word ("Holdings", "Group"); `acronym`
gives the initials of a normalised name ("international business machines" -> "ibm");
`normalise_code` canonicalises tickers and identifiers.
"""

import re
import unicodedata

LEGAL_SUFFIXES: tuple[tuple[str, ...], ...] = tuple(
    tuple(suffix.split())
    for suffix in (
        "incorporated", "inc", "corporation", "corp", "company", "co", "com", "limited", "ltd", "llc", "llp", "lp",
        "plc", "pllc", "sdn bhd", "bhd", "berhad", "sdn", "pte ltd", "pte", "pty ltd", "pty", "gmbh", "mbh", "ag",
        "kgaa", "kg", "se", "sa", "sas", "sarl", "spa", "srl", "nv", "bv", "ab", "asa", "as", "oyj", "kk", "tbk",
        "ltda", "sab de cv", "s b",
    )
)  # fmt: skip
"""Legal forms and their spellings once punctuation is gone, longest first when matching."""
FILING_STATE_MARKER = re.compile(r"\s*/[A-Za-z]{2,4}/?\s*$")
"""SEC titles end in the state of incorporation: "CATERPILLAR INC /DE/"."""
ABBREVIATION_DOTS = re.compile(r"(?<=\b\w)\.(?=\w\b)|(?<=\b\w\w)\.(?=\w\w?\b)|(?<=\b\w)\.(?=\s|$)")
"""Dots of abbreviations such as "D.I.Y." and "S.A.", removed so they read as one word."""
PARENTHESISED = re.compile(r"\([^)]*\)")
GROUP_WORDS = frozenset({"group", "holdings", "holding", "companies"})
SHARE_CLASS = re.compile(r"\s+(?:class|cl|series)\s+[a-z0-9]{1,2}$")
WORD_SEPARATORS = re.compile(r"[^\w]+")
SUFFIXES_LONGEST_FIRST = sorted(LEGAL_SUFFIXES, key=len, reverse=True)


def fold(text: str) -> str:
    """Lower case, accents removed, "&" spelled out, punctuation and whitespace runs as one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = plain.casefold().replace("&", " and ").replace("'", "").replace("’", "")
    plain = ABBREVIATION_DOTS.sub("", plain)
    return WORD_SEPARATORS.sub(" ", plain).replace("_", " ").strip()


def lookup_key(name: str) -> str:
    """The matching key of a name: folded, without leading "the", share class or legal suffixes.

    A name made only of suffix words ("The Company") keeps its folded form rather than vanish.
    """
    folded = fold(PARENTHESISED.sub(" ", FILING_STATE_MARKER.sub("", name)))
    words = folded.split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    changed = True
    while changed and len(words) > 1:
        changed = False
        trimmed = SHARE_CLASS.sub("", " ".join(words)).split()
        if len(trimmed) < len(words) and trimmed:
            words, changed = trimmed, True
        if words[-1] == "and":  # "Chase & Co" once "co" is gone
            words, changed = words[:-1], True
            continue
        for suffix in SUFFIXES_LONGEST_FIRST:
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words, changed = words[: -len(suffix)], True
                break
    return " ".join(words) if words else folded


def name_keys(name: str) -> list[str]:
    """The normalised name, then the same without a trailing group word ("goldman sachs group" ->
    "goldman sachs"), which is how such companies are usually mentioned."""
    key = lookup_key(name)
    keys = [key] if key else []
    words = key.split()
    if len(words) > 1 and words[-1] in GROUP_WORDS:
        keys.append(" ".join(words[:-1]))
    return keys


def acronym(normalised: str) -> str:
    """Initials of a normalised name of at least two words ("" otherwise); "and"/"of" are skipped."""
    words = [word for word in normalised.split() if word not in {"and", "of", "for"}]
    return "".join(word[0] for word in words) if len(words) >= 2 else ""


def normalise_code(code: str) -> str:
    """A ticker or identifier as a key: upper case, "." and "/" as "-" (BRK.B = BRK/B = BRK-B), no spaces."""
    return re.sub(r"[./]", "-", code.strip().upper()).replace(" ", "")
