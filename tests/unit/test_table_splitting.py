"""Tables longer than one answer (`extraction.splitting`): an answer's lists are bounded, a chunk
whose answer fills one is read again in halves, and the halves' rows come back whole, in order and
with their repeats, on the scripted engine (one token per character, no model)."""

import asyncio
import json
import re

import pytest

from finx.config import ExtractionPolicy
from finx.extraction.chunking import Chunk, merge_results
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.splitting import answer_schema, fills_a_list, split_chunk
from finx.schemas import get_schema
from finx.schemas.compile import compile_schema
from tests.support.scripted_engine import ScriptedEngine

ROW_LINE = re.compile(r"^(\d+) (.+?)  ([\d.,]+)$", re.MULTILINE)
HEADER = {
    "vendor": None, "customer": None, "invoice_number": None, "invoice_date": None, "due_date": None,
    "currency": None, "subtotal": None, "tax": None,
}  # fmt: skip


def rows_of(count: int) -> list[str]:
    """`count` printed rows; rows 3 and 9 repeat row 2 (two identical lines on one receipt)."""
    names = [f"ITEM {n:02d}" for n in range(count)]
    names[3] = names[9 % count] = names[2]
    return [f"1 {name}  {10 + n}.00" if name != names[2] else f"1 {name}  12.00" for n, name in enumerate(names)]


def reader(bound: int):
    """A scripted model that reads every row of its window, but writes at most `bound` of them
    (as the grammar bounds an answer), and the total where its window shows it."""

    def script(prompt: str) -> str:
        window = prompt.rsplit("Document:\n", 1)[-1]
        rows = [
            {"description": name, "quantity": quantity, "unit_price": None, "amount": amount}
            for quantity, name, amount in ROW_LINE.findall(window)
        ]
        total = re.search(r"TOTAL  ([\d.]+)", window)
        answer = {**HEADER, "total": total.group(1) if total else None, "line_items": rows[:bound]}
        return json.dumps({**answer, "iban": None, "account_number": None}, separators=(",", ":"))

    return script


def extract(document: str, policy: ExtractionPolicy, asynchronous: bool = False):
    engine = ScriptedEngine(reader(policy.rows_per_answer))
    try:
        extractor = Extractor(engine, policy=policy)
        task = ExtractionTask(document, get_schema("invoice"))
        result = asyncio.run(extractor.aextract(task)) if asynchronous else extractor.extract(task)
        return result, len(engine.requests)
    finally:
        engine.close()


@pytest.mark.parametrize("asynchronous", [False, True], ids=["extract", "aextract"])
def test_a_table_longer_than_one_answer_comes_out_whole_in_order_with_its_repeats(asynchronous: bool) -> None:
    printed = rows_of(23)
    document = "\n".join(["CORNER CAFE", *printed, "TOTAL  999.00"]) + "\n"
    result, requests = extract(document, ExtractionPolicy(rows_per_answer=6), asynchronous)
    assert result.status == "ok"
    assert [f"1 {item['description']}  {item['amount']}" for item in result.data["line_items"]] == printed
    assert result.data["total"] == "999.00"
    # read whole (1), its halves full again (2), their halves (4: table_splits=2 stops there), four pieces answering
    assert (requests, result.chunks) == (1 + 2 + 4, 4)
    # each row is located on its own printed line
    lines = {source.path: document[source.start : source.end] for source in result.sources}
    assert lines["line_items[22].description"] == "ITEM 22"


def test_a_table_that_fits_one_answer_is_read_once() -> None:
    document = "\n".join(["CORNER CAFE", *rows_of(5), "TOTAL  60.00"]) + "\n"
    result, requests = extract(document, ExtractionPolicy(rows_per_answer=6))
    assert requests == 1 and len(result.data["line_items"]) == 5


def test_halving_stops_after_table_splits_and_keeps_what_was_read() -> None:
    document = "\n".join(rows_of(40)) + "\n"
    result, requests = extract(document, ExtractionPolicy(rows_per_answer=3, table_splits=2))
    assert requests == 1 + 2 + 4  # the chunk, its halves, their halves; no further
    # four pieces wrote three rows each; the rows none wrote are read in their layout (`skipped_rows`)
    assert result.status == "ok"
    assert [f"1 {item['description']}  {item['amount']}" for item in result.data["line_items"]] == rows_of(40)
    assert "line_items[0].description" in result.confidence  # written by the model
    assert all(f"line_items[{index}].description" not in result.confidence for index in (4, 5, 6))  # not


def test_a_model_looping_on_one_row_is_not_read_again() -> None:
    document = "\n".join(rows_of(12)) + "\n"
    engine = ScriptedEngine(lambda prompt: json.dumps({**HEADER, "total": None, "line_items": [
        {"description": "ITEM 00", "quantity": "1", "unit_price": None, "amount": "10.00"}] * 6, "iban": None, "account_number": None}))  # fmt: skip
    try:
        result = Extractor(engine, policy=ExtractionPolicy(rows_per_answer=6)).extract(
            ExtractionTask(document, get_schema("invoice"))
        )
    finally:
        engine.close()
    # not split and read again (the rows are not distinct), and the row kept once: the document writes it
    # once; the rows under it are read in its layout (`skipped_rows`)
    assert len(engine.requests) == 1
    assert [f"1 {item['description']}  {item['amount']}" for item in result.data["line_items"]] == rows_of(12)


def test_the_answer_schema_bounds_tables_and_keeps_lower_bounds_and_other_lists() -> None:
    row = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    schema = compile_schema(
        {
            "type": "object",
            "properties": {
                "rows": {"type": "array", "items": row, "maxItems": 100},
                "few_rows": {"type": "array", "items": row, "maxItems": 3},
                "names": {"type": "array", "items": {"type": "string"}, "maxItems": 100},
                "total": {"type": "string"},
            },
            "required": ["rows", "few_rows", "names", "total"],
        }
    )
    bounded = answer_schema(schema, 20)
    assert bounded["properties"]["rows"]["maxItems"] == 20
    for kept in ("few_rows", "names", "total"):
        assert bounded["properties"][kept] == schema["properties"][kept]
    assert schema["properties"]["rows"]["maxItems"] == 100  # the document's schema is untouched
    assert answer_schema(bounded, 20) is bounded


@pytest.mark.parametrize(
    ("answer", "document_bound", "full"),
    [
        pytest.param('{"rows":["a","b"]}', 10, True, id="full-and-the-document-takes-more"),
        pytest.param('{"rows":["a"]}', 10, False, id="room-left"),
        pytest.param('{"rows":["a","b"]}', 2, False, id="the-document-takes-no-more"),
        pytest.param('{"rows":["a","b"', 10, False, id="not-json"),
        pytest.param("[1, 2]", 10, False, id="not-an-object"),
        pytest.param('{"rows":["a","a"]}', 10, False, id="a-loop-not-a-table"),
    ],
)
def test_an_answer_fills_a_list_only_where_the_document_could_hold_more(answer, document_bound, full) -> None:
    document = {"properties": {"rows": {"type": "array", "maxItems": document_bound}}}
    bounded = {"properties": {"rows": {"type": "array", "maxItems": min(2, document_bound)}}}
    assert fills_a_list(answer, bounded, document) is full


def test_a_chunk_is_halved_at_the_line_break_nearest_its_middle() -> None:
    document = "HEAD\n" + "".join(f"row {n}\n" for n in range(9))
    chunk = Chunk(3, 5, len(document), document[5:])
    first, second = split_chunk(chunk)
    assert first.text + second.text == chunk.text and first.text.endswith("\n")
    assert (first.start, first.end, second.start, second.end) == (5, first.end, first.end, len(document))
    assert document[first.start : first.end] == first.text and document[second.start : second.end] == second.text
    assert abs(len(first.text) - len(second.text)) <= len("row 0\n")
    assert first.index == second.index == 3


@pytest.mark.parametrize("text", ["short\ntext", "x" * 80, "\n" * 60], ids=["short", "nowhere-to-cut", "blank"])
def test_a_chunk_too_short_or_without_a_cut_is_not_halved(text: str) -> None:
    assert split_chunk(Chunk(0, 0, len(text), text)) is None


def test_halves_join_their_rows_as_they_come_while_overlapping_chunks_count_a_row_once() -> None:
    row_schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    schema = compile_schema(
        {"type": "object", "properties": {"rows": {"type": "array", "items": row_schema}}, "required": ["rows"]}
    )
    row = {"a": "KOPI"}
    parts = [{"rows": [row]}, {"rows": [row]}, {"rows": [row]}]
    assert merge_results(schema, "", parts, groups=[0, 0, 1])["rows"] == [row, row]  # halves of chunk 0, then chunk 1
    assert merge_results(schema, "", parts)["rows"] == [row]
