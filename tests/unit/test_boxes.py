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


def tsv_of(*words: tuple[int, int, int, int, int, str]) -> str:
    """Tesseract's TSV of one 600x400 page: each word as (block, paragraph, line, left, top, text)."""
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        f"5\t1\t{b}\t{p}\t{n}\t1\t{left}\t{top}\t{8 * len(text)}\t10\t95\t{text}" for b, p, n, left, top, text in words
    ]
    return "\n".join([head, "1\t1\t0\t0\t0\t0\t0\t0\t600\t400\t-1\t", *rows])


def test_a_figure_column_read_as_a_block_of_its_own_joins_the_lines_it_is_printed_beside():
    names = [
        (1, 1, 1, 10, 20, "HAKAU"),
        (1, 1, 1, 60, 20, "UDANG"),
        (1, 1, 2, 10, 40, "CEKER"),
        (1, 1, 3, 10, 60, "Total"),
    ]
    amounts = [(2, 1, 1, 300, 21, "92,000"), (2, 1, 2, 300, 41, "60,000"), (2, 1, 3, 300, 61, "152,000")]
    (page,) = pages_of_tsv(tsv_of(*names, *amounts))
    assert page.text == "HAKAU UDANG  92,000\nCEKER  60,000\nTotal  152,000"
    assert len(page.char_boxes) == len(page.text)
    assert page.char_boxes[page.text.index("92,000")] == (300, 21, 308, 31)  # each character keeps its box
    prose = [(2, 1, 1, 300, 21, "Shares"), (2, 1, 2, 300, 41, "rose"), (2, 1, 3, 300, 61, "sharply")]
    (page,) = pages_of_tsv(tsv_of(*names, *prose))  # a column of words (a page in two columns) stays apart
    assert page.text == "HAKAU UDANG\nCEKER\nTotal\n\nShares\nrose\nsharply"
    below = [(2, 1, 1, 300, 90, "5.00")]  # figures at no line's height stay where they are read
    (page,) = pages_of_tsv(tsv_of(*names, *below))
    assert page.text == "HAKAU UDANG\nCEKER\nTotal\n\n5.00"


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


MONO_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (make ocr)")
@pytest.mark.skipif(not MONO_FONT.exists(), reason="no DejaVu Sans Mono to print the receipt with (fonts-dejavu-core)")
def test_a_scanned_receipts_items_come_out_with_their_amounts_on_their_lines():
    """Printed so, Tesseract reads the amounts as a block of their own, after all the names."""
    from PIL import Image, ImageDraw, ImageFont

    rows = [("2 NASI GORENG", "54,000"), ("1 ES TEH MANIS", "8,000"), ("3 AYAM BAKAR", "105,000"), ("1 KERUPUK", "5,000"),
            ("TOTAL", "172,000")]  # fmt: skip
    image = Image.new("L", (800, 60 + 50 * len(rows)), 255)
    draw, font = ImageDraw.Draw(image), ImageFont.truetype(str(MONO_FONT), 26)
    for index, (name, amount) in enumerate(rows):  # names left, amounts right-aligned far from them
        draw.text((30, 30 + 50 * index), name, fill=0, font=font)
        draw.text((770 - draw.textlength(amount, font=font), 30 + 50 * index), amount, fill=0, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    document = read_document(buffer.getvalue(), "receipt.png")
    lines = [line for line in document.text.splitlines() if line.strip()]
    assert lines == [f"{name}  {amount}" for name, amount in rows]
