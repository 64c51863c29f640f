"""Chunking and merging: windows cover the text, overlap, end at line breaks; merge rules per schema."""

import itertools

import pytest

from service.chunking import chunk_document, merge_results
from service.schemas import get_schema


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
    schema = get_schema("nda").json_schema  # parties: maxItems 8
    parts = [
        {"parties": [f"P{i}", f"Q{i}"], "jurisdiction": None, "effective_date": None, "term": None} for i in range(6)
    ]
    assert len(merge_results(schema, "", parts)["parties"]) == 8
