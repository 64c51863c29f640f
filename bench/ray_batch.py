"""Benchmark: `finx batch --ray` on a Ray started on this machine against the local `finx batch`,
on the same folder, and Ray's start-up overhead.

Run (from the checkout root): .venv/bin/python -m bench.ray_batch [--docs 40] [--max-tokens 128] [--actors 1]
Documents: SROIE dev-split receipts from ../shared/data when present, else the corpus receipts;
the shipped adapter (merged), the receipt schema. Both runs are whole `finx batch` processes, so
engine start-up is included in both; Ray's own overhead (`ray.init` to a ready cluster, and
`ray.shutdown`) is timed apart. Prints numbers; not a test.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.serving import receipts

ROOT = Path(__file__).resolve().parents[1]


def run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def ray_overhead() -> dict[str, float]:
    import ray

    started = time.perf_counter()
    ray.init(include_dashboard=False, log_to_driver=False)
    ready = time.perf_counter() - started
    started = time.perf_counter()
    ray.shutdown()
    return {"ray_init_s": round(ready, 2), "ray_shutdown_s": round(time.perf_counter() - started, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--actors", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    (folder / "in").mkdir()
    texts = receipts(args.docs)
    for index, text in enumerate(texts):
        (folder / "in" / f"receipt-{index:03d}.txt").write_text(text, encoding="utf-8")
    common = [sys.executable, "-m", "finx.cli", "batch", str(folder / "in"), "--schema", "receipt",
              "--max-tokens", str(args.max_tokens)]  # fmt: skip
    local_s = run([*common, "--out", str(folder / "local.jsonl")])
    ray_s = run([*common, "--out", str(folder / "ray.jsonl"), "--ray", "--ray-actors", str(args.actors)])
    local = {line["path"]: line["status"] for line in map(json.loads, (folder / "local.jsonl").open())}
    on_ray = {line["path"]: line["status"] for line in map(json.loads, (folder / "ray.jsonl").open())}
    report = {
        "documents": len(texts),
        "local_s": round(local_s, 1),
        "ray_s": round(ray_s, 1),
        "local_docs_per_s": round(len(texts) / local_s, 3),
        "ray_docs_per_s": round(len(texts) / ray_s, 3),
        "ray_vs_local": round(local_s / ray_s, 2),
        "same_statuses": local == on_ray,
        **ray_overhead(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
