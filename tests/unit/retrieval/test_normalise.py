"""Name normalisation: table tests of what must (and must not) become the same key."""

import pytest

from finx.retrieval.normalise import acronym, lookup_key, name_keys, normalise_code


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Apple Inc.", "apple"),
        ("APPLE INC", "apple"),
        ("CATERPILLAR INC /DE/", "caterpillar"),
        ("Alphabet Inc. Class C", "alphabet"),
        ("Berkshire Hathaway Inc Class B", "berkshire hathaway"),
        ("The Coca-Cola Company", "coca cola"),
        ("JPMORGAN CHASE & CO", "jpmorgan chase"),
        ("Procter & Gamble Co", "procter and gamble"),
        ("Johnson & Johnson", "johnson and johnson"),
        ("MR D.I.Y. (M) SDN BHD", "mr diy"),
        ("99 SPEED MART S/B", "99 speed mart"),
        ("GARDENIA BAKERIES (KL) SDN BHD", "gardenia bakeries"),
        ("Nestlé S.A.", "nestle"),
        ("Siemens AG", "siemens"),
        ("Koninklijke Philips N.V.", "koninklijke philips"),
        ("Toyota Motor Corporation", "toyota motor"),
        ("Acme Pty Ltd", "acme"),
        ("U.S. Bancorp", "us bancorp"),
        ("  multiple   spaces\tLLC ", "multiple spaces"),
    ],
)
def test_lookup_key(name: str, key: str) -> None:
    assert lookup_key(name) == key


@pytest.mark.parametrize("name", ["The Company", "Inc.", "Limited"])
def test_a_name_made_of_suffix_words_does_not_vanish(name: str) -> None:
    assert lookup_key(name)


def test_different_companies_keep_different_keys() -> None:
    assert lookup_key("Apple Inc.") != lookup_key("Apple Hospitality REIT, Inc.")
    assert lookup_key("Morgan Stanley") != lookup_key("JPMorgan Chase & Co.")


def test_name_keys_add_the_variant_without_a_group_word() -> None:
    assert name_keys("The Goldman Sachs Group, Inc.") == ["goldman sachs group", "goldman sachs"]
    assert name_keys("HSBC Holdings plc") == ["hsbc holdings", "hsbc"]
    assert name_keys("Apple Inc.") == ["apple"]
    assert name_keys("Group") == ["group"]


@pytest.mark.parametrize(
    ("key", "initials"),
    [("international business machines", "ibm"), ("bank of america", "ba"), ("apple", ""), ("at and t", "at")],
)
def test_acronym(key: str, initials: str) -> None:
    assert acronym(key) == initials


@pytest.mark.parametrize(
    ("code", "key"), [("brk.b", "BRK-B"), ("BRK/B", "BRK-B"), (" aapl ", "AAPL"), ("7203", "7203")]
)
def test_normalise_code(code: str, key: str) -> None:
    assert normalise_code(code) == key
