"""Ingestion: file bytes -> document text with a map back to pages and lines.

`read_document(data, name, media_type=None)` picks one reader by media type (from the name's
extension, checked against the content's magic bytes) and returns an `IngestedDocument`. Readers:
plain text and Markdown (encoding detected), HTML (visible text), PDF (text layer; pages without
one go through OCR), e-mail (headers and body), CSV/TSV (rows as text), images (OCR). Anything
unusable raises `IngestError` with a short machine-readable `reason` and a message.
"""

from service.ingest.base import IngestedDocument, IngestError
from service.ingest.readers import MEDIA_TYPES, media_type_of, read_document

__all__ = ["MEDIA_TYPES", "IngestError", "IngestedDocument", "media_type_of", "read_document"]
