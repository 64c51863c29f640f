"""Benchmark: what constrained decoding costs on vLLM, and schema compile time first vs cached.

Run (from the checkout root): .venv/bin/python -m bench.constraints [--docs 16] [--max-tokens 96] [--backend guidance]
Same prompts (finx's prompt builder over the test corpus), same greedy settings, the base model:
once with the JSON Schema constraint, once without. Then, per built-in schema, one 1-token
request with a schema the engine has not seen (compile) and the same request again (cached).
Prints numbers; not a test.
"""

import argparse
import os
import time

from finx.config import configured_model_dir
from finx.extraction.prompt import build_messages, prompt_token_ids
from finx.schemas import get_schema
from tests.support.corpus import load_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--backend", default="guidance", choices=["guidance", "xgrammar", "outlines"])
    args = parser.parse_args()
    os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    from transformers import AutoTokenizer
    from vllm import LLM, SamplingParams
    from vllm.inputs import TokensPrompt
    from vllm.sampling_params import StructuredOutputsParams

    model_dir = configured_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    docs = [doc for doc in load_corpus() if doc.schema.name != "custom"][: args.docs]
    prompts = [
        TokensPrompt(prompt_token_ids=prompt_token_ids(tokenizer, build_messages(d.schema, d.text))) for d in docs
    ]
    llm = LLM(
        model=str(model_dir), dtype="float32", enforce_eager=True, max_model_len=4096, kv_cache_memory_bytes=1 << 30,
        structured_outputs_config={"backend": args.backend, "disable_any_whitespace": args.backend != "outlines"},
        seed=0,
    )  # fmt: skip

    def run(constrained: bool) -> tuple[float, int]:
        params = [
            SamplingParams(
                temperature=0.0,
                max_tokens=args.max_tokens,
                structured_outputs=StructuredOutputsParams(json=d.schema.json_schema) if constrained else None,
            )
            for d in docs
        ]
        started = time.perf_counter()
        outputs = llm.generate(prompts, params, use_tqdm=False)
        return time.perf_counter() - started, sum(len(output.outputs[0].token_ids) for output in outputs)

    run(True)  # warm-up: compiles the schemas used below
    free_s, free_tokens = run(False)
    constrained_s, constrained_tokens = run(True)
    free_rate, constrained_rate = free_tokens / free_s, constrained_tokens / constrained_s
    print(f"{len(docs)} documents batched, max {args.max_tokens} new tokens, backend {args.backend}")
    print(f"unconstrained: {free_tokens} tokens in {free_s:.1f} s = {free_rate:.1f} tokens/s")
    print(f"constrained:   {constrained_tokens} tokens in {constrained_s:.1f} s = {constrained_rate:.1f} tokens/s")
    print(f"constrained / unconstrained tokens/s: {constrained_rate / free_rate:.2f}")

    prompt = prompts[0]
    print("schema compile (1-token request, fresh schema vs the same schema again):")
    for name in ("receipt", "nda", "invoice", "entities:ORG,PERSON,TICKER"):
        schema = dict(get_schema(name).json_schema)
        schema["description"] = f"bench {time.time_ns()}"  # a schema the engine has never compiled
        params = SamplingParams(temperature=0.0, max_tokens=1, structured_outputs=StructuredOutputsParams(json=schema))
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            llm.generate([prompt], [params], use_tqdm=False)
            timings.append(time.perf_counter() - started)
        print(f"  {name:28} first {timings[0] * 1000:8.1f} ms   cached {timings[1] * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
