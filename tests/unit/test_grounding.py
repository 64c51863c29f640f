"""Grounding: offsets and match kinds, with offsets computed by hand."""

import pytest

from finx.values.grounding import ground, string_values

SOURCE = "ACME  Holdings SDN BHD\nTotal:\n  RM 1,234.50\nAcme Corporation Ltd paid İstanbul fees"
#         0         1         2          3         4          5         6         7         8
#         0123456789012345678901 2345678 9012345678901 234567890123456789012345678901234567890


@pytest.mark.parametrize(
    ("value", "start", "end", "match"),
    [
        pytest.param("ACME", 0, 4, "exact", id="exact-first-occurrence"),
        pytest.param("RM 1,234.50", 32, 43, "exact", id="exact-later"),
        pytest.param("acme  holdings", 0, 14, "case_insensitive", id="case"),
        pytest.param("ACME Holdings SDN BHD", 0, 22, "whitespace", id="collapsed-spaces"),
        pytest.param("Total: RM 1,234.50", 23, 43, "whitespace", id="across-line-break"),
        pytest.param("istanbul", None, None, "fuzzy", id="dotted-capital-i"),
        pytest.param("Acme Corporaton Ltd", 44, 63, "fuzzy", id="ocr-typo"),
        pytest.param("Globex", None, None, "not_found", id="absent"),
        pytest.param("xyz", None, None, "not_found", id="too-short-for-fuzzy"),
    ],
)
def test_ground_single_values(value, start, end, match):
    (source,) = ground(SOURCE, {"v": value})
    assert source.match == match
    if match == "fuzzy":
        assert 0.85 <= source.score < 1
        assert source.start is not None and source.end is not None
        if start is not None:
            assert abs(source.start - start) <= 1 and abs(source.end - end) <= 2
    else:
        assert (source.start, source.end) == (start, end)
    if match in ("exact", "case_insensitive"):
        assert SOURCE[source.start : source.end].lower() == value.lower()


def test_offsets_index_the_original_text_not_a_normalised_copy():
    text = "Net\n\n  revenue   rose"
    (source,) = ground(text, {"v": "net revenue rose"})
    assert (source.start, source.end, source.match) == (0, 21, "whitespace")
    assert text[source.start : source.end] == "Net\n\n  revenue   rose"


def test_paths_follow_nested_lists_and_skip_empty_and_non_strings():
    data = {"org": ["A", ""], "money": [{"amount": "9", "currency": None}], "n": 3, "flag": True}
    assert list(string_values(data)) == [("org[0]", "A"), ("money[0].amount", "9")]


def test_case_folding_keeps_offsets_for_characters_whose_lowercase_is_longer():
    text = "İİ ACME"
    (source,) = ground(text, {"v": "acme"})
    assert (source.start, source.end) == (3, 7)
