"""Chunking and merging: windows cover the text, overlap, end at line breaks; merge rules per schema."""

import itertools

import pytest

from finx.config import ExtractionPolicy
from finx.extraction.chunking import chunk_document, merge_results
from finx.schemas import custom_schema, get_schema


class CharTokenizer:
    """One token per character: makes window arithmetic easy to check by hand."""

    def __call__(self, text, **kwargs):
        return {"offset_mapping": [(i, i + 1) for i in range(len(text))]}


def test_short_text_is_one_chunk():
    (chunk,) = chunk_document("short text", CharTokenizer(), max_tokens=20, overlap_tokens=4)
    assert (chunk.start, chunk.end, chunk.text) == (0, 10, "short text")


def test_chunks_cover_everything_overlap_and_end_at_line_breaks():
    text = "".join(f"line {i:02d}\n" for i in range(30))  # 30 lines of 8 characters
    chunks = chunk_document(text, CharTokenizer(), max_tokens=40, overlap_tokens=5)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for chunk in chunks:
        assert chunk.end - chunk.start <= 40
        assert chunk.text == text[chunk.start : chunk.end]
    for before, after in itertools.pairwise(chunks):
        assert before.text.endswith("\n")
        assert after.start == before.end - 5  # overlap of 5 tokens
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))


def test_window_without_line_break_is_cut_at_the_token_limit():
    chunks = chunk_document("x" * 100, CharTokenizer(), max_tokens=30, overlap_tokens=0)
    assert [(c.start, c.end) for c in chunks] == [(0, 30), (30, 60), (60, 90), (90, 100)]


def test_overlap_must_be_small():
    with pytest.raises(ValueError, match="overlap"):
        chunk_document("x" * 100, CharTokenizer(), max_tokens=10, overlap_tokens=5)


def test_merge_lists_dedupes_in_order_and_scalars_take_the_best_grounded():
    document = "Apple Inc. and Microsoft met. Total: RM 9.00. APPLE INC. again."
    schema = get_schema("receipt").json_schema
    merged = merge_results(
        schema,
        document,
        [
            {"company": "Aple Incorporated", "date": None, "address": None, "total": "RM 9.00"},
            {"company": "Apple Inc.", "date": None, "address": None, "total": "9.50"},
        ],
    )
    assert merged == {"company": "Apple Inc.", "date": None, "address": None, "total": "RM 9.00"}
    entities = get_schema("entities:ORG,PERSON").json_schema
    merged = merge_results(
        entities,
        document,
        [{"org": ["Apple Inc.", "Microsoft"], "person": []}, {"org": ["APPLE  INC.", "IBM"], "person": []}],
    )
    assert merged == {"org": ["Apple Inc.", "Microsoft", "IBM"], "person": []}


def test_merged_lists_stop_at_max_items():
    schema = custom_schema(
        {
            "type": "object",
            "properties": {"names": {"type": "array", "items": {"type": "string"}, "maxItems": 8}},
            "required": ["names"],
        }
    ).json_schema
    parts = [{"names": [f"P{i}", f"Q{i}"]} for i in range(6)]
    assert merge_results(schema, "", parts)["names"] == ["P0", "Q0", "P1", "Q1", "P2", "Q2", "P3", "Q3"]


def test_an_agreements_parties_are_those_of_the_first_chunk_that_names_any():
    schema = get_schema("nda").json_schema  # parties: x-finx-merge first
    empty = {"jurisdiction": None, "effective_date": None, "term": None}
    parts = [
        {"parties": [], **empty},  # a cover page
        {"parties": ["Acme Corp", "Beta LLC"], **empty},  # the preamble
        {"parties": ["John Smith", "Acme Corp"], **empty},  # the signature page
    ]
    assert merge_results(schema, "", parts)["parties"] == ["Acme Corp", "Beta LLC"]
    assert merge_results(schema, "", [{"parties": [], **empty}] * 2)["parties"] == []


def test_an_agreements_governing_law_is_the_state_its_clause_names_not_the_surer_one_of_the_preamble():
    schema = get_schema("nda").json_schema  # jurisdiction: x-finx-cue [govern, constru, ...]
    document = (
        "AGREEMENT between Acme Corp, a Delaware corporation, and John Smith. The Employee lives in Ohio.\n"
        + "Confidential Information shall be kept secret. " * 8
        + "\n17. Governing Law. This Agreement shall be governed in all respects by the laws of the State of\nMichigan."
    )
    empty = {"parties": [], "effective_date": None, "term": None}
    parts = [
        {**empty, "jurisdiction": "Delaware"},
        {**empty, "jurisdiction": None},
        {**empty, "jurisdiction": "michigan"},
    ]
    surer_first = [{"jurisdiction": 0.99}, {}, {"jurisdiction": 0.6}]
    assert merge_results(schema, document, parts, surer_first)["jurisdiction"] == "michigan"
    # where no candidate is written after its cue, the surer one stays
    parts = [{**empty, "jurisdiction": "Delaware"}, {**empty, "jurisdiction": "Ohio"}]
    assert (
        merge_results(schema, document, parts, [{"jurisdiction": 0.6}, {"jurisdiction": 0.9}])["jurisdiction"] == "Ohio"
    )


def test_list_only_schemas_are_read_in_short_windows_and_accept_the_same_document_length():
    policy = ExtractionPolicy(chunk_tokens=768, chunk_overlap_tokens=64, max_chunks=64, list_chunk_tokens=192)
    entities = get_schema("entities").json_schema
    window = policy.window(entities)
    assert (window.tokens, window.overlap_tokens, window.max_chunks) == (192, 32, 256)
    for name in ("receipt", "invoice", "nda"):
        window = policy.window(get_schema(name).json_schema)
        assert (window.tokens, window.overlap_tokens, window.max_chunks) == (768, 64, 64)


@pytest.mark.parametrize(
    ("confidences", "expected"),
    [
        pytest.param(None, "1 March 2020", id="no-confidences-earliest"),
        pytest.param([{"effective_date": 0.6}, {"effective_date": 0.6}], "1 March 2020", id="tie-earliest"),
        pytest.param([{"effective_date": 0.4}, {"effective_date": 0.9}], "5 May 2021", id="later-more-confident"),
        pytest.param([{"effective_date": 0.9}, {"effective_date": 0.4}], "1 March 2020", id="earlier-more-confident"),
    ],
)
def test_a_scalar_comes_from_the_earliest_chunk_unless_a_later_one_is_more_confident(confidences, expected):
    document = "Dated 1 March 2020. ... renewed on 5 May 2021."
    schema = get_schema("nda").json_schema
    parts = [
        {"parties": [], "jurisdiction": None, "effective_date": "1 March 2020", "term": None},
        {"parties": [], "jurisdiction": None, "effective_date": "5 May 2021", "term": None},
    ]
    assert merge_results(schema, document, parts, confidences)["effective_date"] == expected


def test_a_value_copied_across_a_line_break_is_as_well_grounded_as_one_on_one_line():
    document = (
        "MYDIN MART\n4-20, JALAN RIA 25/62\nSEKSYEN 25, 40400 SHAH ALAM\n...\nANY REQUEST FOR PRODUCTION OF FULL TAX"
    )
    schema = get_schema("receipt").json_schema
    address = "4-20, JALAN RIA 25/62 SEKSYEN 25, 40400 SHAH ALAM"
    parts = [
        {"company": None, "date": None, "address": address, "total": None},
        {"company": None, "date": None, "address": "ANY REQUEST FOR PRODUCTION OF FULL TAX", "total": None},
    ]
    assert merge_results(schema, document, parts, [{"address": 0.83}, {"address": 0.6}])["address"] == address
    assert merge_results(schema, document, parts, [{"address": 0.5}, {"address": 0.6}])["address"] != address
    lower = [{**parts[0], "address": address.lower()}, parts[1]]  # not as written: case changed
    assert merge_results(schema, document, lower, [{"address": 0.83}, {"address": 0.6}])["address"] != address.lower()


def test_a_badly_grounded_scalar_loses_even_when_confident():
    schema = get_schema("receipt").json_schema
    parts = [
        {"company": "Apple Inc.", "date": None, "address": None, "total": None},
        {"company": "Aple Incorporated", "date": None, "address": None, "total": None},
    ]
    merged = merge_results(schema, "Apple Inc.", parts, [{"company": 0.1}, {"company": 0.99}])
    assert merged["company"] == "Apple Inc."


def test_table_rows_read_twice_in_an_overlap_count_once_and_repeated_rows_stay():
    schema = get_schema("invoice").json_schema
    tea = {"description": "Tea", "quantity": "1", "unit_price": None, "amount": "5"}
    cake = {"description": "Cake", "quantity": "1", "unit_price": None, "amount": "6"}
    empty = dict.fromkeys(schema["properties"]) | {"line_items": []}
    parts = [empty | {"line_items": [tea, tea, cake]}, empty | {"line_items": [cake, tea]}]
    assert merge_results(schema, "", parts)["line_items"] == [tea, tea, cake]


def test_a_row_repeats_at_most_as_often_as_the_document_writes_it():
    schema = get_schema("invoice").json_schema
    document = "Tea 1 5.00\nCake 1 6.00\nTea 1 5.00\nTotal 16.00"
    tea = {"description": "Tea", "quantity": "1", "unit_price": None, "amount": "5.00"}
    cake = {"description": "Cake", "quantity": "1", "unit_price": None, "amount": "6.00"}
    unseen = {"description": "Scone", "quantity": "2", "unit_price": None, "amount": "3.50"}
    empty = dict.fromkeys(schema["properties"]) | {"line_items": []}
    looped = empty | {"line_items": [tea, cake, cake, cake, tea, tea, tea, unseen, unseen]}
    # tea is written twice, cake once; a row none of whose cells is written is not bounded by them
    assert merge_results(schema, document, [looped])["line_items"] == [tea, cake, tea, unseen, unseen]


def test_rows_that_read_one_printed_line_with_a_cell_apart_are_one_row_the_fullest():
    schema = get_schema("invoice").json_schema
    document = "TAIL STOMACH  1  64,000\nWHITE RICE  2  20,000\nWHITE RICE  2  20,000\nTotal  104,000"
    stomach = {"description": "TAIL STOMACH", "quantity": None, "unit_price": None, "amount": "64,000"}
    counted = stomach | {"quantity": "1"}
    twice = stomach | {"quantity": "2"}
    rice = {"description": "WHITE RICE", "quantity": "2", "unit_price": None, "amount": "20,000"}
    rice_alone = rice | {"quantity": None}
    empty = dict.fromkeys(schema["properties"]) | {"line_items": []}
    read = empty | {"line_items": [stomach, rice, counted, twice, rice_alone]}
    # the stomach is printed once: its fullest reading, the earliest of two; the rice twice: both kept
    assert merge_results(schema, document, [read])["line_items"] == [rice, counted, rice_alone]
