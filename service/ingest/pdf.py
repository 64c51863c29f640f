"""PDF reader: the text layer of each page (pdfium); pages without text are rendered and OCR'd."""

from service.ingest.base import IngestedDocument, IngestError, join_pages
from service.ingest.ocr import ocr_image

MAX_PAGES = 500
OCR_DPI = 300
MIN_TEXT_CHARACTERS = 8
"""A page with fewer visible characters than this in its text layer is treated as a scan."""


def read_pdf(data: bytes, name: str) -> IngestedDocument:
    import io

    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise IngestError(
                "encrypted", f"{name} is an encrypted PDF", hint="give a copy without a password"
            ) from None
        raise IngestError("unreadable", f"{name} is not a readable PDF ({error})") from None
    try:
        if len(document) > MAX_PAGES:
            raise IngestError("too_large", f"{name} has {len(document)} pages, over the {MAX_PAGES}-page limit")
        pages: list[str] = []
        ocr_pages: list[int] = []
        for number, page in enumerate(document, start=1):
            text = page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            if len("".join(text.split())) < MIN_TEXT_CHARACTERS:
                image = page.render(scale=OCR_DPI / 72).to_pil()
                buffer = io.BytesIO()
                image.save(buffer, format="PNG")
                text = ocr_image(buffer.getvalue(), f"{name} page {number}")
                ocr_pages.append(number)
            pages.append(text.replace("\f", "\n"))
    finally:
        document.close()
    text, starts = join_pages(pages)
    return IngestedDocument(text, "application/pdf", starts, ocr_pages)
