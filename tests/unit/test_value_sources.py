"""Value sources: written values made canonical after generation, labels made written for training."""

import pytest

from finx.schemas import custom_schema, get_schema
from finx.values.sources import copied_modes, normalise_values, starts_inside_initials, string_mode, written_form

NDA_TEXT = "Agreement made April 18 , 2001 between NIKE, Inc. and\nEric  Sprunk, for two (2) years, under Oregon law."


def test_modes_of_the_builtins_and_of_custom_schemas() -> None:
    assert copied_modes(get_schema("receipt").json_schema) == {"copy", "number"}
    assert copied_modes(get_schema("nda").json_schema) == {"copy", "date", "duration", "name"}
    custom = custom_schema({"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]})
    assert copied_modes(custom.json_schema) == set()
    assert string_mode(custom.json_schema["properties"]["x"]) == "free"


def test_written_values_become_canonical_and_the_changes_are_reported() -> None:
    written = {
        "parties": ["NIKE, Inc.", "Eric Sprunk"],
        "jurisdiction": "Oregon",
        "effective_date": "April 18 , 2001",
        "term": "for ever",
    }
    data, changed = normalise_values(get_schema("nda").json_schema, written)
    assert data == {
        "parties": ["NIKE Inc.", "Eric Sprunk"],
        "jurisdiction": "Oregon",
        "effective_date": "2001-04-18",
        "term": None,
    }
    assert changed == {"parties[0]": "NIKE Inc.", "effective_date": "2001-04-18", "term": None}


def test_a_figure_is_kept_as_written_where_it_reads_as_one_number_and_is_null_where_not() -> None:
    written = {"company": "KEDAI", "date": None, "address": None, "total": "RM9.00"}
    assert normalise_values(get_schema("receipt").json_schema, written) == (written, {})
    data, changed = normalise_values(get_schema("receipt").json_schema, {**written, "total": "RM 9.00"})
    assert (data["total"], changed) == ("9.00", {"total": "9.00"})  # a currency mark printed apart
    data, changed = normalise_values(get_schema("receipt").json_schema, {**written, "total": "TOTAL 9.00"})
    assert (data["total"], changed) == (None, {"total": None})


def test_a_copy_keeps_no_space_of_a_whitespace_run_at_its_ends() -> None:
    written = {"company": " KEDAI MAJU", "date": None, "address": "NO 8, JALAN MAWAR ", "total": " 9.00"}
    data, changed = normalise_values(get_schema("receipt").json_schema, written)
    assert data == {"company": "KEDAI MAJU", "date": None, "address": "NO 8, JALAN MAWAR", "total": "9.00"}
    assert changed == {"company": "KEDAI MAJU", "address": "NO 8, JALAN MAWAR", "total": "9.00"}


def test_labels_are_written_as_the_document_writes_them() -> None:
    label = {
        "parties": ["Nike Inc.", "Eric Sprunk"],
        "jurisdiction": "Oregon",
        "effective_date": "2001-04-18",
        "term": "2 years",
    }
    written = written_form(get_schema("nda").json_schema, label, NDA_TEXT)
    assert written == {
        "parties": ["NIKE, Inc.", "Eric Sprunk"],
        "jurisdiction": "Oregon",
        "effective_date": "April 18 , 2001",
        "term": "two (2) years",
    }
    assert normalise_values(get_schema("nda").json_schema, written)[0]["effective_date"] == label["effective_date"]


@pytest.mark.parametrize(
    ("text", "start", "inside"),
    [
        ("Exhibit (d)(2)\nP.F. CHANG’S CHINA BISTRO", 16, True),  # `.F.`: the initial `P` left out
        ("between L. B . FOSTER COMPANY", 9, True),
        ("between P.F. CHANG’S", 8, False),  # starts at the initial itself
        ("the Inc. Board", 7, False),  # a period after a word, not an initial
    ],
)
def test_a_fuzzy_span_that_starts_at_an_initial_s_period_takes_the_initial(text: str, start: int, inside: bool) -> None:
    assert starts_inside_initials(text, start) is inside


def test_labels_not_in_the_document_stay_as_labeled() -> None:
    label = {"company": "Unknown Shop", "date": None, "address": "NO 5 JALAN\nBESAR", "total": "9.00"}
    written = written_form(get_schema("receipt").json_schema, label, "NO 5 JALAN BESAR\nTOTAL RM9.00")
    assert written == {"company": "Unknown Shop", "date": None, "address": "NO 5 JALAN BESAR", "total": "9.00"}
