"""Benchmark: one document from the CLI, `finx extract examples/receipt.txt`, as a user runs it:
whole-process wall time per engine and dtype, and through a running `finx serve` (`--server`, what
a user running it in a loop does), and whether the answer is the same.

Run (from the checkout root): .venv/bin/python -m bench.one_document [--file examples/receipt.txt]
    [--engine vllm|transformers|server] [--repeat 3]
Each setting runs `finx extract FILE --json` in a fresh process (merged weights already cached by
a first untimed run), so the time includes Python start-up, imports, engine start and extraction;
the `server` row starts `finx serve` once (its defaults, untimed) and times only the CLI calls.
Prints numbers; not a test.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.serve_phase import start_finx_serve

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = [("vllm", "float32"), ("vllm", "auto"), ("transformers", "float32"), ("transformers", "auto")]


def run(file: str, engine: str, dtype: str, server: str | None = None) -> tuple[float, dict]:
    command = [sys.executable, "-m", "finx.cli", "extract", file, "--schema", "receipt", "--json"]
    command += ["--server", server] if server else ["--engine", engine, "--dtype", dtype]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, env=os.environ)
    return time.perf_counter() - started, json.loads(completed.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="examples/receipt.txt")
    engines = sorted({engine for engine, _ in SETTINGS} | {"server"})
    parser.add_argument("--engine", choices=engines, help="only this engine's rows (server: through finx serve)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per setting (the median is printed)")
    args = parser.parse_args()
    settings = [(engine, dtype) for engine, dtype in SETTINGS if args.engine in (None, engine)]
    for engine, dtype in settings:  # build the merged weights of each dtype once, untimed
        run(args.file, engine, dtype)
    print(f"{'engine':14} {'dtype':8} {'ran as':9} {'wall s':>7} {'extract s':>9}  answer")
    first: list[dict | None] = []  # the first row's answer, which the others are compared with

    def row(name: str, dtype: str, timed_runs: list[tuple[float, dict]], remark: str = "") -> None:
        seconds, result = sorted(timed_runs, key=lambda timed: timed[0])[len(timed_runs) // 2]
        first.append(result["data"])
        same = "same" if result["data"] == first[0] else f"differs: {json.dumps(result['data'])}"
        extract_s = result["timings"]["total_s"]
        print(f"{name:14} {dtype:8} {result['dtype']:9} {seconds:>7.1f} {extract_s:>9.2f}  {same}{remark}")

    for engine, dtype in settings:
        row(engine, dtype, [run(args.file, engine, dtype) for _ in range(args.repeat)])
    if args.engine in (None, "server"):
        server, target = start_finx_serve({})
        try:
            run(args.file, "", "", target)  # the service's first request of this schema, untimed
            timed_runs = [run(args.file, "", "", target) for _ in range(args.repeat)]
        finally:
            server.terminate()
            server.wait(120)
        row("--server", "auto", timed_runs, "   (finx serve running; goal <= 4 s wall)")


if __name__ == "__main__":
    main()
