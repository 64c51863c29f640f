"""Benchmark: the gRPC service under 1, 8 and 32 concurrent clients vs the transformers engine
run sequentially in-process, on the same fixed documents (the test corpus). Prints tables.

Run (from the checkout root): .venv/bin/python -m bench.grpc_load [--docs 32] [--max-tokens 128] [--adapter base|""]
It starts `finx serve` on a free loopback port, waits for health SERVING, and stops it after.
Numbers depend on the machine (this is not a test).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter, registry_current
from finx.client import FinxClient
from finx.extraction.options import ExtractOptions
from tests.support.corpus import load_corpus
from tests.support.network import free_loopback_port

ROOT = Path(__file__).resolve().parents[1]


def wait_serving(target: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                status = stub.Check(health_pb2.HealthCheckRequest(service="finx.v1.Extraction"), timeout=2).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(1)
    raise TimeoutError("service did not become ready")


def run_level(target: str, docs: list, concurrency: int, max_tokens: int, adapter: str) -> dict[str, float]:
    def one(doc) -> float:
        with FinxClient(target) as client:
            started = time.perf_counter()
            client.extract(doc.text, doc.schema.name, options=ExtractOptions(max_tokens=max_tokens), adapter=adapter)
            return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, docs))
    wall = time.perf_counter() - started
    return {
        "docs_per_s": len(docs) / wall,
        "p50_s": statistics.median(latencies),
        "p95_s": latencies[int(0.95 * (len(latencies) - 1))],
        "wall_s": wall,
    }


def transformers_sequential(docs: list, max_tokens: int, adapter: ResolvedAdapter) -> float:
    from finx.config import EngineConfig
    from finx.engines import create_engine
    from finx.extraction.extractor import ExtractionTask, Extractor

    with create_engine(EngineConfig(engine="transformers")) as engine:
        extractor = Extractor(engine)
        extractor.extract(
            ExtractionTask(docs[0].text, docs[0].schema, adapter=adapter, options=ExtractOptions(max_tokens=max_tokens))
        )
        started = time.perf_counter()
        for doc in docs:
            extractor.extract(
                ExtractionTask(doc.text, doc.schema, adapter=adapter, options=ExtractOptions(max_tokens=max_tokens))
            )
        return len(docs) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--adapter", default="", help='"" = current adapter, "base" = none')
    args = parser.parse_args()
    corpus = [doc for doc in load_corpus() if doc.schema.name != "custom"]
    docs = [corpus[i % len(corpus)] for i in range(args.docs)]
    port = free_loopback_port()
    target = f"127.0.0.1:{port}"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    server = subprocess.Popen(
        [sys.executable, "-m", "finx.cli", "serve", "--port", str(port), "--metrics-port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        started = time.perf_counter()
        wait_serving(target)
        print(f"service ready in {time.perf_counter() - started:.1f} s")
        run_level(target, docs[:2], 2, args.max_tokens, args.adapter)  # warm-up
        rows = {level: run_level(target, docs, level, args.max_tokens, args.adapter) for level in (1, 8, 32)}
    finally:
        server.terminate()
        server.wait(60)
    adapter_path = BASE_MODEL
    if args.adapter != "base":
        from finx.adapters.registry import AdapterRegistry

        adapter_path = registry_current(AdapterRegistry())
    sequential = transformers_sequential(docs, args.max_tokens, adapter_path)
    print(f"\n{len(docs)} documents, max {args.max_tokens} new tokens, adapter={args.adapter or 'current'}")
    print("clients  documents/s   p50 s   p95 s   vs transformers sequential")
    for level, row in rows.items():
        ratio = row["docs_per_s"] / sequential
        print(f"{level:>7}  {row['docs_per_s']:>11.3f}  {row['p50_s']:>6.2f}  {row['p95_s']:>6.2f}   {ratio:.2f}x")
    print(f"transformers engine, sequential, in-process: {sequential:.3f} documents/s")


if __name__ == "__main__":
    main()
