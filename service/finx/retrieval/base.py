"""The retriever seam: `Reference` records and the `Retriever` interface every store implements.

A retriever answers `lookup(query, kind, k)` with at most `k` references, best first, each with
a score in [0, 1] and the method that matched it. Kinds: "company" (names, aliases, initials and
tickers), "ticker" (exact codes only, resolved to the company that carries them), or any other
record kind a store holds (matched by name). An empty kind searches every record by name.
"""

from abc import ABC, abstractmethod
from typing import Any, Literal

from pydantic import BaseModel, Field

MatchMethod = Literal["", "exact", "alias", "code", "acronym", "fuzzy"]


class Reference(BaseModel):
    """One reference record (a company, say), and how well it matched a query."""

    id: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    """Free-form facts: tickers, CIK, exchange, country ..."""
    score: float = 0.0
    """Match quality in [0, 1]; 0 for a record that was not looked up."""
    method: MatchMethod = ""
    """Which rule matched: exact name, alias, code (ticker/identifier), acronym or fuzzy."""


class Retriever(ABC):
    """A source of reference records. Implementations must be safe to call from several threads."""

    name: str

    @abstractmethod
    def lookup(self, query: str, kind: str = "", k: int = 5) -> list[Reference]:
        """At most `k` references for `query`, best first."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""
