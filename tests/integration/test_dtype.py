"""bfloat16 serving: what `--dtype auto` picks on a CPU with bf16 units. Both engines run it, the
answers stay valid and close to float32's, and the two engines agree with each other within
stated tolerances (bf16 kernels round differently, so exact greedy parity is float32's test)."""

import statistics

import pytest

from finx.engines import create_engine
from finx.hardware import cpu_has_fast_bfloat16
from tests.support.corpus import load_corpus, require_model, run_corpus, suite_engine_config

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not cpu_has_fast_bfloat16(),
        reason="this CPU has no bf16 units: `auto` is float32 here, bf16 would be ~5x slower",
    ),
]
SAME_ANSWER_SHARE = 0.4
"""Share of corpus documents whose bf16 answer must equal the other run's, token for token (the
untrained base model, whose answers are near ties, matched float32 on 60% of the corpus on an Intel
Xeon with AMX, on 48% on an AMD EPYC with avx512_bf16 and no AMX: other bf16 kernels, other
roundings; measured in session 28 with that session's code and the one before it alike). A bf16
path computing something else would match on next to none."""
CONFIDENCE_TOLERANCE = 0.1
"""Largest difference of a value's confidence between the bf16 engines, where their answers agree,
for `WITHIN_TOLERANCE_SHARE` of the values: a near tie of the untrained model moves more (in
session 27 two values of the prompt-injection receipt, 0.19 and 0.12, of 36 compared; the next
0.05)."""
WITHIN_TOLERANCE_SHARE = 0.9
MEDIAN_TOLERANCE = 0.03
"""Largest median difference: where the engines computed confidences differently, every value
would move (measured in session 27: 0.012)."""


@pytest.fixture(scope="module")
def bf16_runs():
    require_model()
    runs = {}
    for name in ("vllm", "transformers"):
        engine = create_engine(suite_engine_config(engine=name, dtype="auto"))
        try:
            assert engine.dtype == "bfloat16"
            runs[name] = run_corpus(engine)
        finally:
            engine.close()
    return runs


def same_share(first, second) -> float:
    same = [doc for doc in first if not isinstance(first[doc], Exception) and first[doc].raw == second[doc].raw]
    return len(same) / len(first)


def test_bf16_answers_are_valid_and_say_their_dtype(bf16_runs, vllm_engine):
    float32_ok = sum(getattr(result, "ok", False) for result in run_corpus(vllm_engine).values())
    for run in bf16_runs.values():
        assert len(run) == len(load_corpus())
        results = [result for result in run.values() if not isinstance(result, Exception)]
        assert all(result.dtype == "bfloat16" for result in results)
        assert sum(result.ok for result in results) >= float32_ok - 0.2 * len(run)  # near ties of an untrained model


def test_bf16_stays_close_to_float32_and_the_engines_to_each_other(bf16_runs, vllm_engine):
    assert same_share(bf16_runs["vllm"], run_corpus(vllm_engine)) >= SAME_ANSWER_SHARE
    assert same_share(bf16_runs["vllm"], bf16_runs["transformers"]) >= SAME_ANSWER_SHARE


def test_bf16_engines_give_close_confidences_where_they_agree(bf16_runs):
    differences = []
    for doc_id, result in bf16_runs["vllm"].items():
        other = bf16_runs["transformers"][doc_id]
        if isinstance(result, Exception) or isinstance(other, Exception) or result.raw != other.raw:
            continue
        differences += [
            (abs(confidence - other.confidence[path]), doc_id, path) for path, confidence in result.confidence.items()
        ]
    assert len(differences) >= 20
    beyond = [difference for difference in differences if difference[0] >= CONFIDENCE_TOLERANCE]
    assert len(beyond) <= (1 - WITHIN_TOLERANCE_SHARE) * len(differences), beyond
    assert statistics.median(difference for difference, _, _ in differences) < MEDIAN_TOLERANCE
