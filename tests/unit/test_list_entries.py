"""Entity lists read in windows (`extraction.list_entries`): a name under two types stays where the
model was surest of it, a fragment of a longer name is dropped, a name that also stands alone
stays, a separator or an unclosed bracket at a name's end is trimmed, a money amount loses its
currency and a percentage is no money; and on the scripted engine the merged result of a long
document comes out so."""

import json

import pytest

from finx.config import ExtractionPolicy
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.list_entries import (
    is_cased,
    is_common_words,
    mended_money,
    one_type_per_name,
    trimmed_items,
    trimmed_name,
    without_artefacts,
    without_fragments,
)
from finx.extraction.options import ExtractOptions
from finx.schemas import get_schema
from finx.schemas.entities import ENTRY_CHECKS
from finx.values.grounding import occurrences
from tests.support.scripted_engine import ScriptedEngine

LISTS = {"org": ["Marlboro", "Acme"], "location": ["Leeds", "MARLBORO "]}  # the same name, as written twice


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [
        pytest.param({"org[0]": 0.4, "location[1]": 0.9}, {"org": ["Acme"], "location": ["Leeds", "MARLBORO "]}, id="location-surer"),
        pytest.param({"org[0]": 0.9, "location[1]": 0.4}, {"org": ["Marlboro", "Acme"], "location": ["Leeds"]}, id="org-surer"),
        pytest.param({"org[0]": 0.7, "location[1]": 0.7}, {"org": ["Marlboro", "Acme"], "location": ["Leeds"]}, id="tie-earlier-list"),
        pytest.param({"org[0]": 0.7}, LISTS, id="unknown-keeps-both"),
    ],
)  # fmt: skip
def test_a_name_under_two_types_stays_where_the_model_was_surest(confidence, expected) -> None:
    assert one_type_per_name(LISTS, confidence) == expected


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("US -", "US"),
        ("Associated Press –", "Associated Press"),
        (", Reuters", "Reuters"),
        ("NYSE:", "NYSE"),
        ("Kospi (. KS11", "Kospi"),
        ("KS11)", "KS11"),
        ("London).", "London"),
        (") Acme", "Acme"),
        ("(Reuters", "Reuters"),
        ("Hong Kong - based", "Hong Kong - based"),
        ("Citic Securities Co.", "Citic Securities Co."),
        ("Yahoo!", "Yahoo!"),
        ("Smith (left)", "Smith (left)"),
        ("-5%", "-5%"),
        ("(5.2)", "(5.2)"),
        ("GOP ’s", "GOP"),  # a possessive printed apart
        ("Hungerford Nichols ’", "Hungerford Nichols"),
        ("Macy's", "Macy's"),
        (" , ", ""),
        ("- ", ""),
    ],
)
def test_a_name_keeps_no_separator_or_unclosed_bracket_at_its_ends(written: str, name: str) -> None:
    assert trimmed_name(written) == name


def test_a_name_left_empty_is_dropped_and_other_items_stay() -> None:
    money = {"amount": "5 ,", "currency": None}
    assert trimmed_items(["Acme -", ",", money, "Leeds"]) == ["Acme", money, "Leeds"]


def test_a_fragment_of_a_longer_name_is_dropped_and_a_name_that_stands_alone_stays() -> None:
    document = "Jim Simons founded Renaissance. Apple Inc. and Apple sued Bank of America Merrill Lynch."
    items = [
        "Jim Simons",
        "Simons",
        "Apple Inc.",
        "Apple",
        "Bank of America",
        "Bank of America Merrill Lynch",
        "Nowhere",
    ]
    assert without_fragments(items, document) == [
        "Jim Simons",
        "Apple Inc.",
        "Apple",
        "Bank of America Merrill Lynch",
        "Nowhere",
    ]


def test_occurrences_ignore_case_and_the_whitespace_between_words() -> None:
    assert occurrences("bank of  america", "Bank of\nAmerica, BANK OF AMERICA") == [(0, 15), (17, 32)]
    assert occurrences("  ", "text") == []


def test_objects_in_lists_are_left_as_they_are() -> None:
    lists = {"org": ["Acme"], "money": [{"amount": "5", "currency": None}, {"amount": "5", "currency": None}]}
    assert without_artefacts(lists, {}, "Acme paid 5 and 5", frozenset({"org"}), {}) == lists


NEWS = "Shares of Acme Corp. rose in London on Monday after the bank said licensing revenue doubled."


def test_entries_in_lower_case_leave_the_lists_of_proper_names_of_a_cased_document() -> None:
    lists = {
        "org": ["Acme Corp.", "bank", "eBay", "licensing"],
        "location": ["London", "london"],
        "date": ["monday"],  # not a list of proper names
    }
    kept = without_artefacts(lists, {}, NEWS, frozenset({"org", "location"}), {})
    assert kept == {"org": ["Acme Corp.", "eBay"], "location": ["London"], "date": ["monday"]}


def test_a_document_typed_in_lower_case_keeps_its_lower_case_names() -> None:
    document = "invoice no. 5 from lena park photography for the oak wedding venue, paid via bank transfer"
    lists = {"org": ["lena park photography", "the oak wedding venue"], "person": []}
    assert without_artefacts(lists, {}, document, frozenset({"org", "person"}), {}) == lists
    assert not is_cased(document) and is_cased(NEWS)


def test_names_without_cased_letters_are_not_lower_case() -> None:
    assert [is_common_words(name) for name in ["bank", "1907", "三菱商事", "eBay", "IBM", 7]] == [
        True, False, False, False, False, False
    ]  # fmt: skip


def test_a_name_with_a_lower_case_word_that_is_no_particle_is_common_words() -> None:
    common = ["Iron ore", "Chinese stocks", "Hong Kong - based", "An elated Gupta", "Forbes magazine"]
    names = ["Bank of America", "Rio de Janeiro", "HSBC Holdings plc", "Prince Abdulaziz bin Salman", "Amazon.com",
             "iShares Nasdaq Biotech", "55th Street", "Henri d'Estienne", "Newcastle upon Tyne", "Smith & Co.,"]  # fmt: skip
    assert [name for name in common + names if is_common_words(name)] == common
    lists = {"org": ["Iron ore", "Bank of America"], "person": []}
    assert without_artefacts(lists, {}, NEWS, frozenset({"org", "person"}), {}) == {
        "org": ["Bank of America"],
        "person": [],
    }


def test_a_long_document_read_in_windows_comes_out_without_the_artefacts() -> None:
    # every window reads the surname alone besides the whole name, and the town as an organisation
    sentence = "Jim Simons met the board in Marlboro. "
    document = sentence * 12

    def script(prompt: str) -> str:
        return json.dumps({"org": ["Marlboro"], "person": ["Jim Simons", "Simons"], "location": ["Marlboro"]})

    engine = ScriptedEngine(script)
    try:
        policy = ExtractionPolicy(list_chunk_tokens=192, chunk_tokens=768)
        task = ExtractionTask(
            document, get_schema("entities:ORG,PERSON,LOCATION"), options=ExtractOptions(min_confidence=0)
        )
        result = Extractor(engine, policy=policy).extract(task)
    finally:
        engine.close()
    assert result.chunks > 1
    # equally sure under both types (one token per character, one probability): the earlier list keeps it
    assert result.data == {"org": ["Marlboro"], "person": ["Jim Simons"], "location": []}


def test_trimmed_names_keep_their_confidence_through_the_merge() -> None:
    document = "Shares of Acme Corp - the miner - rose (Reuters, London). " * 2

    def script(prompt: str) -> str:
        return json.dumps({"org": ["Acme Corp -", ",", "(Reuters"], "person": [], "location": ["London)."]})

    engine = ScriptedEngine(script)
    try:
        task = ExtractionTask(
            document, get_schema("entities:ORG,PERSON,LOCATION"), options=ExtractOptions(min_confidence=0)
        )
        result = Extractor(engine).extract(task)
    finally:
        engine.close()
    assert result.data == {"org": ["Acme Corp", "Reuters"], "person": [], "location": ["London"]}
    assert {source.path: source.confidence is not None for source in result.sources} == {
        "org[0]": True,
        "org[1]": True,
        "location[0]": True,
    }


@pytest.mark.parametrize(
    ("entry", "mended"),
    [
        ({"amount": "0.62 EUR", "currency": "EUR"}, {"amount": "0.62", "currency": "EUR"}),
        ({"amount": "31.1 billion pound", "currency": "pound"}, {"amount": "31.1 billion", "currency": "pound"}),
        ({"amount": "$4.1 billion", "currency": "$"}, {"amount": "4.1 billion", "currency": "$"}),
        ({"amount": "480", "currency": "$"}, {"amount": "480", "currency": "$"}),
        ({"amount": "480", "currency": None}, {"amount": "480", "currency": None}),
        ({"amount": "EUR", "currency": "EUR"}, {"amount": "EUR", "currency": "EUR"}),  # nothing left to keep
        ({"amount": "1.8%", "currency": "1.8%"}, None),
        ({"amount": "6.5 per cent", "currency": "per cent"}, None),
        ({"amount": "12", "currency": "4.4"}, None),
    ],
)
def test_a_money_amount_keeps_no_currency_and_a_percentage_is_no_money(entry, mended) -> None:
    assert mended_money(entry) == mended


def test_entries_not_of_their_list_s_kind_are_dropped() -> None:
    lists = {
        "date": ["Q3 2024", "31.1 billion", "May 15"],
        "percent": ["1.8%", "2024", "25 basis points"],
        "org": ["2024", "Australian", "The West Australian", "Swiss Re"],
        "person": [
            "Paul Sagan",
            "Akamai Technologies",
            "BANK HEREBY SUBMITS",
            "LLP",
            "Nancy E. Funkhouser",
            "Italians",
        ],
        "location": ["Italian", "Italy", "Chinese"],
    }
    kept = without_artefacts(lists, {}, "news", frozenset(), ENTRY_CHECKS)
    assert kept == {
        "date": ["Q3 2024", "May 15"],
        "percent": ["1.8%", "25 basis points"],
        "org": ["2024", "The West Australian", "Swiss Re"],  # a nationality alone is no name
        "person": ["Paul Sagan", "Nancy E. Funkhouser"],
        "location": ["Italy"],
    }


def test_money_entries_come_out_mended_with_the_cut_amount_s_confidence() -> None:
    document = "Acme sold EUR 0.62 million of bonds; shares rose 1.8% on the day."
    written = {"org": ["Acme"], "person": [], "location": [], "ticker": [], "date": [], "percent": ["1.8%"]}
    money = [{"amount": "EUR 0.62 million", "currency": "EUR"}, {"amount": "1.8%", "currency": "1.8%"}]
    engine = ScriptedEngine(lambda prompt: json.dumps({**written, "money": money}))
    try:
        task = ExtractionTask(document, get_schema("entities"), options=ExtractOptions(min_confidence=0))
        result = Extractor(engine).extract(task)
    finally:
        engine.close()
    assert result.data["money"] == [{"amount": "0.62 million", "currency": "EUR"}]
    assert result.confidence["money[0].amount"] > 0
