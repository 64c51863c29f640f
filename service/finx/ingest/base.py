"""`IngestedDocument` (text, page map, and for PDFs and scans where each character is on its page)
and `IngestError` (why a file could not be read).

Boxes are `[x0, y0, x1, y1]` in points (1/72 inch) from the top-left corner of their page; scans
are converted from pixels at their resolution (PDF pages are rendered for OCR at 300 dpi; an image
file's own dpi, 72 when it states none). Text formats have no boxes (None), never invented ones.
"""

import bisect
from dataclasses import dataclass, field

from finx.errors import InvalidDocument

Box = tuple[float, float, float, float]


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
    char_boxes: tuple[Box | None, ...] | None = None
    """For PDFs and scans: the box of each character of `text` on its page (None for spaces, line
    breaks and characters without one); None for formats without a page layout."""
    page_sizes: tuple[tuple[float, float], ...] | None = None
    """(width, height) in points of each page, when `char_boxes` is set."""

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (page, line within the page) of a character offset."""
        page_index = max(0, bisect.bisect_right(self.page_starts, offset) - 1)
        start = self.page_starts[page_index]
        return page_index + 1, self.text.count("\n", start, offset) + 1

    def boxes(self, start: int, end: int) -> list[Box] | None:
        """The boxes of `text[start:end]`: one per line of the value (the union of its characters'
        boxes on that line); None when the document has no page layout."""
        if self.char_boxes is None:
            return None
        lines: list[Box] = []
        current: Box | None = None
        for offset in range(max(start, 0), min(end, len(self.text))):
            if self.text[offset] in "\n\f":
                if current is not None:
                    lines.append(current)
                current = None
                continue
            box = self.char_boxes[offset]
            if box is not None:
                current = box if current is None else union(current, box)
        if current is not None:
            lines.append(current)
        return [tuple(round(value, 2) for value in box) for box in lines]  # type: ignore[misc]


def union(first: Box, second: Box) -> Box:
    return (min(first[0], second[0]), min(first[1], second[1]), max(first[2], second[2]), max(first[3], second[3]))


def scaled(boxes: list[Box | None], factor: float) -> list[Box | None]:
    """Pixel boxes in points (`factor` = 72 / dpi)."""
    return [None if box is None else scale_box(box, factor) for box in boxes]


def scale_box(box: Box, factor: float) -> Box:
    return (box[0] * factor, box[1] * factor, box[2] * factor, box[3] * factor)


def joined_boxes(pages: list[list[Box | None]]) -> tuple[Box | None, ...]:
    """Each page's character boxes as one sequence aligned with `join_pages`' text."""
    joined: list[Box | None] = []
    for index, boxes in enumerate(pages):
        if index:
            joined.append(None)  # the form feed between pages
        joined.extend(boxes)
    return tuple(joined)


def join_pages(pages: list[str]) -> tuple[str, list[int]]:
    """Pages joined by form feeds, with the offset at which each page starts."""
    starts, offset = [], 0
    for text in pages:
        starts.append(offset)
        offset += len(text) + 1
    return "\f".join(pages), starts or [0]
