"""`IngestedDocument` (text plus page map) and `IngestError` (why a file could not be read)."""

import bisect
from dataclasses import dataclass, field

from service.errors import InvalidDocument


class IngestError(InvalidDocument):
    """A file that cannot become document text; `reason` is a short code for reports."""

    def __init__(self, reason: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.reason = reason


@dataclass(frozen=True)
class IngestedDocument:
    """Document text; `page_starts[i]` is the offset where page i+1 begins (one entry per page)."""

    text: str
    media_type: str
    page_starts: list[int] = field(default_factory=lambda: [0])
    ocr_pages: list[int] = field(default_factory=list)
    """Pages (1-based) whose text came from OCR."""

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (page, line within the page) of a character offset."""
        page_index = max(0, bisect.bisect_right(self.page_starts, offset) - 1)
        start = self.page_starts[page_index]
        return page_index + 1, self.text.count("\n", start, offset) + 1


def join_pages(pages: list[str]) -> tuple[str, list[int]]:
    """Pages joined by form feeds, with the offset at which each page starts."""
    starts, offset = [], 0
    for text in pages:
        starts.append(offset)
        offset += len(text) + 1
    return "\f".join(pages), starts or [0]
