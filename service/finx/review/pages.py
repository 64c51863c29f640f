"""The page view of a PDF or scan in the review page: each page as an image, and every located
value's boxes on it (`IngestedDocument.boxes`, points from the page's top-left corner, which the
page's SVG uses as its coordinates). Text formats have no page view.

Pages are rendered at `RENDER_SCALE` (pdfium, under the reader's lock); an image file is shown as
itself (each frame of a multi-page TIFF), converted to PNG.
"""

import io
from typing import Any

from finx.errors import FinxError
from finx.ingest.pdf import PDFIUM_LOCK
from finx.review.session import ReviewItem

RENDER_SCALE = 2.0
"""Pixels per point of a rendered PDF page (144 dpi: sharp on most screens)."""
MAX_PAGES_SHOWN = 20
"""Pages shown: those with a located value (at most this many), else the first."""


def page_views(item: ReviewItem) -> list[dict[str, Any]]:
    """For each page shown: its number, size in points, and the boxes of the values on it."""
    document = item.document
    if document.page_sizes is None:
        return []
    by_page: dict[int, list[dict[str, Any]]] = {}
    for source in item.sources:
        start, end = source.get("start"), source.get("end")
        if start is None or end is None:
            continue
        number = document.position(start)[0]
        for x0, y0, x1, y1 in document.boxes(start, end) or []:
            by_page.setdefault(number, []).append({
                "path": source["path"], "confidence": item.confidence.get(source["path"]), "start": start,
                "end": end, "x": x0, "y": y0, "width": max(x1 - x0, 1.0), "height": max(y1 - y0, 1.0),
            })  # fmt: skip
    shown = sorted(by_page)[:MAX_PAGES_SHOWN] or [1]
    return [
        {"number": n, "width": document.page_sizes[n - 1][0], "height": document.page_sizes[n - 1][1],
         "boxes": by_page.get(n, [])}
        for n in shown
    ]  # fmt: skip


def render_page(item: ReviewItem, number: int) -> bytes:
    """Page `number` (1-based) of the item's file as a PNG."""
    if item.file is None or item.document.page_sizes is None or not 1 <= number <= len(item.document.page_sizes):
        raise FinxError(f"no page {number} to show for {item.id}")
    try:
        data = item.file.read_bytes()
    except OSError as error:
        raise FinxError(f"cannot read {item.id}: {error.strerror}") from None
    buffer = io.BytesIO()
    if item.document.media_type == "application/pdf":
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(data)
            try:
                document[number - 1].render(scale=RENDER_SCALE).to_pil().save(buffer, format="PNG")
            finally:
                document.close()
        return buffer.getvalue()
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.seek(number - 1)
        image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()
