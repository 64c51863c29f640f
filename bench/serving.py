"""Benchmark: serving at the machine's limit. float32 against the dtype `auto` picks, prompt-lookup
speculation on and off, finx batch against raw vLLM, one-request latency, RSS, the share of the
machine's ceiling, and an adapter reload under load.

Run (from the checkout root): .venv/bin/python -m bench.serving [--docs 60] [--concurrency 32]
    [--speculative 4] [--grpc 20] [--no-reload] [--serve-only] [--previous-serve]
Documents: SROIE dev-split receipts from ../shared/data when present (scored against their gold),
else the corpus receipts (not scored).
1. `finx batch`'s own path (discovery, reading, `run_batch`, `LocalBackend`, results file) on a
   folder of the receipts with the current adapter merged, once per setting: float32, `auto`, and
   `auto` with n-gram speculation. Engine start apart, documents/s, strict field F1, RSS of the
   process tree; then one request at a time on the same engine (p50/p95).
2. vLLM's offline `LLM.generate` on the same merged weights, dtype, prompts, copy-grounding
   grammars and sampling settings (greedy, the chosen token's log-probability, which per-value
   confidence needs), all documents at once; its prefix-cache hit rate; and once more without
   log-probabilities (what confidence costs).
3. The anchor: llama.cpp's `llama-server` on the same merged weights (GGUF, same dtype) and prompt
   tokens, the schema as a JSON grammar, 8 slots, then one request at a time (`bench.llama_cpp`;
   skipped with its reason until `make llama-cpp` has built it): finx batch / llama.cpp docs/s and
   the one-request p50 ratios.
4. The ceiling: fp32 and bf16 matrix products measured in this run; receipts' prompt and answer
   tokens at ~0.21 and ~0.27 GFLOP each give the documents/s the chosen dtype allows.
5. `finx serve` as its own process (`bench.serve_phase`): one-client p50/p95 for a receipt, RSS idle (by process) and
   under 32 clients, and with one request naming `base`; then, while 4 clients keep sending, a
   promotion and ReloadAdapters: time to switch, failures, peak RSS. `--serve-only` runs only this
   part (what a pod needs: the Deployment's requests and limits come from it); `--previous-serve`
   runs it again as finx serve ran before session 17 (glibc's malloc, a batch of 32) and prints the
   ratios of the two.
Prints numbers (ratios where there is a goal); not a test.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.memory import by_process
from bench.serve_phase import grpc_phase, print_serving, timed
from bench.training import matmul_gflops
from finx.adapters.registry import AdapterRegistry
from finx.adapters.resolve import ResolvedAdapter
from finx.batch import BatchConfig, LocalBackend, run_batch
from finx.config import EngineConfig
from finx.engines import create_engine
from finx.engines.constraints import copy_grammar
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.prompt import build_messages, prompt_token_ids
from finx.hardware import cpu_has_fast_bfloat16
from finx.schemas import get_schema
from tests.support.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[1]
SROIE = ROOT.parent / "shared" / "data" / "sroie-train"


PROMPT_GFLOP, ANSWER_GFLOP = 0.21, 0.27
"""Cost of one prompt token (no output head) and one generated token of SmolLM2-135M."""


def receipts(count: int) -> tuple[list[str], list[dict[str, Any]] | None]:
    """Receipt texts, and their gold targets when they come from SROIE."""
    if SROIE.is_dir():
        from finx.training.data import DataSource, read_source

        examples = read_source(DataSource("sroie", SROIE, "dev")).examples[:count]
        return [example.text for example in examples], [example.target for example in examples]
    texts = [doc.text for doc in load_corpus() if doc.schema.name == "receipt"]
    return (texts * (count // len(texts) + 1))[:count], None


@dataclass(frozen=True)
class Run:
    name: str
    dtype: str
    speculative_tokens: int = 0
    lora: bool = False
    """Serve the adapter as per-request LoRA on the base weights instead of merged into them."""
    max_num_seqs: int | None = None
    """Batch at most this many requests, with the KV cache scaled to match (None: finx's default)."""

    def engine_config(self, adapter: Path) -> EngineConfig:
        config = EngineConfig(dtype=self.dtype, speculative_tokens=self.speculative_tokens)  # type: ignore[arg-type]
        if self.max_num_seqs:
            config = config.with_batch(self.max_num_seqs)
        return config.with_lora() if self.lora else config.merged(adapter)


def receipt_prompts(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    """finx's prompt token ids for each receipt (the `receipt` schema), as its extractor builds them."""
    spec = get_schema("receipt")
    return [prompt_token_ids(tokenizer, build_messages(spec, text)) for text in texts]


def strict_f1(gold: list[dict[str, Any]] | None, predicted: list[dict[str, Any] | None]) -> float | None:
    if gold is None:
        return None
    from finx.training.metrics import Counts, field_counts

    total = Counts()
    for target, data in zip(gold, predicted, strict=True):
        for name, value in target.items():
            total.add(field_counts(value, (data or {}).get(name)))
    return total.f1


def batch_run(
    texts: list[str], gold: list[dict[str, Any]] | None, adapter: Path, settings: Run, args: argparse.Namespace
) -> dict[str, Any]:
    """finx batch's path on a folder of the texts (engine start timed apart), then one at a time."""
    folder = Path(tempfile.mkdtemp())
    for index, text in enumerate(texts):
        (folder / "in").mkdir(exist_ok=True)
        (folder / "in" / f"receipt-{index:03d}.txt").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    engine = create_engine(settings.engine_config(adapter))
    start_s = time.perf_counter() - started
    extractor = Extractor(engine)
    options = ExtractOptions(max_tokens=args.max_tokens)
    spec = get_schema("receipt")
    out = folder / "out.jsonl"
    config = BatchConfig(folder / "in", out, spec, options, concurrency=args.concurrency)
    resolved = ResolvedAdapter.folder(adapter)
    summary = asyncio.run(run_batch(config, LocalBackend(lambda: extractor, resolved)))
    sizes = by_process(os.getpid())
    lines = sorted((json.loads(line) for line in out.read_text().splitlines()), key=lambda line: line["path"])
    results = [line.get("result") or {} for line in lines]
    latencies = sorted(
        timed(lambda text=text: extractor.extract(ExtractionTask(text, spec, resolved, options)))
        for text in texts[: args.one_at_a_time]
    )
    engine.close()
    return {
        "dtype": engine.dtype,
        "start_s": start_s,
        "seconds": summary.seconds,
        "docs_per_s": summary.docs_per_s,
        "ok": summary.ok,
        "f1": strict_f1(gold, [result.get("data") for result in results]),
        "rss_gib": sum(rss for _, rss, _ in sizes),
        "pss_gib": sum(pss for _, _, pss in sizes),
        "processes": sizes,
        "prompt_tokens": sum(result.get("prompt_tokens", 0) for result in results),
        "completion_tokens": sum(result.get("completion_tokens", 0) for result in results),
        "p50_s": latencies[len(latencies) // 2] if latencies else 0.0,
        "p95_s": latencies[int(len(latencies) * 0.95)] if latencies else 0.0,
        "answers": [result.get("data") for result in results],
    }


def offline_llm(model_dir: Path, dtype: str, speculative_tokens: int, prefix_caching: bool = True) -> Any:
    """vLLM's offline `LLM` at the settings finx's engine starts with (`EngineConfig`'s defaults,
    its CPU process layout, its n-gram speculation, llguidance without free whitespace)."""
    from vllm import LLM

    from finx.engines.vllm_engine import cpu_engine_environment, kv_cache_bytes, ngram_speculation

    cpu_engine_environment()
    config = EngineConfig()
    return LLM(
        model=str(model_dir), dtype=dtype, enforce_eager=True, max_model_len=config.max_model_len,
        kv_cache_memory_bytes=kv_cache_bytes(model_dir, dtype, config), max_num_seqs=config.max_num_seqs, seed=0,
        block_size=config.kv_block_tokens, speculative_config=ngram_speculation(speculative_tokens),
        enable_prefix_caching=prefix_caching, disable_log_stats=False,
        structured_outputs_config={"backend": "guidance", "disable_any_whitespace": True},
    )  # fmt: skip


def raw_vllm(texts: list[str], adapter: Path, settings: Run, max_tokens: int, logprobs: bool) -> dict[str, float]:
    """vLLM's offline LLM.generate on the merged weights, finx's prompts and grammars, all at once;
    with `logprobs`, each chosen token's log-probability as finx asks for it (per-value confidence)."""
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt
    from vllm.sampling_params import StructuredOutputsParams

    from finx.adapters.merged import merged_model
    from finx.config import configured_model_dir
    from finx.hardware import resolve_dtype

    dtype = resolve_dtype(settings.dtype)
    model_dir = merged_model(configured_model_dir(), adapter, dtype)
    llm = offline_llm(model_dir, dtype, settings.speculative_tokens)
    tokenizer = llm.get_tokenizer()
    spec = get_schema("receipt")
    prompts = [TokensPrompt(prompt_token_ids=ids) for ids in receipt_prompts(tokenizer, texts)]
    params = [
        SamplingParams(temperature=0.0, max_tokens=max_tokens, logprobs=0 if logprobs else None,
                       structured_outputs=StructuredOutputsParams(grammar=copy_grammar(spec.json_schema, text)))
        for text in texts
    ]  # fmt: skip
    started = time.perf_counter()
    llm.generate(prompts, params, use_tqdm=False)
    seconds = time.perf_counter() - started
    hits = queries = 0.0
    for metric in llm.get_metrics():
        if metric.name == "vllm:prefix_cache_hits":
            hits = float(metric.value)  # type: ignore[attr-defined]
        elif metric.name == "vllm:prefix_cache_queries":
            queries = float(metric.value)  # type: ignore[attr-defined]
    prompt_tokens = sum(len(prompt["prompt_token_ids"]) for prompt in prompts)
    return {"seconds": seconds, "docs_per_s": len(texts) / seconds, "hit_rate": hits / queries if queries else 0.0,
            "prompt_tokens": prompt_tokens}  # fmt: skip


def llama_cpp_anchor(
    texts: list[str], gold: list[dict[str, Any]] | None, adapter: Path, best: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any] | None:
    """llama.cpp's server on the same merged weights and prompt tokens (`bench.llama_cpp`), printed
    against finx batch's fastest run; None where it is not built."""
    from transformers import AutoTokenizer

    from bench import llama_cpp
    from finx.adapters.merged import merged_model
    from finx.config import configured_model_dir

    reason = llama_cpp.skipped_reason()
    if reason:
        print(f"llama.cpp anchor skipped: {reason}")
        return None
    model_dir = merged_model(configured_model_dir(), adapter, best["dtype"])
    spec = get_schema("receipt")
    prompts = receipt_prompts(AutoTokenizer.from_pretrained(model_dir), texts)
    try:
        llama = llama_cpp.anchor(
            model_dir, best["dtype"], prompts, spec.json_schema, args.max_tokens, args.one_at_a_time
        )
    except (RuntimeError, OSError) as error:  # the anchor's failure is reported; finx's numbers stand
        print(f"llama.cpp anchor failed: {error}")
        return None
    f1 = strict_f1(gold, llama["answers"])
    print(
        f"llama.cpp llama-server ({llama['weights']}, {llama_cpp.SLOTS} slots, the schema's JSON grammar): "
        f"{llama['docs_per_s']:.2f} docs/s, one at a time p50 {llama['p50_s']:.2f} s, p95 {llama['p95_s']:.2f} s, "
        f"F1 {f1 if f1 is None else round(f1, 3)}, RSS {llama['rss_gib']:.2f} GiB, start {llama['start_s']:.1f} s"
    )
    print(
        f"finx batch / llama.cpp: {best['docs_per_s'] / llama['docs_per_s']:.2f}x docs/s (goal >= 1.5); "
        f"finx one at a time p50 / llama.cpp: {best['p50_s'] / llama['p50_s']:.2f}x (goal <= 0.8)"
    )
    return llama


PREVIOUS_SERVE = ({"FINX_ALLOCATOR": "system"}, ("--max-batch", "32", "--lora-engine", "vllm"))
"""`finx serve` as it ran until session 17: glibc's malloc, a batch of 32, the on-demand LoRA engine in
an EngineCore process (`--previous-serve`; a reload loads in place either way since session 18)."""


def print_previous_serve_phase(texts: list[str], args: argparse.Namespace) -> dict[str, float] | None:
    """With `--previous-serve`: the `finx serve` phase again with `PREVIOUS_SERVE`, in the same run."""
    if not args.previous_serve:
        return None
    environment, options = PREVIOUS_SERVE
    print(f"finx serve again with {environment} {' '.join(options)}:")
    previous = grpc_phase(texts, args.grpc or 20, not args.no_reload, environment, options)
    print_serving(previous)
    return previous


RATIO_KEYS = ("p50_s", "p95_s", "idle_rss_gib", "loaded_rss_gib", "base_rss_gib", "reload_rss_gib")
"""What `--previous-serve` compares, now against before."""


def print_serve_ratios(served: dict[str, float], previous: dict[str, float] | None) -> None:
    if previous is None:
        return
    print(
        "finx serve now / previous: "
        + ", ".join(f"{key} {served[key] / previous[key]:.2f}x" for key in RATIO_KEYS if previous.get(key))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--speculative", type=int, default=4, help="draft tokens of the speculation run (0: skip)")
    parser.add_argument("--one-at-a-time", type=int, default=10, help="sequential requests per engine for latency")
    parser.add_argument("--grpc", type=int, default=20, help="sequential calls for the gRPC latency (0: skip)")
    parser.add_argument("--no-reload", action="store_true")
    parser.add_argument("--serve-only", action="store_true", help="only the `finx serve` phase (sizing a pod)")
    parser.add_argument(
        "--previous-serve", action="store_true", help="the `finx serve` phase again as it ran before (PREVIOUS_SERVE)"
    )
    args = parser.parse_args()
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    texts, gold = receipts(args.docs)
    adapter = AdapterRegistry().current_path()
    assert adapter is not None, "no current adapter"
    print(f"{len(texts)} receipts; adapter {adapter}; CPU bf16 units: {cpu_has_fast_bfloat16()}")
    if args.serve_only:
        served = grpc_phase(texts, args.grpc or 20, not args.no_reload)
        print_serving(served)
        print_serve_ratios(served, print_previous_serve_phase(texts, args))
        sys.stdout.flush()
        os._exit(0)
    ceilings = {dtype: matmul_gflops(dtype) for dtype in ("float32", "bfloat16")}
    runs = [Run("float32", "float32"), Run("auto", "auto")]
    if args.speculative:
        runs.append(Run(f"auto + ngram {args.speculative}", "auto", args.speculative))
    measured = {run.name: batch_run(texts, gold, adapter, run, args) for run in runs}
    fastest = max(runs, key=lambda run: measured[run.name]["docs_per_s"])
    raw = raw_vllm(texts, adapter, fastest, args.max_tokens, logprobs=True)
    # a second in-process vLLM worker cannot start where n-gram speculation has run (vllm_engine's docstring)
    bare = None if fastest.speculative_tokens else raw_vllm(texts, adapter, fastest, args.max_tokens, logprobs=False)
    print(f"{'finx batch':22} {'dtype':>8} {'start s':>8} {'gen s':>6} {'docs/s':>7} {'F1':>6} {'ok':>3} "
          f"{'RSS GiB':>8} {'p50 s':>6} {'p95 s':>6}")  # fmt: skip
    for run in runs:
        m = measured[run.name]
        f1 = f"{m['f1']:.3f}" if m["f1"] is not None else "-"
        print(
            f"{run.name:22} {m['dtype']:>8} {m['start_s']:>8.1f} {m['seconds']:>6.1f} {m['docs_per_s']:>7.2f} "
            f"{f1:>6} {m['ok']:>3.0f} {m['rss_gib']:>8.2f} {m['p50_s']:>6.2f} {m['p95_s']:>6.2f}"
        )
    fp32, auto = measured["float32"], measured["auto"]
    print(f"auto / float32: {auto['docs_per_s'] / fp32['docs_per_s']:.2f}x docs/s (goal >= 1.35 with bf16 units)")
    if auto["f1"] is not None:
        print(f"strict F1 auto - float32: {auto['f1'] - fp32['f1']:+.3f} (goal within 0.02)")
    if args.speculative:
        spec = measured[runs[-1].name]
        print(f"speculation / none: {spec['docs_per_s'] / auto['docs_per_s']:.2f}x docs/s, "
              f"p50 {spec['p50_s'] / auto['p50_s']:.2f}x latency")  # fmt: skip
    best = measured[fastest.name]
    print(
        f"raw vLLM LLM.generate ({fastest.name}, finx's sampling settings: greedy, grammar, chosen-token "
        f"log-probabilities): {raw['docs_per_s']:.2f} docs/s; finx batch / raw vLLM: "
        f"{best['docs_per_s'] / raw['docs_per_s']:.2f}x (goal >= 0.95); prefix-cache hit rate "
        f"{raw['hit_rate']:.1%} of {raw['prompt_tokens']} prompt tokens"
    )
    if bare is None:
        print("raw vLLM without log-probabilities: skipped (the fastest run speculates; run with --speculative 0)")
    else:
        print(f"raw vLLM without log-probabilities: {bare['docs_per_s']:.2f} docs/s (what per-value confidence costs: "
              f"{raw['docs_per_s'] / bare['docs_per_s']:.2f}x); finx batch / that: "
              f"{best['docs_per_s'] / bare['docs_per_s']:.2f}x")  # fmt: skip
    llama = llama_cpp_anchor(texts, gold, adapter, best, args)
    gflop = best["prompt_tokens"] * PROMPT_GFLOP + best["completion_tokens"] * ANSWER_GFLOP
    ceiling = ceilings[best["dtype"]] * len(texts) / gflop
    share = best["docs_per_s"] / ceiling
    print(f"matmul GFLOP/s: float32 {ceilings['float32']:.0f}, bfloat16 {ceilings['bfloat16']:.0f}; "
          f"receipts ceiling in {best['dtype']}: {ceiling:.2f} docs/s, finx reaches {share:.0%}")  # fmt: skip
    if args.grpc:
        served = grpc_phase(texts, args.grpc, not args.no_reload)
        print_serving(served)
        if llama:
            print(f"finx serve one-client p50 / llama.cpp one-at-a-time p50: {served['p50_s'] / llama['p50_s']:.2f}x "
                  "(goal <= 0.8)")  # fmt: skip
        print_serve_ratios(served, print_previous_serve_phase(texts, args))
    sys.stdout.flush()
    os._exit(0)  # the in-process server and engines are not worth a graceful shutdown here


if __name__ == "__main__":
    main()
