"""PDF reader: the text layer of each page (pdfium); pages without text are rendered and OCR'd.

pdfium is not thread-safe: every use of it holds `PDFIUM_LOCK` (batches read many files on
threads at once). OCR runs outside the lock, on the rendered page images.
"""

import io
import threading

from service.ingest.base import IngestedDocument, IngestError, join_pages
from service.ingest.ocr import ocr_image

MAX_PAGES = 500
OCR_DPI = 300
MIN_TEXT_CHARACTERS = 8
"""A page with fewer visible characters than this in its text layer is treated as a scan."""
PDFIUM_LOCK = threading.Lock()


def read_pdf(data: bytes, name: str) -> IngestedDocument:
    with PDFIUM_LOCK:
        pages, scans = text_and_scans(data, name)
    for number, image in scans.items():
        pages[number - 1] = ocr_image(image, f"{name} page {number}")
    text, starts = join_pages([page.replace("\f", "\n") for page in pages])
    return IngestedDocument(text, "application/pdf", starts, sorted(scans))


def text_and_scans(data: bytes, name: str) -> tuple[list[str], dict[int, bytes]]:
    """Each page's text layer, and a PNG of every page (1-based) that has none."""
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
        pages: list[str] = []
        scans: dict[int, bytes] = {}
        for number, page in enumerate(document, start=1):
            text = page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            if len("".join(text.split())) < MIN_TEXT_CHARACTERS:
                buffer = io.BytesIO()
                page.render(scale=OCR_DPI / 72).to_pil().save(buffer, format="PNG")
                scans[number] = buffer.getvalue()
            pages.append(text)
        return pages, scans
    finally:
        document.close()
