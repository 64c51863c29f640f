"""Document decoding: each unusable input gets its own clear error."""

import pytest

from service.documents import MAX_DOCUMENT_BYTES, decode_text
from service.errors import InvalidDocument


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "is empty", id="empty"),
        pytest.param(b" \n\t ", "is empty", id="whitespace"),
        pytest.param(b"PK\x03\x04\x00\x00binary", "contains NUL bytes", id="binary"),
        pytest.param(b"Total \xff\xfe 9.00", "not valid UTF-8 \\(byte 6", id="invalid-utf8"),
        pytest.param(b"\x01\x02\x03\x04 text", "control characters", id="control-characters"),
        pytest.param(b"a" * (MAX_DOCUMENT_BYTES + 1), "over the", id="too-big"),
    ],
)
def test_unusable_input_is_rejected(data, message):
    with pytest.raises(InvalidDocument, match=message):
        decode_text(data)


def test_utf8_with_bom_and_unicode_is_kept():
    assert decode_text("\ufeffCafé total € 9,00\r\n".encode()) == "Café total € 9,00\r\n"
