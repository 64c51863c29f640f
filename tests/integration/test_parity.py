"""Engine parity: greedy output of vLLM and transformers is the same, with and without a LoRA
adapter, and so are the per-value confidences (the probabilities under the constraint)."""

import pytest

from finx.adapters.resolve import ResolvedAdapter
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from tests.support.corpus import load_corpus, run_corpus

pytestmark = pytest.mark.slow


def test_engines_give_the_same_greedy_output_on_the_corpus(vllm_engine, transformers_engine):
    vllm_run, transformers_run = run_corpus(vllm_engine), run_corpus(transformers_engine)
    assert len(vllm_run) >= 20
    differing = [doc_id for doc_id in vllm_run if vllm_run[doc_id].raw != transformers_run[doc_id].raw]
    assert not differing, f"engines disagree on {differing}"


def test_engines_give_the_same_confidence_for_every_value(vllm_engine, transformers_engine):
    vllm_run, transformers_run = run_corpus(vllm_engine), run_corpus(transformers_engine)
    compared = 0
    for doc_id, result in vllm_run.items():
        other = transformers_run[doc_id]
        if isinstance(result, Exception) or result.data is None:
            continue
        assert result.confidence.keys() == other.confidence.keys(), doc_id
        for path, confidence in result.confidence.items():
            assert 0.0 < confidence <= 1.0
            assert abs(confidence - other.confidence[path]) < 0.02, (doc_id, path, confidence, other.confidence[path])
            compared += 1
        assert [source.confidence for source in result.sources] == [result.confidence[s.path] for s in result.sources]
    assert compared >= 40  # the corpus answers hold 47 leaf values at 160 tokens


def test_per_request_lora_adapter_matches_across_engines_and_changes_output(
    vllm_engine, transformers_engine, random_lora
):
    docs = [doc for doc in load_corpus() if doc.id in ("receipt_uk_card.txt", "news_merger.txt")]
    outputs = {}
    for engine in (vllm_engine, transformers_engine):
        tasks = [ExtractionTask(doc.text, doc.schema, options=ExtractOptions(max_tokens=48)) for doc in docs]
        tasks += [
            ExtractionTask(
                doc.text, doc.schema, options=ExtractOptions(max_tokens=48), adapter=ResolvedAdapter.folder(random_lora)
            )
            for doc in docs
        ]
        results = Extractor(engine).extract_many(tasks)  # base and adapter requests mixed in one batch
        outputs[engine.name] = [result.raw for result in results]
        adapter_results = results[len(docs) :]
        assert all(result.adapter == str(random_lora) for result in adapter_results)
        assert all(result.adapter == "base" for result in results[: len(docs)])
    assert outputs["vllm"] == outputs["transformers"]
    base, adapted = outputs["vllm"][: len(docs)], outputs["vllm"][len(docs) :]
    assert base != adapted, "the adapter must change the output"
