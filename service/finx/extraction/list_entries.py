"""Entity lists read in windows: the two artefacts of reading a document a few sentences at a time,
removed after the windows' lists are merged.

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

Only lists of strings of list-only schemas (the entity schemas, and custom schemas of that shape)
are touched. Knows values, confidences and the document text; not chunks, engines or schemas'
meaning.
"""

from typing import Any

from finx.extraction.chunking import normalised_key
from finx.values.grounding import occurrences


def without_artefacts(lists: dict[str, list[Any]], confidence: dict[str, float], document: str) -> dict[str, list[Any]]:
    """`lists` (name -> items, as merged) without names read under a second type and without
    fragments; items that are not strings are kept as they are."""
    kept = one_type_per_name(lists, confidence)
    return {name: without_fragments(items, document) for name, items in kept.items()}


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
