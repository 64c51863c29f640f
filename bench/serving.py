"""Benchmark: the default (merged) adapter against the base model, finx batch against raw vLLM,
prefix caching, one-client gRPC latency, RSS, and an adapter reload under load.

Run (from the checkout root): .venv/bin/python -m bench.serving [--docs 60] [--concurrency 32] [--grpc 20] [--no-reload]
Documents: SROIE dev-split receipts from ../shared/data when present, else the corpus receipts.
1. `finx batch`'s own path (discovery, reading, `run_batch`, `LocalBackend`, results file) on a
   folder of the receipts, once with the current adapter merged (the default) and once with the
   base model: engine start apart, steady-state documents/s, RSS of the process tree.
2. vLLM's offline `LLM.generate` on the same merged weights, the same finx prompts and the same
   constraints (copy-grounding grammars), all documents at once; its prefix-cache hit rate.
3. `finx serve` in this process: p50/p95 latency of one receipt with one client; then, while 4
   clients keep sending, a promotion and ReloadAdapters: time to switch and failed requests.
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
from pathlib import Path

import psutil

from service.adapters.registry import SHIPPED_ADAPTER, AdapterRegistry
from service.batch import BatchConfig, LocalBackend, run_batch
from service.config import EngineConfig
from service.engines import create_engine
from service.engines.constraints import copy_grammar
from service.extractor import Extractor
from service.options import ExtractOptions
from service.prompt import build_messages, prompt_token_ids
from service.schemas import get_schema
from tests.support.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[1]
SROIE = ROOT.parent / "shared" / "data" / "sroie-train"


def receipts(count: int) -> list[str]:
    if SROIE.is_dir():
        from finetune.data import DataSource, read_source

        examples = read_source(DataSource("sroie", SROIE, "dev")).examples
        return [example.text for example in examples][:count]
    texts = [doc.text for doc in load_corpus() if doc.schema.name == "receipt"]
    return (texts * (count // len(texts) + 1))[:count]


def batch_run(texts: list[str], adapter: Path | None, concurrency: int, max_tokens: int) -> dict[str, float]:
    """finx batch's path on a folder of the texts; engine start timed apart."""
    folder = Path(tempfile.mkdtemp())
    for index, text in enumerate(texts):
        (folder / "in").mkdir(exist_ok=True)
        (folder / "in" / f"receipt-{index:03d}.txt").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    engine = create_engine(EngineConfig(merged_adapter=adapter, enable_lora=False))
    start_s = time.perf_counter() - started
    extractor = Extractor(engine)
    options = ExtractOptions(max_tokens=max_tokens)
    config = BatchConfig(folder / "in", folder / "out.jsonl", get_schema("receipt"), options, concurrency=concurrency)
    backend = LocalBackend(lambda: extractor, adapter)
    summary = asyncio.run(run_batch(config, backend))
    rss = process_tree_rss_gib(os.getpid())
    lines = [json.loads(line) for line in (folder / "out.jsonl").read_text().splitlines()]
    completion = sum((line.get("result") or {}).get("completion_tokens", 0) for line in lines)
    engine.close()
    return {
        "start_s": start_s,
        "seconds": summary.seconds,
        "docs_per_s": summary.docs_per_s,
        "ok": summary.ok,
        "rss_gib": rss,
        "completion_tok_per_s": completion / summary.seconds if summary.seconds else 0.0,
    }


def raw_vllm(texts: list[str], adapter: Path, max_tokens: int, block_size: int | None) -> dict[str, float]:
    """vLLM's offline LLM.generate on the merged weights, finx's prompts and grammars, all at once."""
    from vllm import LLM, SamplingParams
    from vllm.inputs import TokensPrompt
    from vllm.sampling_params import StructuredOutputsParams

    from service.adapters.merged import merged_model
    from service.config import configured_model_dir

    os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    model_dir = merged_model(configured_model_dir(), adapter)
    config = EngineConfig()
    llm = LLM(
        model=str(model_dir), dtype="float32", enforce_eager=True, max_model_len=config.max_model_len,
        kv_cache_memory_bytes=config.kv_cache_bytes, max_num_seqs=config.max_num_seqs, seed=0, block_size=block_size,
        structured_outputs_config={"backend": "guidance", "disable_any_whitespace": True}, disable_log_stats=False,
    )  # fmt: skip
    tokenizer = llm.get_tokenizer()
    spec = get_schema("receipt")
    prompts = [TokensPrompt(prompt_token_ids=prompt_token_ids(tokenizer, build_messages(spec, text))) for text in texts]
    params = [
        SamplingParams(temperature=0.0, max_tokens=max_tokens,
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
    """`finx serve` as its own process on loopback, with a scratch registry seeded with the shipped adapter."""

    from service.client import FinxClient

    registry_root = Path(tempfile.mkdtemp()) / "registry"
    registry = AdapterRegistry(registry_root)
    registry.manifests()  # seeds the shipped adapter as current
    previous = SHIPPED_ADAPTER.parent / "finx-lora-v2"
    other = registry.register(previous, None, "bench", {}, {}).version if previous != SHIPPED_ADAPTER else None
    server, target = start_finx_serve({"FINX_ADAPTERS": str(registry_root)})
    try:
        with FinxClient(target) as client:
            latencies = []
            for text in (texts * 2)[:calls]:
                started = time.perf_counter()
                client.extract(text, "receipt")
                latencies.append(time.perf_counter() - started)
        latencies.sort()
        p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
        out = {"p50_s": p50, "p95_s": p95, "rss_gib": process_tree_rss_gib(server.pid)}
        if reload and other:
            out |= reload_under_load(target, registry, other, texts, server.pid)
        return out
    finally:
        server.terminate()
        server.wait(120)


def reload_under_load(
    target: str, registry: AdapterRegistry, version: str, texts: list[str], pid: int
) -> dict[str, float]:
    """4 clients keep sending receipts while `version` is promoted and ReloadAdapters runs."""
    import grpc

    from finx.v1 import extraction_pb2 as pb
    from finx.v1 import extraction_pb2_grpc as pb_grpc
    from service.client import FinxClient

    stop, failures, done = threading.Event(), [0], [0]
    peak = [0.0]

    def load() -> None:
        with FinxClient(target) as loader:
            while not stop.is_set():
                try:
                    loader.extract(texts[done[0] % len(texts)], "receipt")
                    done[0] += 1
                except grpc.RpcError:
                    failures[0] += 1

    def sample_rss() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], process_tree_rss_gib(pid))
            time.sleep(0.5)

    threads = [threading.Thread(target=load) for _ in range(4)] + [threading.Thread(target=sample_rss)]
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
    return {"reload_s": switched, "reload_rss_gib": peak[0], "reload_failed": failures[0], "reload_calls": done[0]}


def start_finx_serve(environment: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`finx serve` as its own process on a free loopback port, returned once it answers."""
    import grpc

    from service.client import FinxClient

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--metrics-port", "0"]
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


def process_tree_rss_gib(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
        return sum(member.memory_info().rss for member in members if member.is_running()) / 2**30
    except psutil.Error:
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--grpc", type=int, default=20, help="sequential calls for the latency (0: skip)")
    parser.add_argument("--no-reload", action="store_true")
    parser.add_argument("--blocks", default="", help="also run raw vLLM with these KV block sizes, e.g. 128,32")
    args = parser.parse_args()
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    texts = receipts(args.docs)
    adapter = AdapterRegistry().current_path()
    assert adapter is not None, "no current adapter"
    print(f"{len(texts)} receipts; adapter {adapter}")
    merged = batch_run(texts, adapter, args.concurrency, args.max_tokens)
    base = batch_run(texts, None, args.concurrency, args.max_tokens)
    for block in [int(size) for size in args.blocks.split(",") if size]:
        trial = raw_vllm(texts, adapter, args.max_tokens, block)
        rate, hits = trial["docs_per_s"], trial["hit_rate"]
        print(f"raw vLLM, KV block {block}: {rate:.2f} docs/s, prefix-cache hit rate {hits:.1%}")
    raw = raw_vllm(texts, adapter, args.max_tokens, EngineConfig().kv_block_tokens)
    print(f"{'run':32} {'start s':>8} {'gen s':>7} {'docs/s':>7} {'ok':>4} {'RSS GiB':>8} {'gen tok/s':>9}")
    for name, run in (("finx batch, default adapter", merged), ("finx batch, --base", base)):
        print(
            f"{name:32} {run['start_s']:>8.1f} {run['seconds']:>7.1f} {run['docs_per_s']:>7.2f} "
            f"{run['ok']:>4.0f} {run['rss_gib']:>8.2f} {run['completion_tok_per_s']:>9.1f}"
        )
    print(f"{'vLLM LLM.generate, same work':32} {'':>8} {raw['seconds']:>7.1f} {raw['docs_per_s']:>7.2f}")
    print(f"default adapter / base: {merged['docs_per_s'] / base['docs_per_s']:.2f}x (goal >= 0.9)")
    print(f"finx batch / raw vLLM: {merged['docs_per_s'] / raw['docs_per_s']:.2f}x (goal >= 0.95)")
    print(f"prefix-cache hit rate (raw run): {raw['hit_rate']:.1%} of {raw['prompt_tokens']} prompt tokens")
    if args.grpc:
        served = grpc_phase(texts, args.grpc, not args.no_reload)
        p50, p95 = served["p50_s"], served["p95_s"]
        print(f"gRPC, one client, one receipt: p50 {p50:.2f} s, p95 {p95:.2f} s (goal p50 <= 1.5 s)")
        print(f"serving process tree RSS: {served['rss_gib']:.2f} GiB (goal <= 3)")
        if "reload_s" in served:
            calls = served["reload_calls"] + served["reload_failed"]
            print(
                f"reload under 4 clients: {served['reload_s']:.1f} s to switch, peak RSS "
                f"{served['reload_rss_gib']:.2f} GiB, {served['reload_failed']:.0f} failed of {calls:.0f} calls"
            )
    sys.stdout.flush()
    os._exit(0)  # the in-process server and engines are not worth a graceful shutdown here


if __name__ == "__main__":
    main()
