"""Extraction with the real model on both engines: messy documents, adversarial input, truncation.

Every success must validate against its schema and trace its values to the source; every failure
must be a clear error or a result whose status says why there is no data.
"""

import asyncio
import json

import pytest

from finx.adapters.resolve import ResolvedAdapter
from finx.errors import AdapterNotFound, FinxError, InvalidDocument
from finx.extraction.chunk_mends import mend_money, mend_rows
from finx.extraction.chunking import merge_results
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult
from finx.extraction.skipped_rows import with_skipped_rows
from finx.schemas import custom_schema, get_schema
from finx.values.grounding import string_values
from finx.values.sources import copied_modes, normalise_values
from tests.support.corpus import load_corpus

pytestmark = pytest.mark.slow
CORPUS = {doc.id: doc for doc in load_corpus()}


def test_corpus_is_large_and_varied():
    assert len(CORPUS) >= 20
    assert {doc.schema.name for doc in CORPUS.values()} >= {"receipt", "invoice", "nda", "entities", "custom"}


def without_withheld(written: dict, paths: list[str]) -> dict:
    """`written` with the withheld values taken out: a list entry (`org[2]`) dropped, a scalar made
    null, a table row whose written cells are all listed (`line_items[1].amount`, ...: a row read
    from the wrong lines) dropped, a cell listed alone made null."""
    kept = {name: [dict(item) if isinstance(item, dict) else item for item in value] if isinstance(value, list)
            else value for name, value in written.items()}  # fmt: skip
    cells: dict[str, set[str]] = {}
    for path in paths:
        entry, _, cell = path.partition(".")
        cells.setdefault(entry, set()).update([cell] if cell else [])
    for entry in sorted(cells, key=lambda p: (p.split("[")[0], -int(p.split("[")[1].rstrip("]")) if "[" in p else 0)):
        name, _, index = entry.partition("[")
        if not index:
            kept[name] = None
            continue
        position = int(index.rstrip("]"))
        item = kept[name][position]
        written_cells = {key for key, value in item.items() if value is not None} if isinstance(item, dict) else set()
        if not cells[entry] or written_cells <= cells[entry]:
            del kept[name][position]
        else:
            kept[name][position] = {key: None if key in cells[entry] else value for key, value in item.items()}
    return kept


def check_result(doc, result: ExtractionResult) -> None:
    assert result.schema_name == doc.schema.name
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    assert result.timings.total_s >= result.timings.generate_s > 0
    if not result.ok:
        assert result.data is None and result.value is None and result.sources == []
        assert result.error, f"{doc.id}: a failed result must say why"
        assert result.truncated == (result.status == "truncated")
        return
    assert not result.truncated and result.error is None
    assert doc.schema.dump(doc.schema.model.model_validate(result.data)) == result.data
    answers = result.raw.split("\n")  # one compact JSON answer per chunk (entity lists: 192-token windows)
    for answer in answers:
        assert answer == json.dumps(json.loads(answer), ensure_ascii=False, separators=(",", ":")), "compact JSON"
    # the model writes values as the document does; money amounts lose their currency and rows are
    # mended (a description loses a count it took in); lists lose repeats; unsure entity-list entries
    # and misread rows are withheld (ExtractionPolicy.list_min_confidence, row_line_reach), rows the
    # model skipped are read in their layout; normalised fields become canonical
    parts = [json.loads(answer) for answer in answers]
    no_leaves = [({}, {}) for _ in parts]
    parts, _ = mend_money(doc.schema, parts, no_leaves)
    parts, _ = mend_rows(doc.schema, doc.text, parts, no_leaves)
    written = merge_results(doc.schema.json_schema, doc.text, parts)
    written = without_withheld(written, [source.path for source in result.withheld])
    written = with_skipped_rows(written, doc.schema.json_schema, doc.text)[0]
    assert normalise_values(doc.schema.json_schema, written, doc.text)[0] == result.data
    assert [(s.path, s.value) for s in result.sources] == list(string_values(written))
    if copied_modes(doc.schema.json_schema):  # copy-grounded: every copied value is text of the document
        assert {s.match for s in result.sources} <= {"exact", "whitespace"}, result.sources
    for source in result.sources:
        if source.match == "exact":
            assert doc.text[source.start : source.end] == source.value
        elif source.match == "not_found":
            assert source.start is None and source.end is None
        else:
            assert 0 <= source.start < source.end <= len(doc.text)


def test_every_corpus_outcome_is_valid_or_a_clear_failure(corpus_results):
    assert set(corpus_results) == set(CORPUS)
    for doc_id, outcome in corpus_results.items():
        if isinstance(outcome, FinxError):
            pytest.fail(f"{doc_id}: every corpus document fits the window, got {outcome}")
        check_result(CORPUS[doc_id], outcome)
    ok = [doc_id for doc_id, outcome in corpus_results.items() if outcome.ok]
    assert len(ok) >= len(corpus_results) // 2, f"too few valid results: {ok}"


def test_prompt_injection_still_yields_a_grounded_receipt(corpus_results):
    outcome = corpus_results["prompt_injection.txt"]
    assert isinstance(outcome, ExtractionResult) and outcome.status == "ok", outcome
    assert set(outcome.data) == {"company", "date", "address", "total"}
    for source in outcome.sources:  # no sonnet, no system prompt: only text of the document
        assert source.match in ("exact", "whitespace"), source


def test_adversarial_documents_fail_clearly_without_losing_the_rest(engine):
    spec = get_schema("receipt")
    tasks = [
        ExtractionTask("", spec),
        ExtractionTask(" \n ", spec),
        ExtractionTask("TOTAL RM 9.00 " * 75_000, spec),  # about 1 MB
        ExtractionTask("SHOP A\nTOTAL 1.00", spec, options=ExtractOptions(max_tokens=64)),
        ExtractionTask("\x01\x02\x03\x04\x05 total", spec),
    ]
    outcomes = Extractor(engine).extract_many(tasks)
    assert isinstance(outcomes[0], InvalidDocument) and "empty" in str(outcomes[0])
    assert isinstance(outcomes[1], InvalidDocument) and "empty" in str(outcomes[1])
    assert isinstance(outcomes[2], InvalidDocument) and "too long" in str(outcomes[2])
    assert isinstance(outcomes[3], ExtractionResult)
    assert isinstance(outcomes[4], InvalidDocument) and "binary" in str(outcomes[4])


def test_a_long_document_is_extracted_in_chunks_and_merged(engine):
    filler = "\n".join(f"Line {i}: transfer reference {i * 7919} settled." for i in range(400))
    document = f"Vodafone Group Plc agreed terms with Barclays.\n{filler}\nDeutsche Bank AG will advise.\n"
    result = Extractor(engine).extract(
        ExtractionTask(document, get_schema("entities:ORG"), options=ExtractOptions(max_tokens=48))
    )
    assert result.chunks >= 4
    assert result.prompt_tokens > result.chunks * 100
    if result.data is not None:
        get_schema("entities:ORG").model.model_validate(result.data)
        for source in result.sources:
            if source.match == "exact":
                assert document[source.start : source.end] == source.value
    else:
        assert result.status in ("truncated", "invalid") and result.error


def test_token_limit_gives_truncated_never_partial_json(engine):
    doc = CORPUS["invoice_flattened_table.txt"]
    result = Extractor(engine).extract(ExtractionTask(doc.text, doc.schema, options=ExtractOptions(max_tokens=6)))
    assert result.status == "truncated" and result.truncated
    assert result.data is None and result.value is None
    assert "token limit (6)" in result.error
    assert result.completion_tokens == 6
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.raw)


def test_bad_max_tokens_and_missing_adapter_are_clear_errors(engine, tmp_path):
    extractor = Extractor(engine)
    with pytest.raises(FinxError, match="max_tokens must be between 1 and"):
        extractor.extract(ExtractionTask("TOTAL 1.00", get_schema("receipt"), options=ExtractOptions(max_tokens=10**6)))
    with pytest.raises(AdapterNotFound, match="no LoRA adapter at"):  # checked once, where it is named
        ResolvedAdapter.folder(tmp_path)


def test_async_extraction_matches_the_batch_path(engine, corpus_results):
    doc = CORPUS["receipt_uk_card.txt"]
    task = ExtractionTask(doc.text, doc.schema, options=ExtractOptions(max_tokens=160))
    result = asyncio.run(Extractor(engine).aextract(task))
    assert result.raw == corpus_results[doc.id].raw


def test_confidence_is_taken_after_the_constraint(engine):
    """A value the schema allows only one way (a one-value enum) is certain under the grammar: its
    confidence is 1, which raw (unmasked) model probabilities would not give."""
    schema = custom_schema({
        "type": "object",
        "properties": {"kind": {"enum": ["remittance advice"]}, "total": {"type": ["string", "null"], "maxLength": 12}},
        "required": ["kind", "total"],
    })  # fmt: skip
    result = Extractor(engine).extract(
        ExtractionTask("Payment of 9.00 sent.", schema, options=ExtractOptions(max_tokens=40))
    )
    assert result.ok, result.error
    assert result.data["kind"] == "remittance advice"
    assert result.confidence["kind"] > 0.999
    assert 0.0 < result.confidence["total"] <= 1.0
