"""Page boxes of values: PDFs from their text layer, scans from Tesseract's word boxes, in points
from the page's top-left corner; text formats have none. A box is checked against the page itself:
pdfium's own text inside the rectangle, or OCR of the crop."""

import io
import shutil
from pathlib import Path

import pytest

from finx.ingest import read_document
from finx.ingest.ocr import pages_of_tsv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "batch"


def invoice_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.set_xy(20, 30)
    pdf.cell(text="NORTHWIND TRADING LTD")
    pdf.set_xy(120, 200)
    pdf.cell(text="TOTAL DUE 1,234.50")
    pdf.set_xy(20, 250)
    pdf.multi_cell(w=80, text="Unit 4, Harbour Road\nLeith EH6 6QR")
    return bytes(pdf.output())


def text_in(data: bytes, box: tuple[float, float, float, float]) -> str:
    """pdfium's own text inside a box given in points from the top-left corner."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(data)[0]
    height = page.get_size()[1]
    x0, y0, x1, y1 = box
    return page.get_textpage().get_text_bounded(
        left=x0 - 0.5, bottom=height - y1 - 0.5, right=x1 + 0.5, top=height - y0 + 0.5
    )


def test_a_pdf_values_box_covers_exactly_its_glyphs_on_the_page():
    data = invoice_pdf()
    document = read_document(data, "invoice.pdf")
    assert document.page_sizes is not None
    width, height = document.page_sizes[0]
    assert (round(width), round(height)) == (595, 842)
    start = document.text.index("1,234.50")
    (box,) = document.boxes(start, start + len("1,234.50"))
    assert 0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height
    assert text_in(data, box).strip() == "1,234.50"
    assert box[1] > height / 2  # 200 mm down an A4 page: the lower half, measured from the top


def test_a_value_over_two_lines_gets_one_box_per_line():
    data = invoice_pdf()
    document = read_document(data, "invoice.pdf")
    start = document.text.index("Unit 4")
    end = document.text.index("EH6 6QR") + len("EH6 6QR")
    first, second = document.boxes(start, end)
    assert first[3] <= second[1] + 1  # the second line is below the first
    assert "Harbour Road" in text_in(data, first) and "Leith" in text_in(data, second)


def test_text_formats_have_no_boxes():
    document = read_document((EXAMPLES / "receipts" / "corner-cafe.txt").read_bytes(), "corner-cafe.txt")
    assert document.boxes(0, 5) is None and document.page_sizes is None


def test_tesseract_words_become_text_and_character_boxes():
    tsv = "\n".join(
        [
            "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
            "1\t1\t0\t0\t0\t0\t0\t0\t600\t400\t-1\t",
            "5\t1\t1\t1\t1\t1\t10\t20\t40\t10\t95\tTOTAL",
            "5\t1\t1\t1\t1\t2\t60\t20\t30\t10\t96\tRM6.40",
            "5\t1\t1\t1\t2\t1\t10\t40\t20\t10\t90\tThank",
            "5\t1\t2\t1\t1\t1\t10\t80\t20\t10\t90\tBye",
        ]
    )
    (page,) = pages_of_tsv(tsv)
    assert page.text == "TOTAL RM6.40\nThank\n\nBye" and page.size == (600, 400)
    assert len(page.char_boxes) == len(page.text)
    assert page.char_boxes[0] == (10, 20, 18, 30) and page.char_boxes[5] is None  # T of TOTAL; the space
    assert page.char_boxes[11] == (85, 20, 90, 30)  # the last character of RM6.40


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (make ocr)")
def test_a_scans_value_box_crops_to_the_value():
    from PIL import Image

    from finx.ingest.ocr import ocr_image

    data = (EXAMPLES / "scans" / "diy-receipt.png").read_bytes()
    document = read_document(data, "diy-receipt.png")
    start = document.text.index("TOTAL ROUNDED")
    (box,) = document.boxes(start, start + len("TOTAL ROUNDED"))
    assert document.page_sizes is not None
    width, height = document.page_sizes[0]
    assert 0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height
    with Image.open(io.BytesIO(data)) as image:  # the PNG states no resolution: 1 point per pixel
        crop = image.crop((int(box[0]) - 4, int(box[1]) - 4, int(box[2]) + 4, int(box[3]) + 4)).resize(
            ((int(box[2] - box[0]) + 8) * 2, (int(box[3] - box[1]) + 8) * 2)
        )
        buffer = io.BytesIO()
        crop.save(buffer, format="PNG")
    (page,) = ocr_image(buffer.getvalue(), "crop")
    assert page.text.split() == ["TOTAL", "ROUNDED"]
