"""Regenerate the PDF and the scan of the sample folder examples/batch from the texts below (needs fpdf2, Pillow).

Run: .venv/bin/python examples/make_batch_examples.py
"""

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).parent / "batch"
INVOICE = """ACME OFFICE SUPPLIES LTD
Unit 7, Riverside Park, Manchester M17 1AA
INVOICE  No. A-88213        Date: 21/02/2026
Customer: Corner Cafe & Bakery Ltd
Printer paper A4 (5 reams)        GBP 24.95
Toner cartridge HP 305A            GBP 61.00
Subtotal GBP 85.95   VAT 20% GBP 17.19
TOTAL DUE GBP 103.14   Payment terms: 30 days"""
SCAN = """MR D.I.Y. (M) SDN BHD
LOT 1851-A JALAN KPB 6, SERI KEMBANGAN
DATE: 15/01/2026  TIME: 19:02
CABLE TIE 8 INCH        RM 3.90
PVC TAPE BLACK          RM 2.50
TOTAL ROUNDED           RM 6.40"""


def write_pdf(path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in INVOICE.splitlines():
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_creation_date(datetime(2026, 2, 21, tzinfo=UTC))  # reproducible bytes
    path.write_bytes(bytes(pdf.output()))


def write_scan(path: Path) -> None:
    font = ImageFont.load_default(size=26)
    image = Image.new("L", (900, 280), 255)
    ImageDraw.Draw(image).multiline_text((24, 20), SCAN, font=font, fill=0, spacing=10)
    image.save(path, format="PNG", optimize=True)


if __name__ == "__main__":
    write_pdf(HERE / "invoices" / "acme-invoice.pdf")
    write_scan(HERE / "scans" / "diy-receipt.png")
