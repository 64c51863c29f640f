"""Soak benchmark: many clients for minutes against `finx serve`, good and hostile requests mixed.

Run (from the checkout root): .venv/bin/python -m bench.soak [--clients 32] [--seconds 600] [--max-tokens 48]
`finx serve` runs as its own process on loopback with a scratch registry (the shipped adapter,
merged). Each client loops over a mix: 60% receipts (the real work), and hostile requests:
a `$ref` bomb schema, `anyOf` 900 deep, binary bytes, a document over the size limit, an
adapter path traversal, an unknown schema, schema_json that is not JSON. A health checker calls
`grpc.health.v1` every 0.25 s throughout. Prints calls, statuses per kind, p50/p99 latency per
kind, RSS of the server's process tree at start, every 30 s and at the end, and health-check
latency. Not a test.
"""

import argparse
import json
import random
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.memory import process_tree_rss_gib
from bench.serve_phase import start_finx_serve
from bench.serving import receipts
from finx.adapters.registry import AdapterRegistry
from finx.client import CHANNEL_OPTIONS, extract_request
from finx.config import MAX_DOCUMENT_BYTES
from finx.extraction.options import ExtractOptions
from finx.v1 import extraction_pb2_grpc as pb_grpc
from tests.support.hostile import nested_any_of_text, ref_bomb


def request_mix(texts: list[str], max_tokens: int) -> list[tuple[str, float, Any]]:
    """(kind, weight, request): what the clients send."""
    options = ExtractOptions(max_tokens=max_tokens)
    bad_json = extract_request("TOTAL 9.00", "receipt")
    bad_json.schema_json = '{"type": "object", "properties": {'
    deep = extract_request("TOTAL 9.00", "receipt")
    deep.schema_json = nested_any_of_text(900)
    return [
        *[("receipt", 0.6 / len(texts[:8]), extract_request(text, "receipt", options=options)) for text in texts[:8]],
        ("ref_bomb", 0.08, extract_request("TOTAL 9.00", ref_bomb())),
        ("deep_anyof", 0.06, deep),
        ("binary", 0.06, extract_request(bytes(range(256)) * 16, "receipt")),
        ("over_limit", 0.02, extract_request(b"x" * (MAX_DOCUMENT_BYTES + 1), "receipt")),
        ("traversal", 0.06, extract_request("TOTAL 9.00", "receipt", adapter="../../../../etc")),
        ("unknown_schema", 0.06, extract_request("TOTAL 9.00", "payslip")),
        ("bad_json", 0.06, bad_json),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--max-tokens", type=int, default=48)
    args = parser.parse_args()

    registry_root = Path(tempfile.mkdtemp()) / "registry"
    AdapterRegistry(registry_root).manifests()  # seeded with the shipped adapter
    server, target = start_finx_serve({"FINX_ADAPTERS": str(registry_root)})
    mix = request_mix(receipts(8), args.max_tokens)
    kinds, weights = [kind for kind, _, _ in mix], [weight for _, weight, _ in mix]
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    latencies: dict[str, list[float]] = defaultdict(list)
    health: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()
    rss_start = process_tree_rss_gib(server.pid)
    rss_samples: list[float] = []

    def client(seed: int) -> None:
        chooser = random.Random(seed)
        options = [*CHANNEL_OPTIONS, ("grpc.max_send_message_length", -1)]
        with grpc.insecure_channel(target, options=options) as channel:
            stub = pb_grpc.ExtractionStub(channel)
            while not stop.is_set():
                index = chooser.choices(range(len(mix)), weights)[0]
                started = time.perf_counter()
                try:
                    stub.Extract(mix[index][2], timeout=120)
                    code = "OK"
                except grpc.RpcError as error:
                    code = error.code().name
                with lock:
                    statuses[kinds[index]][code] += 1
                    latencies[kinds[index]].append(time.perf_counter() - started)

    def checker() -> None:
        with grpc.insecure_channel(target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while not stop.is_set():
                started = time.perf_counter()
                stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
                health.append(time.perf_counter() - started)
                time.sleep(0.25)

    def sample_rss() -> None:
        while not stop.wait(30):
            rss_samples.append(round(process_tree_rss_gib(server.pid), 2))

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(args.clients)]
    threads += [threading.Thread(target=checker), threading.Thread(target=sample_rss)]
    began = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(180)
        rss_end = process_tree_rss_gib(server.pid)
    finally:
        server.terminate()
        server.wait(120)
    elapsed = time.perf_counter() - began
    calls = sum(sum(counter.values()) for counter in statuses.values())
    report = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "calls": calls,
        "rss_gib_start": round(rss_start, 2),
        "rss_gib_end": round(rss_end, 2),
        "rss_gib_every_30_s": rss_samples,
        "health_p50_ms": round(percentile(health, 0.5) * 1000, 1),
        "health_p99_ms": round(percentile(health, 0.99) * 1000, 1),
        "health_max_ms": round(max(health) * 1000, 1),
        "health_checks": len(health),
        "kinds": {
            kind: {
                "statuses": dict(statuses[kind]),
                "p50_s": round(percentile(latencies[kind], 0.5), 3),
                "p99_s": round(percentile(latencies[kind], 0.99), 3),
            }
            for kind in kinds
            if statuses[kind]
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
