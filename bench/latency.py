"""Benchmark: where one request's time goes, part by part, on vLLM's CPU engine.

One receipt at a time (nothing else in the batch) on the weights finx serves (the current adapter
merged, dtype `auto`), through vLLM's offline `LLM`, each part switched on in turn:

1. prefill: the prompt's forward pass (one generated token);
2. decode: N forced tokens (`min_tokens`, no EOS), plain greedy sampling: forward + sampler per token;
3. + the chosen token's log-probability (what per-value confidence reads);
4. + the copy-grounding grammar (llguidance's mask per step), the answer finx would write;
5. + prompt-lookup speculation 4 (a second engine: drafts verified in one forward pass);
6. finx's own path on the same weights (`Extractor.extract`: prompt, chunking, grammar, confidence,
   grounding, validation), in process.

Prints milliseconds per part, per generated token where that is the unit, and each part's share of
finx's request. gRPC's share is `bench.serving`'s one-client p50 less row 6. Not a test.

Run (from the checkout root): .venv/bin/python -m bench.latency [--repeat 5]
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")

from bench.serving import (  # after the settings above: vLLM reads them when imported
    offline_llm,
    receipt_prompts,
    receipts,
)
from finx.adapters.merged import merged_model
from finx.adapters.registry import AdapterRegistry
from finx.config import EngineConfig, configured_model_dir
from finx.engines.constraints import copy_grammar
from finx.hardware import resolve_dtype
from finx.schemas import get_schema

FORCED_TOKENS = 64


def timed_each(call: Callable[[int], Any], count: int) -> list[tuple[float, Any]]:
    """(seconds, result) of `call(i)` for receipts 1..count, after a warm-up call on receipt 0."""
    call(0)
    measured = []
    for index in range(1, count + 1):
        started = time.perf_counter()
        result = call(index)
        measured.append((time.perf_counter() - started, result))
    return measured


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt
    from vllm.sampling_params import StructuredOutputsParams

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    adapter = AdapterRegistry().current_path()
    assert adapter is not None, "no current adapter"
    dtype = resolve_dtype("auto")
    model_dir = merged_model(configured_model_dir(), adapter, dtype)
    texts, _ = receipts(args.repeat + 1)
    spec = get_schema("receipt")
    grammars = [copy_grammar(spec.json_schema, text) for text in texts]

    llm = offline_llm(model_dir, dtype, 0, prefix_caching=False)
    prompts = [TokensPrompt(prompt_token_ids=ids) for ids in receipt_prompts(llm.get_tokenizer(), texts)]

    def generate(engine: Any, index: int, **settings: Any) -> Any:
        params = SamplingParams(temperature=0.0, **settings)
        return engine.generate([prompts[index]], params, use_tqdm=False)[0].outputs[0]

    def constrained(engine: Any, index: int) -> Any:
        grammar = StructuredOutputsParams(grammar=grammars[index])
        return generate(engine, index, max_tokens=256, logprobs=0, structured_outputs=grammar)

    forced = {"max_tokens": FORCED_TOKENS, "min_tokens": FORCED_TOKENS, "ignore_eos": True}
    count = args.repeat
    prefill = [t for t, _ in timed_each(lambda i: generate(llm, i, max_tokens=1), count)]
    decode = [t for t, _ in timed_each(lambda i: generate(llm, i, **forced), count)]
    logprobs = [t for t, _ in timed_each(lambda i: generate(llm, i, logprobs=0, **forced), count)]
    answers = timed_each(lambda i: constrained(llm, i), count)
    speculating = offline_llm(model_dir, dtype, 4, prefix_caching=False)
    drafted = timed_each(lambda i: constrained(speculating, i), count)

    from finx.adapters.resolve import ResolvedAdapter
    from finx.engines import create_engine
    from finx.extraction.extractor import ExtractionTask, Extractor
    from finx.extraction.options import ExtractOptions

    engine = create_engine(EngineConfig(speculative_tokens=4).merged(adapter))
    extractor = Extractor(engine)
    options = ExtractOptions(max_tokens=256)
    finx = timed_each(
        lambda i: extractor.extract(ExtractionTask(texts[i], spec, ResolvedAdapter.folder(adapter), options)), count
    )
    engine.close()

    per_token = [(d - p) / (FORCED_TOKENS - 1) for d, p in zip(decode, prefill, strict=True)]
    logprob = [(lp - d) / FORCED_TOKENS for lp, d in zip(logprobs, decode, strict=True)]
    lengths = [len(answer.token_ids) for _, answer in answers]
    mask = [
        (t - p - tok * (n - 1)) / n - lp
        for (t, _), p, tok, n, lp in zip(answers, prefill, per_token, lengths, logprob, strict=True)
    ]
    same = sum(list(a.token_ids) == list(b.token_ids) for (_, a), (_, b) in zip(answers, drafted, strict=True))
    finx_s = median([t for t, _ in finx])
    rows = [
        (
            "prefill (prompt forward)",
            median(prefill),
            f"{median([len(p['prompt_token_ids']) for p in prompts])} prompt tokens",
        ),
        ("decode, per token", median(per_token), "forward + greedy sampler"),
        ("log-probability, per token", median(logprob), ""),
        ("grammar mask, per token", median(mask), f"answers of {median(lengths)} tokens"),
        ("answer: grammar + log-probs", median([t for t, _ in answers]), "prefill included"),
        ("same, speculation 4", median([t for t, _ in drafted]), f"same answer {same} of {count}"),
        ("finx's path (+ speculation 4)", finx_s, f"statuses {sorted({r.status for _, r in finx})}"),
    ]
    print(f"one receipt at a time, dtype {dtype}, medians over {count} receipts (prefix cache off in raw vLLM)")
    for name, seconds, note in rows:
        print(f"{name:34} {seconds * 1000:>9.1f} ms  {note}")
    decode_share = median([tok * n for tok, n in zip(per_token, lengths, strict=True)]) / finx_s
    print(
        f"shares of finx's request: prefill {median(prefill) / finx_s:.0%}, plain decode {decode_share:.0%}, "
        f"grammar {median(mask) * median(lengths) / finx_s:.0%}, "
        f"finx beyond raw vLLM with speculation {(finx_s - rows[5][1]) / finx_s:.0%}"
    )


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # two offline engines are still up; their shutdown only prints vLLM's tracebacks
