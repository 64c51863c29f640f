"""One reader per media type, and the choice of reader for a file.

The extension names the media type; for binary formats the content's magic bytes win over a
wrong extension (a PDF saved as `.txt` is read as a PDF). Unknown extensions are refused rather
than guessed at.
"""

import codecs
import csv
import email
import email.policy
import io
from collections.abc import Callable
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import PurePath

from finx.config import MAX_DOCUMENT_BYTES
from finx.errors import FinxError
from finx.ingest.base import IngestedDocument, IngestError, join_pages, joined_boxes, scaled
from finx.ingest.ocr import ocr_image
from finx.ingest.pdf import read_pdf

MEDIA_TYPES: dict[str, str] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".eml": "message/rfc822",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
]
BINARY_MEDIA_TYPES = frozenset(media_type for _, media_type in MAGIC)
CONTROL_CHARACTERS_ALLOWED = 0.01


def media_type_of(name: str, data: bytes) -> str:
    """The media type of a file: its magic bytes if they name a binary format, else its extension."""
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    extension = PurePath(name).suffix.lower()
    if extension not in MEDIA_TYPES:
        supported = " ".join(sorted(MEDIA_TYPES))
        raise IngestError("unsupported_type", f"{name}: unsupported file type {extension or '(none)'!r}", supported)
    media_type = MEDIA_TYPES[extension]
    if media_type in BINARY_MEDIA_TYPES:
        raise wrong_signature(name, media_type)
    return media_type


def wrong_signature(name: str, media_type: str) -> IngestError:
    return IngestError("unreadable", f"{name}: not a valid {media_type.split('/')[1].upper()} file (wrong signature)")


def read_document(
    data: bytes, name: str, media_type: str | None = None, max_bytes: int = MAX_DOCUMENT_BYTES
) -> IngestedDocument:
    """Document text of a file's bytes, or `IngestError` saying why there is none.

    `media_type` None: from the magic bytes, else the name's extension. A binary media type given
    by the caller must match the content's signature.
    """
    if len(data) > max_bytes:
        raise IngestError("too_large", f"{name} is {len(data)} bytes, over the {max_bytes}-byte limit")
    if not data:
        raise IngestError("empty", f"{name} is empty")
    if media_type is None:
        media_type = media_type_of(name, data)
    elif media_type in BINARY_MEDIA_TYPES and not any(data.startswith(m) for m, t in MAGIC if t == media_type):
        raise wrong_signature(name, media_type)
    reader = READERS.get(media_type)
    if reader is None:
        raise IngestError("unsupported_type", f"{name}: no reader for media type {media_type!r}")
    try:
        document = reader(data, name)
    except FinxError:
        raise
    except RecursionError:  # a parser that recurses per nesting level (e-mail parts, markup)
        raise IngestError("unreadable", f"{name}: its {media_type} structure nests too deeply to read") from None
    except Exception as error:  # any third-party parser failure is the file's fault, not finx's
        detail = f"{type(error).__name__}: {error}"[:200]
        raise IngestError("unreadable", f"{name}: the {media_type} reader failed ({detail})") from None
    check_text(document.text, name)
    return document


def read_unnamed(data: bytes, name: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> IngestedDocument:
    """Bytes that come without a file name (standard input, a gRPC `data` with no media type):
    a binary format if the magic bytes say so, else plain text."""
    media_type = next((kind for magic, kind in MAGIC if data.startswith(magic)), "text/plain")
    return read_document(data, name, media_type, max_bytes)


def check_text(text: str, name: str = "document") -> str:
    """The text itself if it has content and is not binary, else `IngestError`."""
    if not text.strip():
        raise IngestError("empty", f"{name} is empty")
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\n\r\t\f\v")
    if controls > CONTROL_CHARACTERS_ALLOWED * len(text):
        raise IngestError("binary", f"{name} looks binary ({controls} control characters)", "give plain text")
    return text


# text ---------------------------------------------------------------------------------------
LATIN_SINGLE_BYTE = {
    "cp1250",
    "cp1252",
    "cp1254",
    "cp1257",
    "latin_1",
    "iso8859_2",
    "iso8859_9",
    "iso8859_15",
    "mac_roman",
}
BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode(data: bytes, name: str) -> str:
    """Text of bytes in UTF-8, UTF-16 (with BOM) or whatever charset-normalizer detects."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if b"\x00" in data:
        raise IngestError("binary", f"{name} looks binary (it contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError("binary", f"{name} is not text in any encoding detected")
    if best.encoding in LATIN_SINGLE_BYTE:
        # Short texts cannot tell these code pages apart; Windows-1252 is by far the most common.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def read_text(data: bytes, name: str) -> IngestedDocument:
    text = decode(data, name).replace("\r\n", "\n").replace("\r", "\n")
    pages = text.split("\f")
    joined, starts = join_pages(pages)
    return IngestedDocument(joined, "text/plain", starts)


def read_markdown(data: bytes, name: str) -> IngestedDocument:
    document = read_text(data, name)
    return IngestedDocument(document.text, "text/markdown", document.page_starts)


# html ---------------------------------------------------------------------------------------
class VisibleText(HTMLParser):
    """Collects the text a browser would show: no scripts, styles or head; blocks on new lines."""

    HIDDEN = frozenset({"script", "style", "head", "title", "noscript", "template", "svg"})
    # fmt: off
    BLOCKS = frozenset({
        "p", "div", "br", "tr", "li", "ul", "ol", "table", "section", "article", "header", "footer", "h1", "h2",
        "h3", "h4", "h5", "h6", "hr", "address", "blockquote", "pre", "dt", "dd", "form",
    })
    # fmt: on
    CELLS = frozenset({"td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in self.CELLS and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(" ".join(data.split()) if not data.isspace() else " ")

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)


def html_to_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.text()


def read_html(data: bytes, name: str) -> IngestedDocument:
    return IngestedDocument(html_to_text(decode(data, name)), "text/html")


# e-mail -------------------------------------------------------------------------------------
EMAIL_HEADERS = ("From", "To", "Cc", "Date", "Subject")


def read_email(data: bytes, name: str) -> IngestedDocument:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    lines = [f"{header}: {message[header]}" for header in EMAIL_HEADERS if message[header]]
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        lines += ["", html_to_text(content) if body.get_content_subtype() == "html" else content.strip()]
    attachments = [part.get_filename() or part.get_content_type() for part in message.iter_attachments()]
    if attachments:
        lines += ["", "Attachments: " + ", ".join(attachments)]
    if not lines:
        raise IngestError("unreadable", f"{name} is not an e-mail message (no headers, no body)")
    return IngestedDocument("\n".join(lines).replace("\r\n", "\n"), "message/rfc822")


# tables -------------------------------------------------------------------------------------
def read_table(data: bytes, name: str, delimiter: str) -> IngestedDocument:
    text = decode(data, name)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = [" | ".join(cell.strip() for cell in row) for row in rows if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise IngestError("unreadable", f"{name}: malformed table ({error})") from None
    media_type = "text/tab-separated-values" if delimiter == "\t" else "text/csv"
    return IngestedDocument("\n".join(lines), media_type)


def read_csv(data: bytes, name: str) -> IngestedDocument:
    sample = decode(data[:8192], name) if len(data) > 8192 else decode(data, name)
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return read_table(data, name, delimiter)


# images -------------------------------------------------------------------------------------
def read_image(data: bytes, name: str) -> IngestedDocument:
    pages = ocr_image(data, name)
    text, starts = join_pages([page.text for page in pages])
    media_type = next((kind for magic, kind in MAGIC if data.startswith(magic)), "image")
    factor = 72 / image_dpi(data)
    boxes = joined_boxes([scaled(page.char_boxes, factor) for page in pages])
    sizes = tuple((page.size[0] * factor, page.size[1] * factor) for page in pages)
    return IngestedDocument(text, media_type, starts, list(range(1, len(starts) + 1)), boxes, sizes)


def image_dpi(data: bytes) -> float:
    """The horizontal resolution an image file states (72 when it states none)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            dpi = image.info.get("dpi", (72, 72))[0]
    except (OSError, ValueError, TypeError, IndexError):
        return 72.0
    return float(dpi) if isinstance(dpi, int | float) and 1 <= dpi <= 10000 else 72.0


READERS: dict[str, Callable[[bytes, str], IngestedDocument]] = {
    "text/plain": read_text,
    "text/markdown": read_markdown,
    "text/html": read_html,
    "application/pdf": read_pdf,
    "message/rfc822": read_email,
    "text/csv": read_csv,
    "text/tab-separated-values": lambda data, name: read_table(data, name, "\t"),
    "image/png": read_image,
    "image/jpeg": read_image,
    "image/tiff": read_image,
}
