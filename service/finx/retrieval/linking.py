"""The two retrieval hook points of the extraction path.

- Before generation, `reference_context` finds reference records whose names appear in the
  document and renders a compact list for the prompt, bounded in records and tokens.
- After generation, `link_entities` links every extracted value that names a company (fields
  `org`, `company`, `vendor`, `customer`, `parties`) or a ticker (`ticker`) to its best record;
  a value whose best record scores below the threshold stays unlinked and the link says why.
"""

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from finx.retrieval.base import Reference, Retriever
from finx.values.grounding import string_values

LINK_KINDS: dict[str, str] = {
    "org": "company",
    "company": "company",
    "vendor": "company",
    "customer": "company",
    "parties": "company",
    "ticker": "ticker",
}
"""Result fields (last name in the path, list indices ignored) whose values are linked, and to what kind."""
INDEX = re.compile(r"\[\d+\]")
NAME_PHRASE = re.compile(r"[A-Z][\w&'.-]*(?:[ \t]+(?:[A-Z][\w&'.-]*|&|and|of|de))*")
"""Runs of capitalised words: where company names are in a document."""
CONNECTOR = re.compile(r"\s+(?:and|&|of)\s+")
MAX_MENTIONS = 64
CONTEXT_METHODS = {"exact", "alias", "fuzzy"}
"""Name matches only: a capitalised word that happens to be a ticker ("CASH") is not evidence."""


class EntityLink(BaseModel):
    """One extracted value and the reference record it was linked to (or why it was not)."""

    path: str
    value: str
    kind: str
    linked: bool
    reference: Reference | None = None
    """The linked record, with its score and match method; None when unlinked."""
    reason: str | None = None
    """Why the value is unlinked."""


def link_entities(data: dict[str, Any], retriever: Retriever, threshold: float) -> list[EntityLink]:
    """A link (or the reason for none) for every linkable value of a result, in result order."""
    links: list[EntityLink] = []
    cache: dict[tuple[str, str], list[Reference]] = {}
    for path, value in string_values(data):
        kind = LINK_KINDS.get(INDEX.sub("", path).rsplit(".", 1)[-1])
        if kind is None:
            continue
        if (value, kind) not in cache:  # a name repeated in a result is looked up once
            cache[(value, kind)] = retriever.lookup(value, kind, k=1)
        candidates = cache[(value, kind)]
        if candidates and candidates[0].score >= threshold:
            links.append(EntityLink(path=path, value=value, kind=kind, linked=True, reference=candidates[0]))
        elif candidates:
            best = candidates[0]
            reason = f"best match {best.name!r} ({best.id}) scored {best.score:.2f}, below {threshold:.2f}"
            links.append(EntityLink(path=path, value=value, kind=kind, linked=False, reason=reason))
        else:
            links.append(EntityLink(path=path, value=value, kind=kind, linked=False, reason="no matching record"))
    return links


def reference_context(
    document: str,
    retriever: Retriever,
    threshold: float,
    max_records: int,
    max_tokens: int,
    count_tokens: Callable[[str], int],
) -> str | None:
    """One line per company record named in the document (first mention first), or None."""
    found: dict[str, Reference] = {}
    mentions: dict[str, None] = {}
    for match in NAME_PHRASE.finditer(document):
        phrase = match.group().strip(" .-")
        mentions[phrase] = None
        for part in CONNECTOR.split(phrase):  # "Apple Inc. and Goldman Sachs": each name alone too
            mentions[part.strip(" .-")] = None
    for mention in list(mentions)[:MAX_MENTIONS]:
        if len(mention) < 3 or len(found) >= max_records:
            continue
        candidates = retriever.lookup(mention, "company", k=1)
        if candidates and candidates[0].score >= threshold and candidates[0].method in CONTEXT_METHODS:
            found.setdefault(candidates[0].id, candidates[0])
    lines: list[str] = []
    used = 0
    for reference in found.values():
        line = render_reference(reference)
        cost = count_tokens(line + "\n")
        if used + cost > max_tokens:
            break
        lines.append(line)
        used += cost
    return "\n".join(lines) or None


def render_reference(reference: Reference) -> str:
    """A compact line: name, id and the identifying attributes."""
    facts = [f"id={reference.id}"]
    for key in ("tickers", "ticker", "exchanges", "country"):
        value = reference.attributes.get(key)
        if value:
            facts.append(f"{key}={','.join(value) if isinstance(value, list) else value}")
    return f"{reference.name} ({'; '.join(facts)})"
