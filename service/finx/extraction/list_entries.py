"""Entity lists read in windows: the artefacts of reading a document a few sentences at a time.

Before the windows' lists are merged:

- No dangling separators: a name keeps no separator at its ends (`"US -"`, `"Associated Press
  –"`, `", Reuters"`) and no bracket it does not close or open (`"Kospi (. KS11"` -> `"Kospi"`,
  `"London)."` -> `"London"`, `"(Reuters"` -> `"Reuters"`); a name with no letter or digit left
  (`","`, `"-"`) is dropped. The trimmed name is still a span of the text. A dash or slash counts
  only where a space parts it from the name (`"-5%"` keeps its sign); so does a possessive a
  tokenised text prints apart (`"GOP ’s"`, `"Hungerford Nichols ’"`; `"Macy's"` stays: 1 of the
  labels' 5,140 names ends with one). On finx-lora-v9's dev
  answers: FiNER-ORD 0.709 -> 0.712, finx's entities 0.766 -> 0.776 (trimmed names joined their
  right twins, `","` `"$"` `"- "` dropped; one right name lost: `US` as a location, to the
  organisation `"US -"` trimmed, of higher confidence).

After they are merged:

- One type per name: the same text under two lists of a list-only schema (`"Marlboro"` as an
  organisation and a location) is one mention read twice; it stays only in the list where the
  model was most confident of it (where a confidence is missing, both stay). In the project's dev
  gold 1 name of 510 is under two types; on finx-lora-v6's dev answers this dropped 16 entries,
  12 of them wrong.
- No fragments: a name whose every occurrence in the document lies inside an occurrence of a
  longer name of the same list (`"Simons"` where the text only ever writes `"Jim Simons"`) is a
  piece of that name, cut by a window's edge or a short answer; it is dropped. A name that also
  occurs on its own (`"Apple"` beside `"Apple Inc."`) is a mention of its own and stays. On
  finx-lora-v6's dev answers this dropped 8 entries, all wrong.
- Proper names carry a capital: in a list of proper names (the caller says which lists hold
  them) an entry whose letters are all lower case (`"licensing"`, `"bank"`, `"is sorely
  needed"`) is a common word read as a name; it is dropped where the document is cased (at least
  `CASED_WORD_SHARE` of its words hold a capital: not in a text typed all in lower case). In the
  gold of FiNER-ORD's and WikiGold's 4,447 names 15 (0.3 %) have no capital; of finx-lora-v10's
  dev answers 12 entries had none, all wrong. Through finx eval, v10, entries at the served
  threshold: FiNER-ORD 0.745 -> 0.749, FIN5 0.566 -> 0.600, finx's entities 0.776 unchanged. So
  is an entry with a word in lower case that is no particle of a name (`NAME_PARTICLES`: `"Iron
  ore"`, `"Chinese stocks"`, `"Hong Kong - based"`, `"An elated Gupta"`; not `"Bank of America"`,
  `"HSBC Holdings plc"`): of the labels' names 19 of FiNER-ORD's 2,419 (0.8 %, 8 of them `Central
  bank of ...`), 20 of WikiGold's 2,028 and 4 of FIN5's 213 (`Delaware corporation`) have one; on
  finx-lora-v11's FiNER-ORD dev answers 14 entries, all wrong (0.743 -> 0.756).
- An entry is of its list's kind (the caller gives a check per list): in the entities schema a
  `percent` entry holds a percentage (not the year `2024`), a `date` entry is no amount of money
  (`31.1 billion`); on finx-lora-v11's answers to finx's dev news items 3 entries, all wrong. A
  `person` entry holds no word of an organisation's name (`Akamai Technologies`, `BANK HEREBY
  SUBMITS`, `LLP`): on the same answers to the FIN5 filing 4 entries, all wrong (0.518 -> 0.560),
  none of FiNER-ORD's dev answers. No person, organisation or place is a nationality alone
  (`Australian`, `Italian`: 4 of the FiNER-ORD dev answers' entries, all wrong).

In money lists (the caller says which lists hold amounts with their currency), per window:

- An amount keeps no currency: the currency the entry names, written at either end of its amount,
  is cut from it (`0.62 EUR` -> `0.62`, `31.1 billion pound` -> `31.1 billion`); the entry already
  holds it as its currency.
- A percentage is no money: an entry whose amount or currency is a percentage (`1.8%`, `6.5 per
  cent`), or whose currency holds a digit (`{"amount": "1.8%", "currency": "1.8%"}`), is dropped.
  On finx-lora-v11's answers to finx's 15 dev news items: 3 such entries, all wrong, and 2 amounts
  that held their currency.

Only lists of strings and money lists of list-only schemas (the entity schemas, and custom
schemas of that shape) are touched. Knows values, confidences and the document text; not chunks,
engines or schemas' meaning.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

from finx.extraction.chunking import normalised_key
from finx.schemas.entities import PERCENTAGE
from finx.values.grounding import occurrences

DANGLING_SEPARATORS = re.compile(r"^(?:[-–—|/]\s+|[,;:]\s*)+|(?:\s+[-–—|/]|\s*[,;:]|\s+['’]s?)+$")
BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"))
CASED_WORD_SHARE = 0.05
"""A document is cased where at least this share of its words (those with letters that have a
case) hold a capital; news and filings are near 0.15, a text typed in lower case near 0."""
WORD = re.compile(r"\w+")
PUNCTUATION = "()[]{},.;:!?\"'"
"""What a name's words may be printed with (`(es)`, `Co.,`)."""
NAME_PARTICLES = frozenset({
    "of", "the", "and", "for", "to", "on", "at", "in", "upon", "a", "an", "de", "der", "den", "des", "du",
    "la", "le", "les", "del", "della", "di", "da", "do", "dos", "das", "van", "von", "zu", "bin", "binti",
    "al", "el", "y", "e", "et", "und", "à", "au", "aux", "am", "im", "dla", "ba", "plc", "ltd", "co", "inc",
    "ag", "sa", "nv", "bv", "gmbh", "mbh", "kg"
})  # fmt: skip
"""Words a proper name may write in lower case: particles (`Bank of America`, `Rio de Janeiro`,
`bin Salman`, `30 Seconds to Mars`, `Newcastle upon Tyne`) and legal forms (`HSBC Holdings plc`).
A word that starts with a figure (`55th`) or holds a capital (`eBay`, `Amazon.com`, `d'Orves`) is
no lower-case word."""


def trimmed_name(name: str) -> str:
    """`name` without separators at its ends and without a bracket it does not close or open (the
    name ends before such a bracket; where nothing is before it, the name starts after it); empty
    where no letter or digit is left."""
    while True:
        trimmed = DANGLING_SEPARATORS.sub("", name.strip()).strip()
        for opening, closing in BRACKETS:
            last_open = trimmed.rfind(opening)
            if last_open >= 0 and closing not in trimmed[last_open:]:  # the name before it, else after it
                trimmed = trimmed[:last_open].strip() or trimmed[last_open + 1 :].strip()
            first_close = trimmed.find(closing)
            if first_close >= 0 and opening not in trimmed[:first_close]:  # the name before it, else after it
                trimmed = trimmed[:first_close].strip() or trimmed[first_close + 1 :].strip()
        if not any(character.isalnum() for character in trimmed):
            return ""
        if trimmed == name:
            return name
        name = trimmed


def trimmed_items(items: list[Any]) -> list[Any]:
    """`items` (one window's list) with every string trimmed (`trimmed_name`) and the strings left
    empty dropped; items that are not strings stay as they are."""
    kept = []
    for item in items:
        if isinstance(item, str):
            item = trimmed_name(item)
            if not item:
                continue
        kept.append(item)
    return kept


def mended_money(entry: Any) -> Any | None:
    """A money entry (`{"amount": ..., "currency": ...}`) without its currency at its amount's
    ends; None where it is a percentage read as money; anything else as it is."""
    if not isinstance(entry, dict) or not isinstance(entry.get("amount"), str):
        return entry
    amount, currency = entry["amount"], entry.get("currency")
    currency = currency.strip() if isinstance(currency, str) else ""
    if PERCENTAGE.search(amount) or PERCENTAGE.search(currency) or any(c.isdigit() for c in currency):
        return None
    if not currency:
        return entry
    written = re.escape(currency)
    cut = re.sub(rf"^{written}\s*|\s*{written}$", "", amount.strip(), flags=re.IGNORECASE).strip()
    return {**entry, "amount": cut} if cut != amount and any(c.isdigit() for c in cut) else entry


def without_artefacts(
    lists: dict[str, list[Any]],
    confidence: dict[str, float],
    document: str,
    proper_name_lists: frozenset[str],
    entry_checks: Mapping[str, Callable[[str], bool]],
) -> dict[str, list[Any]]:
    """`lists` (name -> items, as merged) without names read under a second type, without
    fragments, without entries their list's check in `entry_checks` refuses, and, in
    `proper_name_lists` of a cased document, without common words (`is_common_words`); items that are not
    strings are kept as they are."""
    kept = one_type_per_name(lists, confidence)
    kept = {name: without_fragments(items, document) for name, items in kept.items()}
    kept = {
        name: [item for item in items if not isinstance(item, str) or entry_checks[name](item)]
        if name in entry_checks
        else items
        for name, items in kept.items()
    }
    if not proper_name_lists or not is_cased(document):
        return kept
    return {
        name: [item for item in items if not is_common_words(item)] if name in proper_name_lists else items
        for name, items in kept.items()
    }


def is_cased(document: str) -> bool:
    """Whether at least `CASED_WORD_SHARE` of the document's words that have cased letters hold a capital."""
    words = [word for word in WORD.findall(document) if word.lower() != word.upper()]
    return bool(words) and sum(word != word.lower() for word in words) >= CASED_WORD_SHARE * len(words)


def is_common_words(item: Any) -> bool:
    """Whether `item` is a string with cased letters, all of them lower case (`"bank"`; not `"eBay"`,
    `"1907"` or `"三菱"`), or with a word in lower case that is no particle of a name
    (`NAME_PARTICLES`: `"Iron ore"`, `"Chinese stocks"`, `"Hong Kong - based"`; not `"Bank of
    America"`, `"HSBC Holdings plc"` or `"iShares"`)."""
    if not isinstance(item, str) or item.lower() == item.upper():
        return False
    if item == item.lower():
        return True
    words = [word.strip(PUNCTUATION) for word in item.split()]
    return any(word[:1].islower() and word == word.lower() and word not in NAME_PARTICLES for word in words)


def one_type_per_name(lists: dict[str, list[Any]], confidence: dict[str, float]) -> dict[str, list[Any]]:
    """Each string in one list only: the list where its confidence is highest (the earlier list on
    a tie); kept everywhere when any of its confidences is unknown."""
    places: dict[str, list[tuple[str, int]]] = {}
    for name, items in lists.items():
        for index, item in enumerate(items):
            if isinstance(item, str):
                places.setdefault(normalised_key(item), []).append((name, index))
    dropped: set[tuple[str, int]] = set()
    for found in places.values():
        if len({name for name, _ in found}) < 2:
            continue
        sure = [confidence.get(f"{name}[{index}]") for name, index in found]
        if any(value is None for value in sure):
            continue
        best = found[max(range(len(found)), key=lambda i: (sure[i], -i))]
        dropped |= {place for place in found if place[0] != best[0]}
    return {
        name: [item for index, item in enumerate(items) if (name, index) not in dropped]
        for name, items in lists.items()
    }


def without_fragments(items: list[Any], document: str) -> list[Any]:
    """The items without the strings whose every occurrence in `document` lies inside an
    occurrence of a longer string of the same items."""
    names = [item for item in items if isinstance(item, str) and item.strip()]
    spans = {name: occurrences(name, document) for name in names}
    keys = {name: normalised_key(name) for name in names}
    kept = []
    for item in items:
        if isinstance(item, str) and item in spans and spans[item]:
            key = keys[item]
            longer = [
                span
                for other in names
                if len(keys[other]) > len(key) and key[1:-1] in keys[other]
                for span in spans[other]
            ]
            if longer and all(any(a <= start and end <= b for a, b in longer) for start, end in spans[item]):
                continue
        kept.append(item)
    return kept
