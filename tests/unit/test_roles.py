"""A value written in its field's role or in another's (`x-finx-other-roles`): the clause around each
place, the merge of chunk answers, the answer's withheld value, and the training labels."""

import json

from finx.extraction.chunking import merge_results
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.roles import clause_around, only_in_other_roles
from finx.schemas import get_schema
from finx.training.sft_data import chunk_target
from tests.support.scripted_engine import ScriptedEngine

NDA = get_schema("nda")
COVENANTS = ["employ", "solicit", "compet", "hire", "standstill"]
EMPLOYEE_NDA = (
    "CONFIDENTIALITY AGREEMENT between Acme Corp and Jane Roe (the Employee).\n"
    "3. Non-Solicitation. Employee agrees that for a period of two (2) years following the termination of\n"
    "Employee's employment, Employee shall not solicit any customer of the Company.\n"
    "4. Governing Law. This Agreement is governed by the laws of the State of Ohio.\n"
)
TERM_CLAUSE = "6. Term. This Agreement shall remain in full force and effect for a period of two (2) years.\n"


def test_a_clause_runs_from_the_full_stop_or_semicolon_before_a_value_to_the_one_after_it() -> None:
    document = "Section 6. Standstill. For a period of 15 months; the Buyer shall not. Other text follows."
    start = document.index("15 months")
    assert clause_around(document, start, start + len("15 months")) == " For a period of 15 months"
    long = "x" * 500 + " 2 years " + "y" * 500
    start = long.index("2 years")
    assert clause_around(long, start, start + 7) == long[start - 200 : start + 7 + 120]


def test_a_period_written_only_in_covenants_clauses_is_in_other_roles() -> None:
    assert only_in_other_roles("two (2) years", COVENANTS, EMPLOYEE_NDA)
    assert only_in_other_roles("TWO (2)  YEARS", COVENANTS, EMPLOYEE_NDA)  # case and spacing ignored
    # written once more in a clause on the agreement's own duration: that place is in its role
    assert not only_in_other_roles("two (2) years", COVENANTS, EMPLOYEE_NDA + TERM_CLAUSE)
    assert not only_in_other_roles("three years", COVENANTS, EMPLOYEE_NDA)  # not written: nothing to judge by
    assert not only_in_other_roles(None, COVENANTS, EMPLOYEE_NDA)


def test_of_the_chunks_candidates_a_covenants_period_loses_to_the_agreements_term_however_sure() -> None:
    three_years = TERM_CLAUSE.replace("two (2)", "three (3)")
    document = EMPLOYEE_NDA + "The Company's information stays secret. " * 6 + "\n" + three_years
    empty = {"parties": [], "jurisdiction": None, "effective_date": None}
    parts = [{**empty, "term": "two (2) years"}, {**empty, "term": "three (3) years"}]
    merged = merge_results(NDA.json_schema, document, parts, [{"term": 0.99}, {"term": 0.4}])
    assert merged["term"] == "three (3) years"


def extract_nda(document: str, written: dict[str, object]) -> tuple[dict, list[tuple[str, str | None, str | None]]]:
    engine = ScriptedEngine(lambda prompt: json.dumps(written))
    try:
        result = Extractor(engine).extract(ExtractionTask(document, NDA, options=ExtractOptions(min_confidence=0)))
    finally:
        engine.close()
    assert result.status == "ok", result.error
    return result.data, [(source.path, source.value, source.reason) for source in result.withheld]


def test_the_extractor_withholds_a_term_the_agreement_writes_only_as_a_covenants_period() -> None:
    answer = {"parties": ["Acme Corp"], "jurisdiction": "Ohio", "effective_date": None, "term": "two (2) years"}
    data, withheld = extract_nda(EMPLOYEE_NDA, answer)
    assert (data["term"], data["jurisdiction"]) == (None, "Ohio")
    assert withheld == [("term", "two (2) years", "other_role")]
    data, withheld = extract_nda(EMPLOYEE_NDA + TERM_CLAUSE, answer)
    assert (data["term"], withheld) == ("2 years", [])


def test_training_labels_teach_null_for_a_term_the_chunk_writes_only_as_a_covenants_period() -> None:
    target = {"parties": ["Acme Corp"], "jurisdiction": "Ohio", "effective_date": None, "term": "2 years"}
    assert chunk_target(NDA.json_schema, target, EMPLOYEE_NDA)["term"] is None
    assert chunk_target(NDA.json_schema, target, EMPLOYEE_NDA + TERM_CLAUSE)["term"] == "2 years"
