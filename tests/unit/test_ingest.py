"""Ingestion readers on small generated files: text, encodings, HTML, e-mail, tables, PDF, images."""

import shutil
from pathlib import Path

import pytest

from finx.ingest import IngestError, media_type_of, read_document
from finx.ingest.base import IngestedDocument, join_pages
from tests.support.files import email_message, image_bytes, scanned_pdf, text_image, text_pdf

HAS_TESSERACT = shutil.which("tesseract") is not None
needs_tesseract = pytest.mark.skipif(
    not HAS_TESSERACT, reason="Tesseract is not installed (apt-get install tesseract-ocr)"
)
RECEIPT = "ACME SUPPLIES LTD\nInvoice 4471\nTOTAL USD 1,250.00\n"


def reason_of(data: bytes, name: str, **kwargs: int) -> str:
    with pytest.raises(IngestError) as raised:
        read_document(data, name, **kwargs)
    return raised.value.reason


@pytest.mark.parametrize(
    ("data", "name", "media_type"),
    [
        (b"%PDF-1.7 ...", "scan.txt", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "photo.dat", "image/png"),
        (b"\xff\xd8\xff\xe0", "a.JPG", "image/jpeg"),
        (b"II*\x00", "a.tiff", "image/tiff"),
        (b"hello", "notes.MD", "text/markdown"),
        (b"a,b", "t.csv", "text/csv"),
    ],
)
def test_media_type_from_magic_bytes_then_extension(data: bytes, name: str, media_type: str) -> None:
    assert media_type_of(name, data) == media_type


def test_unknown_extension_and_wrong_signature_are_refused() -> None:
    assert reason_of(b"PK\x03\x04", "report.docx") == "unsupported_type"
    assert reason_of(b"just text", "fake.pdf") == "unreadable"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (RECEIPT.encode("utf-8"), RECEIPT),
        (b"\xef\xbb\xbf" + RECEIPT.encode("utf-8"), RECEIPT),
        (RECEIPT.encode("utf-16"), RECEIPT),
        ("Café crème 3,50 £\nTOTAL 7,00 €\n".encode("cp1252"), "Café crème 3,50 £\nTOTAL 7,00 €\n"),
        (b"line one\r\nline two\r\n", "line one\nline two\n"),
    ],
)
def test_text_encodings(data: bytes, text: str) -> None:
    assert read_document(data, "doc.txt").text == text


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"  \n\t ", "empty"), (b"abc\x00\x01\x02" * 50, "binary"), (b"x" * 2000, "too_large")],
)
def test_unusable_text(data: bytes, reason: str) -> None:
    assert reason_of(data, "doc.txt", max_bytes=1000) == reason


def test_html_keeps_visible_text_in_blocks() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body><script>var x='hidden'</script>"
        "<h1>Invoice&nbsp;4471</h1><p>Seller: ACME &amp; Co</p><table><tr><td>Total</td><td>1,250.00</td></tr>"
        "</table><noscript>off</noscript></body></html>"
    )
    assert read_document(html.encode(), "page.html").text == "Invoice 4471\nSeller: ACME & Co\nTotal | 1,250.00"


def test_email_headers_and_body() -> None:
    document = read_document(email_message(7, RECEIPT), "mail.eml")
    assert document.text.splitlines()[:5] == [
        "From: Accounts <accounts@example.com>",
        "To: ap@example.org",
        "Date: Mon, 02 Mar 2026 09:30:00 +0000",
        "Subject: Document 7",
        "",
    ]
    assert "TOTAL USD 1,250.00" in document.text


def test_csv_and_tsv_rows_as_text() -> None:
    assert (
        read_document(b"item,amount\nTea,3.00\n\nTOTAL,3.00\n", "t.csv").text
        == "item | amount\nTea | 3.00\nTOTAL | 3.00"
    )
    assert read_document(b"item;amount\nTea;3,00\n", "t.csv").text == "item | amount\nTea | 3,00"
    assert read_document(b"a\tb\n1\t2\n", "t.tsv").text == "a | b\n1 | 2"


def test_pdf_text_layer_and_encryption() -> None:
    document = read_document(text_pdf(RECEIPT), "invoice.pdf")
    assert document.media_type == "application/pdf" and document.ocr_pages == []
    assert "TOTAL USD 1,250.00" in document.text
    assert reason_of(text_pdf(RECEIPT, password="pw"), "locked.pdf") == "encrypted"
    assert reason_of(text_pdf(RECEIPT)[:200], "cut.pdf") == "unreadable"


def test_page_map_gives_page_and_line() -> None:
    text, starts = join_pages(["page one\nsecond line", "page two\nline 2\nline 3"])
    document = IngestedDocument(text, "application/pdf", starts)
    assert document.pages == 2
    assert document.position(text.index("second")) == (1, 2)
    assert document.position(text.index("line 3")) == (2, 3)
    assert document.position(0) == (1, 1)


def test_form_feeds_split_text_into_pages() -> None:
    document = read_document(b"first page\fsecond page\nTOTAL 3.00", "doc.txt")
    assert document.pages == 2 and document.position(document.text.index("TOTAL")) == (2, 2)


@needs_tesseract
@pytest.mark.parametrize("kind", ["png", "jpg", "tif"])
def test_images_go_through_ocr(kind: str) -> None:
    document = read_document(image_bytes(text_image(RECEIPT), kind), f"scan.{kind}")
    assert document.ocr_pages == [1]
    assert "TOTAL USD 1,250.00" in document.text


@needs_tesseract
def test_scanned_pdf_pages_go_through_ocr() -> None:
    document = read_document(scanned_pdf(text_image(RECEIPT)), "scan.pdf")
    assert document.ocr_pages == [1] and "ACME SUPPLIES" in document.text


@needs_tesseract
def test_corrupt_image_is_unreadable() -> None:
    assert reason_of(b"\x89PNG\r\n\x1a\n" + b"\x01" * 300, "bad.png") == "unreadable"


def test_without_tesseract_ocr_is_a_clear_per_file_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("finx.ingest.ocr.tesseract_path", lambda: None)
    with pytest.raises(IngestError) as raised:
        read_document(image_bytes(text_image(RECEIPT), "png"), "scan.png")
    assert raised.value.reason == "ocr_unavailable"
    assert "Tesseract is not installed" in str(raised.value) and "apt-get install tesseract-ocr" in str(raised.value)


def test_path_of_a_file_is_not_needed(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("# Title\nTOTAL 1.00", encoding="utf-8")
    assert read_document(path.read_bytes(), path.name).media_type == "text/markdown"


def nested_email(depth: int) -> bytes:
    """A MIME message whose parts nest `depth` levels deep (message/rfc822 inside multipart...)."""
    message = b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for level in range(depth):
        boundary = f"b{level}".encode()
        message = (
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary + b"\r\n"
            + message + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    return b"From: a@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n" + message


def test_a_parser_that_recurses_too_deep_gives_an_unreadable_reason_not_a_crash() -> None:
    with pytest.raises(IngestError) as refused:
        read_document(nested_email(2000), "deep.eml", "message/rfc822")
    assert refused.value.reason == "unreadable" and "deep.eml" in str(refused.value)
    assert read_document(nested_email(3), "shallow.eml").text.startswith("From: a@example.com")


def test_any_failure_inside_a_reader_is_the_files_reason(monkeypatch) -> None:
    import finx.ingest.readers as readers

    def broken(data: bytes, name: str):
        raise struct_error("unpack requires a buffer of 4 bytes")

    struct_error = type("error", (Exception,), {})
    monkeypatch.setitem(readers.READERS, "text/html", broken)
    with pytest.raises(IngestError, match=r"page.html: the text/html reader failed \(error: unpack requires"):
        read_document(b"<p>x</p>", "page.html")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        pytest.param(b"<div>" * 200_000 + b"TOTAL 9.00" + b"</div>" * 200_000, "deep.html", id="html-nested-200k"),
        pytest.param(b"<a>" * 50_000 + b"x" + b"</a>" * 50_000, "deep.xml.html", id="xml-like-nested-50k"),
        pytest.param(b"<!--" * 100_000 + b"-->", "comments.html", id="html-unclosed-comments"),
        pytest.param(
            b"From: a@example.com\r\nSubject: " + b"x" * 2_000_000 + b"\r\n\r\nTOTAL 9.00\r\n",
            "header.eml",
            id="eml-2MB-header",
        ),
        pytest.param(
            b"From: a@example.com\r\n" + b"X-Many: y\r\n" * 100_000 + b"\r\nbody\r\n",
            "headers.eml",
            id="eml-100k-headers",
        ),
        pytest.param(
            b"%PDF-1.7\n" + b"1 0 obj << /Kids [" * 20_000 + b"\n%%EOF", "nested.pdf", id="pdf-nested-objects"
        ),
        pytest.param(
            b"%PDF-1.4\n1 0 obj <</Type /Outlines /First 1 0 R /Last 1 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF",
            "cycle.pdf",
            id="pdf-outline-cycle",
        ),
        pytest.param(b"a," * 3_000_000 + b"\n", "wide.csv", id="csv-3M-columns"),
    ],
)
def test_hostile_structures_give_text_or_a_reason_never_a_crash(data: bytes, name: str) -> None:
    try:
        document = read_document(data, name)
    except IngestError as refused:
        assert refused.reason in ("unreadable", "empty", "too_large") and name in str(refused)
    else:
        assert isinstance(document.text, str)
