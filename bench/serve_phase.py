"""The `finx serve` phase of `bench.serving`: finx serve as its own process on loopback (its
defaults, a scratch registry seeded with the shipped adapter): one-client latency, process-tree RSS
and PSS idle, under 32 clients, with a request naming `base`, and during an adapter reload under
load. Also the loopback server other benches start (`start_finx_serve`).
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.memory import PeakMemory, by_process
from finx.adapters.registry import SHIPPED_ADAPTER, AdapterRegistry
from finx.extraction.options import ExtractOptions
from tests.support.network import free_loopback_port

ROOT = Path(__file__).resolve().parents[1]


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def grpc_phase(
    texts: list[str], calls: int, reload: bool, environment: dict[str, str] | None = None, options: tuple[str, ...] = ()
) -> dict[str, float]:
    """`finx serve` as its own process on loopback (its defaults, changed by `environment` and
    command-line `options`), with a scratch registry seeded with the shipped adapter: one-client
    latency, RSS idle and under 32 clients, then a reload."""
    from concurrent.futures import ThreadPoolExecutor

    from finx.client import FinxClient

    registry_root = Path(tempfile.mkdtemp()) / "registry"
    registry = AdapterRegistry(registry_root)
    registry.manifests()  # seeds the shipped adapter as current
    # the previous release's adapter, which the package keeps beside the current one
    previous = next(
        (path for path in sorted(SHIPPED_ADAPTER.parent.iterdir()) if path.is_dir() and path != SHIPPED_ADAPTER), None
    )
    other = registry.register(previous, None, "bench", {}, {}).version if previous is not None else None
    server, target = start_finx_serve({"FINX_ADAPTERS": str(registry_root)} | (environment or {}), options)
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
    """One request naming `base` (the on-demand LoRA engine starts for it): the process tree's
    peak RSS while it runs, and how long it took."""
    from finx.client import FinxClient

    with PeakMemory(pid) as peak, FinxClient(target) as client:
        seconds = timed(lambda: client.extract(text, "receipt", adapter="base"))
    return {"base_s": seconds, "base_rss_gib": peak.rss, "base_pss_gib": peak.pss}


def reload_under_load(
    target: str, registry: AdapterRegistry, version: str, texts: list[str], pid: int
) -> dict[str, float]:
    """4 clients keep sending receipts while `finx adapters promote` makes `version` current (and
    builds its merged weights, in its own process) and ReloadAdapters runs: the promotion's and the
    switch's time, the serving tree's peak memory, failed calls, and the slowest call (a held one
    waits)."""
    import grpc

    from finx.client import FinxClient
    from finx.v1 import extraction_pb2 as pb
    from finx.v1 import extraction_pb2_grpc as pb_grpc

    stop, failures, done, slowest = threading.Event(), [0], [0], [0.0]

    def load() -> None:
        with FinxClient(target) as loader:
            while not stop.is_set():
                try:
                    seconds = timed(lambda: loader.extract(texts[done[0] % len(texts)], "receipt"))
                    done[0] += 1
                    slowest[0] = max(slowest[0], seconds)
                except grpc.RpcError:
                    failures[0] += 1

    threads = [threading.Thread(target=load) for _ in range(4)]
    with PeakMemory(pid) as peak:
        for thread in threads:
            thread.start()
        time.sleep(5)
        started = time.perf_counter()  # as an operator promotes: the merged weights built apart from the server
        promote = [sys.executable, "-m", "finx.cli", "adapters", "promote", version]
        subprocess.run(
            promote, env={**os.environ, "FINX_ADAPTERS": str(registry.root)}, capture_output=True, check=True
        )
        promoted = time.perf_counter() - started
        started = time.perf_counter()
        with grpc.insecure_channel(target) as channel:
            pb_grpc.ExtractionStub(channel).ReloadAdapters(pb.ReloadAdaptersRequest(), timeout=600)
        switched = time.perf_counter() - started
        time.sleep(10)
        stop.set()
        for thread in threads:
            thread.join(600)
    return {
        "promote_s": promoted, "reload_s": switched, "reload_rss_gib": peak.rss, "reload_pss_gib": peak.pss,
        "reload_failed": failures[0], "reload_calls": done[0], "reload_slowest_call_s": slowest[0],
    }  # fmt: skip


def start_finx_serve(environment: dict[str, str], options: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], str]:
    """`finx serve` as its own process on a free loopback port, returned once it answers."""
    import grpc

    from finx.client import FinxClient

    port = free_loopback_port()
    command = [sys.executable, "-m", "finx.cli", "serve", "--port", str(port), "--metrics-port", "0", *options]
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
            f"reload under 4 clients: `finx adapters promote` {served['promote_s']:.1f} s, then "
            f"{served['reload_s']:.1f} s to switch, "
            f"{served['reload_failed']:.0f} failed of {calls:.0f} calls, the slowest "
            f"{served['reload_slowest_call_s']:.1f} s"
        )
