"""Turning caller input into document text, with a clear error for anything unusable.

Plain text only (UTF-8, a BOM is dropped); richer formats come through the ingestion module.
"""

from service.errors import InvalidDocument

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
CONTROL_CHARACTERS_ALLOWED = 0.01


def decode_text(data: bytes, name: str = "document") -> str:
    """UTF-8 text from bytes, or `InvalidDocument` saying why not."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidDocument(f"{name} is {len(data)} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit")
    if b"\x00" in data:
        raise InvalidDocument(f"{name} looks binary (it contains NUL bytes)", hint="give plain UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidDocument(
            f"{name} is not valid UTF-8 (byte {error.start}: {data[error.start : error.start + 1]!r})",
            hint="convert it to UTF-8",
        ) from None
    return check_text(text, name)


def check_text(text: str, name: str = "document") -> str:
    """The text itself if it has content, else `InvalidDocument`."""
    if not text.strip():
        raise InvalidDocument(f"{name} is empty")
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\n\r\t\f\v")
    if controls > CONTROL_CHARACTERS_ALLOWED * len(text):
        raise InvalidDocument(f"{name} looks binary ({controls} control characters)", hint="give plain text")
    return text
