"""Benchmark: training speed on the real mix, float32 against the precision `auto` picks, in trained
tokens/s, with the ratio and the share of this CPU's ceiling.

Run (from the checkout root):
    .venv/bin/python -m bench.training [--config finetune/finx/training/configs/v3.yaml] [--steps 6]
Runs the first steps of the config's own run (same records, batch, LoRA, threads) twice in scratch
folders, once in float32 and once in the precision `auto` resolves to on this machine (bfloat16
where the CPU has bf16 units), and reads TRL's token count (prompt and answer tokens). The ceiling:
a LoRA step costs about 0.8 GFLOP per trained token for SmolLM2-135M (forward, backward through the
frozen weights, adapter updates); the matmul rate of each dtype is measured here, in the same run.
Prints numbers; not a test.
"""

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from finx.training.train import TrainConfig, main, resolve_precision

GFLOP_PER_TRAINED_TOKEN = 0.8


def matmul_gflops(dtype_name: str, size: int = 2048, repeats: int = 8) -> float:
    import torch

    dtype = getattr(torch, dtype_name)
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("finetune/finx/training/configs/v3.yaml"))
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    chosen = resolve_precision("auto", cuda=False)
    rates: dict[str, float] = {}
    for precision in dict.fromkeys(["float32", chosen]):
        scratch = Path(tempfile.mkdtemp(prefix=f"bench-training-{precision}-"))
        trial = replace(
            config, output_dir=scratch, max_steps=args.steps, save_steps=10**6, logging_steps=1, precision=precision
        )
        summary = json.loads((main(trial) / "training.json").read_text())
        rates[precision] = summary["tokens_per_s"]
        ceiling = matmul_gflops(precision) / GFLOP_PER_TRAINED_TOKEN
        print(
            f"{precision}: {summary['steps']} steps, {summary['trained_tokens']} trained tokens, "
            f"{summary['seconds_per_step']} s/step, {rates[precision]:.1f} tokens/s "
            f"= {rates[precision] / ceiling:.0%} of the ~{ceiling:.0f} tokens/s its matmuls allow"
        )
    batch = f"{config.batch_size} x {config.gradient_accumulation_steps}"
    print(f"config {args.config}: batch {batch}; auto picks {chosen} here")
    if chosen != "float32":
        print(f"{chosen} / float32 = {rates[chosen] / rates['float32']:.2f}x")


if __name__ == "__main__":
    run()
