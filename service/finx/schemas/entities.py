"""`entities`: financial named entities, one list per type, values copied as they appear.

`entities_model(types)` builds the schema restricted to some types: a source that labels only
ORG, PERSON and LOCATION is trained and evaluated with exactly those lists, so the model never
learns to leave out types that were simply not labeled.
"""

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from finx.schemas.fields import Currency, Percent, ShortText, Ticker, WrittenAmount

MAX_PER_TYPE = 24
"""Per type and chunk: also what stops a model that loops on one value before the token limit."""
VERSION = "1"
DESCRIPTION = (
    "Named entities, each list in order of appearance, text copied exactly as written: "
    "org=companies and institutions, person=people, location=places, ticker=stock symbols, "
    "money=amounts with their currency, date=dates and periods, percent=percentages."
)

PROPER_NAME_LISTS = frozenset({"org", "person", "location"})
"""The lists whose entries are proper names: in cased text each carries a capital letter."""
PERCENTAGE = re.compile(r"%|\bper\s*cent\b|\bpercent(?:age)?\b|\bpct\b|\bbasis\s+points?\b|\bbps\b", re.IGNORECASE)
"""A percentage as written (`1.8%`, `6.5 per cent`, `25 basis points`)."""
AMOUNT_OF_MONEY = re.compile(r"\d.*\b(?:billion|million|trillion|bn|mn)\b|[$€£¥]", re.IGNORECASE)
"""An amount of money as written (`31.1 billion`, `$480`): not a date."""
ORGANISATION_WORD = re.compile(
    r"\b(?:inc|corp|corporation|co|company|llc|llp|ltd|limited|plc|ag|gmbh|nv|bancorp|banks?|technologies"
    r"|group|holdings|partners|trust|fund|capital|securities|financial|insurance|university|association"
    r"|agency|ministry|commission|courts?|exchange|reserve|board)\b",
    re.IGNORECASE,
)
"""A legal form or a word that names an institution (`LLP`, `Technologies`, `Bank`, `Courts`): of
the 1,375 people named in FiNER-ORD's and WikiGold's labels none holds one (of their 1,870
organisations 322 do)."""
NATIONALITY = re.compile(
    r"(?:American|Australian|British|Canadian|Chinese|European|French|German|Indian|Italian|Japanese|Korean"
    r"|Mexican|Russian|Spanish|Swiss|Brazilian|Dutch|Irish|Scottish|English|Welsh|Asian|African|Arab|Iranian"
    r"|Iraqi|Israeli|Palestinian|Turkish|Greek|Polish|Swedish|Norwegian|Danish|Finnish|Austrian|Belgian"
    r"|Portuguese|Argentine|Argentinian|Chilean|Colombian|Peruvian|Venezuelan|Egyptian|Nigerian|Kenyan"
    r"|Pakistani|Indonesian|Malaysian|Singaporean|Thai|Vietnamese|Filipino|Taiwanese|Ukrainian|Hungarian"
    r"|Czech|Romanian|Lebanese|Syrian|Saudi|Qatari|Emirati|Afghan|Cuban|Nordic|Scandinavian|Latin)s?"
)
"""A nationality or a people's adjective (`Australian`, `Italian`, `Chinese`): a name's qualifier, not
an organisation, a person or a place. Of the 5,140 names in FiNER-ORD's, WikiGold's, FIN5's and
finx's labels 3 are one alone (`Swiss` as an organisation, `Czech` as a place, `English` as a
person); finx-lora-v11 read 4 so in the dev run's news, all wrong."""


def is_proper_name(entry: str) -> bool:
    """Whether an organisation's, person's or place's entry is no nationality alone (`NATIONALITY`)."""
    return NATIONALITY.fullmatch(entry.strip()) is None


ENTRY_CHECKS: dict[str, Callable[[str], bool]] = {
    "percent": lambda entry: PERCENTAGE.search(entry) is not None,
    "date": lambda entry: AMOUNT_OF_MONEY.search(entry) is None,
    "person": lambda entry: ORGANISATION_WORD.search(entry) is None and is_proper_name(entry),
    "org": is_proper_name,
    "location": is_proper_name,
}
"""What an entry of a list must be: a percentage (not the year `2024`), a date that is no amount
of money (`31.1 billion` read as a date), a person without a word of an organisation's name
(`Akamai Technologies`, `BANK HEREBY SUBMITS` read as people), a person, organisation or place
that is no nationality alone (`Australian` read as a place)."""
MONEY_LISTS = frozenset({"money"})
"""The lists whose entries are amounts with their currency (`Money`): no percentage, and no
currency inside the amount."""


class Money(BaseModel):
    """An amount of money as written, split into number and currency."""

    model_config = ConfigDict(extra="forbid")
    amount: WrittenAmount
    currency: Currency | None


ENTITY_TYPES: dict[str, tuple[str, Any]] = {
    "ORG": ("org", ShortText),
    "PERSON": ("person", ShortText),
    "LOCATION": ("location", ShortText),
    "TICKER": ("ticker", Ticker),
    "MONEY": ("money", Money),
    "DATE": ("date", ShortText),
    "PERCENT": ("percent", Percent),
}


def entities_model(types: tuple[str, ...] = tuple(ENTITY_TYPES)) -> type[BaseModel]:
    """The entities model with one list per requested type, in the canonical type order."""
    unknown = [name for name in types if name not in ENTITY_TYPES]
    if unknown:
        raise ValueError(f"unknown entity type {unknown[0]!r}; known: {', '.join(ENTITY_TYPES)}")
    fields: dict[str, Any] = {
        field_name: (Annotated[list[item], Field(max_length=MAX_PER_TYPE)], ...)  # type: ignore[valid-type]
        for type_name, (field_name, item) in ENTITY_TYPES.items()
        if type_name in types
    }
    suffix = "" if len(types) == len(ENTITY_TYPES) else "_" + "_".join(t for t in ENTITY_TYPES if t in types)
    return create_model(f"Entities{suffix}", __config__=ConfigDict(extra="forbid"), **fields)


Entities = entities_model()
