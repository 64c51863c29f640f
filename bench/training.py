"""Benchmark: training speed on the real mix, in trained tokens/s and as a share of this CPU's ceiling.

Run (from the checkout root): .venv/bin/python -m bench.training [--config finetune/configs/v2.yaml] [--steps 6]
Runs the first steps of the config's own run (same records, batch, LoRA, threads) in a scratch
folder and reads TRL's token count. The ceiling: a LoRA step costs about 0.8 GFLOP per trained
token for SmolLM2-135M (forward, backward through the frozen weights, adapter updates), and fp32
matmul runs at about 200 GFLOP/s on these 2 cores, so ~250 tokens/s. Prints numbers; not a test.
"""

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

from finetune.train import TrainConfig, main

CEILING_TOKENS_PER_S = 250.0


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("finetune/configs/v2.yaml"))
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    scratch = Path(tempfile.mkdtemp(prefix="bench-training-"))
    config = replace(config, output_dir=scratch, max_steps=args.steps, save_steps=10**6, logging_steps=1)
    summary = json.loads((main(config) / "training.json").read_text())
    rate = summary["tokens_per_s"]
    batch = f"{config.batch_size} x {config.gradient_accumulation_steps}"
    print(f"config {args.config}: {summary['records']} records, batch {batch}")
    steps, tokens = summary["steps"], summary["trained_tokens"]
    print(f"{steps} steps, {tokens} trained tokens, {summary['seconds_per_step']} s/step")
    share = rate / CEILING_TOKENS_PER_S
    print(f"{rate:.1f} tokens/s = {share:.0%} of the ~{CEILING_TOKENS_PER_S:.0f} tokens/s ceiling")


if __name__ == "__main__":
    run()
