"""An agreement's term and parties against its text: a term left null is the one period the
agreement states on lasting (not a covenant's, nor days), or after a form's label; a party the
opening names with its short name is added, and a party the model wrote twice in two forms is one."""

import json

from finx.extraction.extractor import ExtractionTask, Extractor
from finx.schemas import get_schema
from tests.support.scripted_engine import ScriptedEngine


def extract_nda(document: str, written: dict[str, object]) -> dict[str, object]:
    engine = ScriptedEngine(lambda prompt: json.dumps(written))
    try:
        return Extractor(engine).extract(ExtractionTask(document, get_schema("nda"))).data
    finally:
        engine.close()


def test_a_term_left_null_is_the_one_period_the_agreement_states_on_lasting() -> None:
    document = (
        "MUTUAL NONDISCLOSURE AGREEMENT\nThis Agreement is made on March 3, 2021 between Alder Labs Inc. and "
        "Birch Freight LLC. For one (1) year after the termination of employment, Employee shall not solicit "
        "any customer. This agreement terminates eighteen (18) months from the date first written above.\n"
        "Either party may terminate this Agreement upon thirty (30) days written notice."
    )
    written = {"parties": ["Alder Labs Inc.", "Birch Freight LLC"], "jurisdiction": None, "effective_date": None}
    assert extract_nda(document, {**written, "term": None})["term"] == "18 months"  # not the covenant's, nor days
    assert extract_nda(document, {**written, "term": "thirty (30) days"})["term"] == "30 days"  # the model's stays
    covenant_only = document.replace("This agreement terminates eighteen (18) months", "It was signed")
    assert extract_nda(covenant_only, {**written, "term": None})["term"] is None
    two = document.replace("written notice.", "written notice. Its obligations survive for two (2) years.")
    assert extract_nda(two, {**written, "term": None})["term"] is None  # two lengths: which is it?


def test_a_party_the_opening_names_with_its_short_name_is_added_after_the_model_s() -> None:
    document = (
        "CONFIDENTIALITY AGREEMENT\nThis Agreement is made on April 2, 2019, by and between Quarry Ridge Mining "
        'Corporation, a Nevada corporation (the "Company"), and Teresa Valdez (the "Employee"), a resident of '
        "The Netherlands (“Home State”).\nSigned: Mark Olsen, Chief Executive Officer"
    )
    written = {"jurisdiction": None, "effective_date": None, "term": None}
    assert extract_nda(document, {**written, "parties": ["Quarry Ridge Mining Corporation"]})["parties"] == [
        "Quarry Ridge Mining Corporation",
        "Teresa Valdez",
    ]
    both = ["TERESA VALDEZ", "Quarry Ridge Mining Corporation"]  # named already, in other case
    assert extract_nda(document, {**written, "parties": both})["parties"] == both
    eight = [f"Holder {number} LLC" for number in range(8)]  # the schema allows eight
    assert extract_nda(document, {**written, "parties": eight})["parties"] == eight


def test_an_agreement_s_party_written_twice_in_two_forms_is_one_party() -> None:
    document = (
        "Ardent Equity Fund III, L.P. (“you”) has requested information concerning Kestrel Semiconductor "
        "Corporation (the “Company”).\nAGREED: ARDENT EQUITY FUND III, L.P.\nBy: /s/ Victor Ramos"
    )
    written = {"jurisdiction": None, "effective_date": None, "term": None}
    parties = ["Ardent Equity Fund III, L.P.", "Kestrel Semiconductor Corporation", "ARDENT EQUITY FUND III, L"]
    assert extract_nda(document, {**written, "parties": parties})["parties"] == [
        "Ardent Equity Fund III LP",
        "Kestrel Semiconductor Corporation",
    ]


def test_a_term_after_a_form_s_label_is_the_agreement_s() -> None:
    document = (
        "ONE-WAY NONDISCLOSURE AGREEMENT\nDisclosing Party:  Oakridge Bank, N.A.\nRecipient:  Summit Data "
        "Services Inc.\nTerm:  3 years from the Effective Date\nGoverning Law:  Ohio\n"
        "1. The Recipient will return all Confidential Information within 30 days of a request."
    )
    written = {"parties": ["Oakridge Bank, N.A.", "Summit Data Services Inc."], "jurisdiction": "Ohio"}
    assert extract_nda(document, {**written, "effective_date": None, "term": None})["term"] == "3 years"
    unlabelled = document.replace("Term:  3 years", "Renewal:  3 years")
    assert extract_nda(unlabelled, {**written, "effective_date": None, "term": None})["term"] is None
