"""PDF reader: the text layer of each page (pdfium) with each character's box; pages without text
are rendered at `OCR_DPI` and OCR'd (word boxes converted to points).

pdfium is not thread-safe: every use of it holds `PDFIUM_LOCK` (batches read many files on
threads at once). OCR runs outside the lock, on the rendered page images.
"""

import ctypes
import io
import threading
from dataclasses import dataclass
from typing import Any

from finx.ingest.base import Box, IngestedDocument, IngestError, join_pages, joined_boxes, scaled
from finx.ingest.ocr import OcrPage, ocr_image

MAX_PAGES = 500
OCR_DPI = 300
MIN_TEXT_CHARACTERS = 8
"""A page with fewer visible characters than this in its text layer is treated as a scan."""
PDFIUM_LOCK = threading.Lock()


def read_pdf(data: bytes, name: str) -> IngestedDocument:
    with PDFIUM_LOCK:
        pages, scans = read_pages(data, name)
    for number, image in scans.items():
        (scan,) = ocr_image(image, f"{name} page {number}")[:1] or [OcrPage("", [], (0, 0))]
        width, height = pages[number - 1].size
        pages[number - 1] = PdfPage(scan.text, scaled(scan.char_boxes, 72 / OCR_DPI), (width, height))
    text, starts = join_pages([page.text.replace("\f", "\n") for page in pages])
    boxes = joined_boxes([page.char_boxes for page in pages])
    sizes = tuple(page.size for page in pages)
    return IngestedDocument(text, "application/pdf", starts, sorted(scans), boxes, sizes)


@dataclass(frozen=True)
class PdfPage:
    text: str
    char_boxes: list[Box | None]
    """Aligned with `text`; points from the page's top-left corner."""
    size: tuple[float, float]


def read_pages(data: bytes, name: str) -> tuple[list[PdfPage], dict[int, bytes]]:
    """Each page's text layer with its character boxes, and a PNG of every page (1-based) that has
    no text layer."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            hint = "give a copy without a password"
            raise IngestError("encrypted", f"{name} is an encrypted PDF", hint) from None
        raise IngestError("unreadable", f"{name} is not a readable PDF ({error})") from None
    try:
        if len(document) > MAX_PAGES:
            raise IngestError("too_large", f"{name} has {len(document)} pages, over the {MAX_PAGES}-page limit")
        pages: list[PdfPage] = []
        scans: dict[int, bytes] = {}
        for number, page in enumerate(document, start=1):
            width, height = page.get_size()
            text, boxes = text_layer(page.get_textpage(), height)
            if len("".join(text.split())) < MIN_TEXT_CHARACTERS:
                buffer = io.BytesIO()
                page.render(scale=OCR_DPI / 72).to_pil().save(buffer, format="PNG")
                scans[number] = buffer.getvalue()
            pages.append(PdfPage(text, boxes, (width, height)))
        return pages, scans
    finally:
        document.close()


def text_layer(textpage: Any, page_height: float) -> tuple[str, list[Box | None]]:
    """A page's text (line breaks as `\\n`) and each character's box, flipped to top-left origin."""
    import pypdfium2.raw as pdfium_c

    raw = textpage.get_text_range()
    text: list[str] = []
    boxes: list[Box | None] = []
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))  # reused: ~20x faster than get_charbox
    count = textpage.count_chars()
    index = 0
    while index < len(raw):
        character = raw[index]
        if character == "\r":
            index += 2 if raw[index + 1 : index + 2] == "\n" else 1
            text.append("\n")
            boxes.append(None)
            continue
        box = None
        if not character.isspace() and index < count:
            pdfium_c.FPDFText_GetCharBox(textpage.raw, index, left, right, bottom, top)
            box = (left.value, page_height - top.value, right.value, page_height - bottom.value)
        text.append(character)
        boxes.append(box)
        index += 1
    return "".join(text), boxes
