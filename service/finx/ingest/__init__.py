"""Ingestion: file bytes -> document text with a map back to pages and lines.

`read_document(data, name, media_type=None)` picks one reader by media type (from the name's
extension, checked against the content's magic bytes) and returns an `IngestedDocument`. Readers:
plain text and Markdown (encoding detected), HTML (visible text), PDF (text layer; pages without
one go through OCR), e-mail (headers and body), CSV/TSV (rows as text), images (OCR). Anything
unusable raises `IngestError` with a short machine-readable `reason` and a message.
`read_unnamed(data, name)` reads bytes that come without a file name (stdin, gRPC `data` with no
media type). Every entry point reads through these two, under the one `MAX_DOCUMENT_BYTES` limit.
"""

from finx.ingest.base import IngestedDocument, IngestError
from finx.ingest.readers import (
    MAX_DOCUMENT_BYTES,
    MEDIA_TYPES,
    check_text,
    media_type_of,
    read_document,
    read_unnamed,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MEDIA_TYPES",
    "IngestError",
    "IngestedDocument",
    "check_text",
    "media_type_of",
    "read_document",
    "read_unnamed",
]
