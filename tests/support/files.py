"""A generated folder of documents in every format `finx batch` reads, plus broken files.

`build_folder(root, texts)` writes each text as .txt, .md, .html, .eml, .csv, .tsv and a text
PDF, some in Latin-1 and UTF-16, a few as images and scanned PDFs (OCR), and one file per kind
of failure. It returns what each file should give: None for a document to extract, or the
error reason the batch must record. Used by the batch tests and bench/batch.py.
"""

import io
import os
import random
from pathlib import Path

from tests.support.corpus import load_corpus

SCHEMA = {
    "type": "object",
    "properties": {
        "company": {"type": ["string", "null"], "maxLength": 40},
        "total": {"type": ["string", "null"], "maxLength": 16},
    },
}
"""A two-field schema with short answers: keeps model time per document low in tests and benchmarks."""
OCR_REASONS = {"broken/garbage.png"}
"""Files whose expected reason needs Tesseract (without it they fail as ocr_unavailable)."""
HUGE_BYTES = 120_000
MAX_MB_FOR_TESTS = 0.1
"""Run the batch with --max-mb this small so that broken/huge.txt is over the limit."""


def short_texts(count: int = 25, max_chars: int = 420) -> list[str]:
    """The first lines of the hand-written test corpus documents (keeps CPU time per document low)."""
    texts = []
    for document in load_corpus()[:count]:
        text = document.text[:max_chars]
        texts.append(text[: text.rfind("\n")] if "\n" in text[100:] else text)
    return texts


class FolderWriter:
    """Writes files under a root and remembers what each should give."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.expected: dict[str, str | None] = {}

    def put(self, relative: str, data: bytes, reason: str | None = None) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.expected[relative] = reason

    def link(self, relative: str, target: Path) -> None:
        (self.root / relative).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, self.root / relative)
        self.expected[relative] = "symlink"


def build_folder(root: Path, texts: list[str], images: int = 6) -> dict[str, str | None]:
    """Write the folder; returns relative path -> expected error reason (None: should extract)."""
    folder = FolderWriter(root)
    put = folder.put
    for index, text in enumerate(texts):
        base = f"docs/{index // 10:02d}/doc{index:03d}"
        lines = [line for line in text.splitlines() if line.strip()]
        put(f"{base}.txt", text.encode("utf-8"))
        put(f"{base}.md", (f"# Document {index}\n\n" + text).encode("utf-8"))
        put(f"{base}.html", html_page(lines).encode("utf-8"))
        put(f"{base}.eml", email_message(index, text))
        put(f"{base}.csv", table(lines, ",").encode("utf-8"))
        put(f"{base}.tsv", table(lines, "\t").encode("utf-8"))
        put(f"{base}.pdf", text_pdf(text))
        if index % 3 == 0:
            put(f"encodings/doc{index:03d}-latin1.txt", latin1(text).encode("latin-1"))
            put(f"encodings/doc{index:03d}-utf16.txt", text.encode("utf-16"))
    for index, text in enumerate(texts[:images]):
        image = text_image(text)
        kind = ["png", "jpg", "tif", "scan.pdf"][index % 4]
        put(f"scans/scan{index:02d}.{kind}", scanned_pdf(image) if kind == "scan.pdf" else image_bytes(image, kind))
    write_broken(folder)
    return folder.expected


def write_broken(folder: FolderWriter) -> None:
    rng = random.Random(7)
    put = folder.put
    put("broken/empty.txt", b"", "empty")
    put("broken/blank.md", b"  \n\t\n", "empty")
    put("broken/binary.txt", bytes(rng.randrange(256) for _ in range(4000)) + b"\x00" * 10, "binary")
    put("broken/not-really.pdf", b"This is plain text saved with a .pdf name.\n", "unreadable")
    put("broken/cut-short.pdf", text_pdf("TOTAL 12.00")[:300], "unreadable")
    put("broken/password.pdf", text_pdf("TOTAL 99.00", password="secret"), "encrypted")
    put("broken/huge.txt", b"TOTAL 1.00\n" * (HUGE_BYTES // 11), "too_large")
    put("broken/report.docx", b"PK\x03\x04" + bytes(200), "unsupported_type")
    put("broken/garbage.png", b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(500)), "unreadable")
    outside = folder.root.parent / f"{folder.root.name}-outside.txt"
    outside.write_text("TOTAL 5.00 outside the input folder\n", encoding="utf-8")
    folder.link("broken/link-out.txt", outside)
    folder.link("broken/dangling.txt", folder.root / "missing.txt")
    folder.link("broken/loop", folder.root)


def html_page(lines: list[str]) -> str:
    body = "".join(f"<tr><td>{line}</td></tr>" if "  " in line else f"<p>{line}</p>" for line in lines)
    return (
        "<!doctype html><html><head><title>hidden title</title><style>p{color:red}</style>"
        "<script>var hidden = 'not text';</script></head><body><div>"
        f"<table>{body}</table></div></body></html>"
    )


def email_message(index: int, text: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Accounts <accounts@example.com>"
    message["To"] = "ap@example.org"
    message["Subject"] = f"Document {index}"
    message["Date"] = "Mon, 02 Mar 2026 09:30:00 +0000"
    message.set_content(text)
    return message.as_bytes()


def table(lines: list[str], delimiter: str) -> str:
    rows = io.StringIO()
    import csv

    writer = csv.writer(rows, delimiter=delimiter)
    for line in lines:
        writer.writerow(line.split("  ") if "  " in line else [line])
    return rows.getvalue()


def latin1(text: str) -> str:
    return text.encode("latin-1", errors="replace").decode("latin-1") + "\nCafé £ 3,50 – reçu\n".replace("–", "-")


def text_pdf(text: str, password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    for line in text.splitlines() or [" "]:
        pdf.cell(0, 5, line.encode("latin-1", errors="replace").decode("latin-1") or " ", new_x="LMARGIN", new_y="NEXT")
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    return bytes(pdf.output())


def text_image(text: str) -> "object":
    from PIL import Image, ImageDraw, ImageFont

    lines = [line for line in text.splitlines() if line.strip()][:8]
    font = ImageFont.load_default(size=26)
    image = Image.new("L", (1400, 40 + 36 * len(lines)), 255)
    ImageDraw.Draw(image).multiline_text((24, 20), "\n".join(lines), font=font, fill=0, spacing=10)
    return image


def image_bytes(image: "object", kind: str) -> bytes:
    buffer = io.BytesIO()
    options = {"compression": "tiff_deflate"} if kind == "tif" else {}
    image.save(buffer, format={"png": "PNG", "jpg": "JPEG", "tif": "TIFF"}[kind], **options)  # type: ignore[attr-defined]
    return buffer.getvalue()


def scanned_pdf(image: "object") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=190)
    return bytes(pdf.output())
