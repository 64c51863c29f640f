"""Benchmark: serving at the machine's limit. float32 against the dtype `auto` picks, prompt-lookup
speculation on and off, finx batch against raw vLLM, one-request latency, RSS, the share of the
machine's ceiling, and an adapter reload under load.

Run (from the checkout root): .venv/bin/python -m bench.serving [--docs 60] [--concurrency 32]
    [--speculative 4] [--grpc 20] [--no-reload] [--serve-only]
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
3. The ceiling: fp32 and bf16 matrix products measured in this run; receipts' prompt and answer
   tokens at ~0.21 and ~0.27 GFLOP each give the documents/s the chosen dtype allows.
4. `finx serve` as its own process: one-client p50/p95 for a receipt, RSS idle (by process) and
   under 32 clients, and with one request naming `base`; then, while 4 clients keep sending, a
   promotion and ReloadAdapters: time to switch, failures, peak RSS. `--serve-only` runs only this
   part (what a pod needs: the Deployment's requests and limits come from it).
Prints numbers (ratios where there is a goal); not a test.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.memory import PeakMemory, by_process
from bench.training import matmul_gflops
from finx.adapters.registry import SHIPPED_ADAPTER, AdapterRegistry
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

    def engine_config(self, adapter: Path) -> EngineConfig:
        config = EngineConfig(dtype=self.dtype, speculative_tokens=self.speculative_tokens)  # type: ignore[arg-type]
        return config.with_lora() if self.lora else config.merged(adapter)


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


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


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
    prompts = [TokensPrompt(prompt_token_ids=prompt_token_ids(tokenizer, build_messages(spec, text))) for text in texts]
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


def grpc_phase(texts: list[str], calls: int, reload: bool) -> dict[str, float]:
    """`finx serve` as its own process on loopback (its defaults), with a scratch registry seeded
    with the shipped adapter: one-client latency, RSS idle and under 32 clients, then a reload."""
    from concurrent.futures import ThreadPoolExecutor

    from finx.client import FinxClient

    registry_root = Path(tempfile.mkdtemp()) / "registry"
    registry = AdapterRegistry(registry_root)
    registry.manifests()  # seeds the shipped adapter as current
    previous = SHIPPED_ADAPTER.parent / "finx-lora-v5"
    other = registry.register(previous, None, "bench", {}, {}).version if previous.is_dir() else None
    server, target = start_finx_serve({"FINX_ADAPTERS": str(registry_root)})
    try:
        processes = by_process(server.pid)
        idle_rss, idle_pss = sum(rss for _, rss, _ in processes), sum(pss for _, _, pss in processes)
        print(
            "finx serve idle, by process (RSS / PSS):",
            ", ".join(f"{name} {rss:.2f} / {pss:.2f} GiB" for name, rss, pss in processes),
        )
        with FinxClient(target) as client:
            latencies = sorted(timed(lambda text=text: client.extract(text, "receipt")) for text in (texts * 2)[:calls])
            with PeakMemory(server.pid) as loaded, ThreadPoolExecutor(32) as pool:
                list(pool.map(partial(client.extract, schema="receipt"), (texts * 2)[:64]))
        p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
        out = {"p50_s": p50, "p95_s": p95, "idle_rss_gib": idle_rss, "idle_pss_gib": idle_pss}
        out |= {"loaded_rss_gib": loaded.rss, "loaded_pss_gib": loaded.pss}
        out |= base_request(target, texts[0], server.pid)
        if reload and other:
            out |= reload_under_load(target, registry, other, texts, server.pid)
        return out
    finally:
        server.terminate()
        server.wait(120)


def base_request(target: str, text: str, pid: int) -> dict[str, float]:
    """One request naming `base` (the on-demand LoRA engine starts beside the merged one): the
    process tree's peak RSS while it runs, and how long it took."""
    from finx.client import FinxClient

    with PeakMemory(pid) as peak, FinxClient(target) as client:
        seconds = timed(lambda: client.extract(text, "receipt", adapter="base"))
    return {"base_s": seconds, "base_rss_gib": peak.rss, "base_pss_gib": peak.pss}


def reload_under_load(
    target: str, registry: AdapterRegistry, version: str, texts: list[str], pid: int
) -> dict[str, float]:
    """4 clients keep sending receipts while `version` is promoted and ReloadAdapters runs."""
    import grpc

    from finx.client import FinxClient
    from finx.v1 import extraction_pb2 as pb
    from finx.v1 import extraction_pb2_grpc as pb_grpc

    stop, failures, done = threading.Event(), [0], [0]

    def load() -> None:
        with FinxClient(target) as loader:
            while not stop.is_set():
                try:
                    loader.extract(texts[done[0] % len(texts)], "receipt")
                    done[0] += 1
                except grpc.RpcError:
                    failures[0] += 1

    threads = [threading.Thread(target=load) for _ in range(4)]
    with PeakMemory(pid) as peak:
        for thread in threads:
            thread.start()
        time.sleep(5)
        registry.promote(version)
        started = time.perf_counter()
        with grpc.insecure_channel(target) as channel:
            pb_grpc.ExtractionStub(channel).ReloadAdapters(pb.ReloadAdaptersRequest(), timeout=600)
        switched = time.perf_counter() - started
        time.sleep(10)
        stop.set()
        for thread in threads:
            thread.join(600)
    return {
        "reload_s": switched, "reload_rss_gib": peak.rss, "reload_pss_gib": peak.pss,
        "reload_failed": failures[0], "reload_calls": done[0],
    }  # fmt: skip


def start_finx_serve(environment: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`finx serve` as its own process on a free loopback port, returned once it answers."""
    import grpc

    from finx.client import FinxClient

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "finx.cli", "serve", "--port", str(port), "--metrics-port", "0"]
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **environment}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    target = f"127.0.0.1:{port}"
    with FinxClient(target) as client:
        for _ in range(600):
            try:
                client.extract("TOTAL 9.00", "receipt", options=ExtractOptions(max_tokens=8))
                return server, target
            except grpc.RpcError:
                time.sleep(1)
    server.terminate()
    raise RuntimeError("finx serve did not answer within 10 minutes")


def print_serving(served: dict[str, float]) -> None:
    """The `finx serve` phase's numbers."""
    p50, p95 = served["p50_s"], served["p95_s"]
    print(f"gRPC (finx serve defaults), one client, one receipt: p50 {p50:.2f} s, p95 {p95:.2f} s (goal p50 <= 1.5 s)")
    for measure in ("rss", "pss"):
        idle, base = served[f"idle_{measure}_gib"], served[f"base_{measure}_gib"]
        print(
            f"serving process tree {measure.upper()}: idle {idle:.2f} GiB (goal <= 1.5), 32 clients "
            f"{served[f'loaded_{measure}_gib']:.2f} GiB (goal <= 2.0), a `base` request {base:.2f} GiB "
            f"(+{base - idle:.2f}, goal <= +1)" + (f", a reload {served[f'reload_{measure}_gib']:.2f} GiB "
            f"(+{served[f'reload_{measure}_gib'] - idle:.2f})" if "reload_s" in served else "")
        )  # fmt: skip
    print(f"a `base` request took {served['base_s']:.1f} s (its engine starts on demand)")
    if "reload_s" in served:
        calls = served["reload_calls"] + served["reload_failed"]
        print(
            f"reload under 4 clients: {served['reload_s']:.1f} s to switch, "
            f"{served['reload_failed']:.0f} failed of {calls:.0f} calls"
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
    args = parser.parse_args()
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    texts, gold = receipts(args.docs)
    adapter = AdapterRegistry().current_path()
    assert adapter is not None, "no current adapter"
    print(f"{len(texts)} receipts; adapter {adapter}; CPU bf16 units: {cpu_has_fast_bfloat16()}")
    if args.serve_only:
        print_serving(grpc_phase(texts, args.grpc or 20, not args.no_reload))
        sys.stdout.flush()
        os._exit(0)
    ceilings = {dtype: matmul_gflops(dtype) for dtype in ("float32", "bfloat16")}
    runs = [Run("float32", "float32"), Run("auto", "auto")]
    if args.speculative:
        runs.append(Run(f"auto + ngram {args.speculative}", "auto", args.speculative))
    measured = {run.name: batch_run(texts, gold, adapter, run, args) for run in runs}
    fastest = max(runs, key=lambda run: measured[run.name]["docs_per_s"])
    raw = raw_vllm(texts, adapter, fastest, args.max_tokens, logprobs=True)
    bare = raw_vllm(texts, adapter, fastest, args.max_tokens, logprobs=False)
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
    print(f"raw vLLM without log-probabilities: {bare['docs_per_s']:.2f} docs/s (what per-value confidence costs: "
          f"{raw['docs_per_s'] / bare['docs_per_s']:.2f}x); finx batch / that: "
          f"{best['docs_per_s'] / bare['docs_per_s']:.2f}x")  # fmt: skip
    gflop = best["prompt_tokens"] * PROMPT_GFLOP + best["completion_tokens"] * ANSWER_GFLOP
    ceiling = ceilings[best["dtype"]] * len(texts) / gflop
    share = best["docs_per_s"] / ceiling
    print(f"matmul GFLOP/s: float32 {ceilings['float32']:.0f}, bfloat16 {ceilings['bfloat16']:.0f}; "
          f"receipts ceiling in {best['dtype']}: {ceiling:.2f} docs/s, finx reaches {share:.0%}")  # fmt: skip
    if args.grpc:
        print_serving(grpc_phase(texts, args.grpc, not args.no_reload))
    sys.stdout.flush()
    os._exit(0)  # the in-process server and engines are not worth a graceful shutdown here


if __name__ == "__main__":
    main()
