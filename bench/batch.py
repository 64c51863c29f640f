"""Benchmark: `finx batch` on a 200-document folder against a loop of `finx extract` calls.

Run (from the checkout root): .venv/bin/python -m bench.batch [--loop-sample 5] [--base]
The folder is the generated test folder (tests/batch_corpus.py: 25 short receipts and invoices as
.txt .md .html .eml .csv .tsv .pdf, Latin-1 and UTF-16 text, scans through OCR, broken files).
Both sides run the same schema and settings. A `finx extract` loop starts the engine for every
document, so it is timed on a sample of files and extrapolated to the folder; the ratio compares
documents/s. Peak RAM is the largest RSS and PSS total of the batch process and its children.
Prints numbers; not a test.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.memory import PeakMemory
from tests.support.files import SCHEMA, build_folder, short_texts

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop-sample", type=int, default=5, help="finx extract calls to time")
    parser.add_argument("--max-tokens", type=int, default=40)
    parser.add_argument("--adapter", action="store_true", help="use the current adapter (default: the base model)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    root = work / "documents"
    expected = build_folder(root, short_texts())
    documents = [path for path, reason in expected.items() if reason is None]
    schema = work / "schema.json"
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    model = [] if args.adapter else ["--base"]
    common = ["--schema", str(schema), "--max-tokens", str(args.max_tokens), *model]

    out = work / "results.jsonl"
    command = [sys.executable, "-m", "finx.cli", "batch", str(root), "--out", str(out), "--max-mb", "0.1", *common]
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with PeakMemory(process.pid, interval_s=0.2) as peak:
        _, stderr = process.communicate()
    batch_s = time.perf_counter() - began
    summary = [line for line in stderr.decode().splitlines() if line.startswith(("done", "  "))]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    ok = sum(record["status"] == "ok" for record in records)

    sample = documents[:: max(1, len(documents) // args.loop_sample)][: args.loop_sample]
    loop_times = []
    for relative in sample:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "finx.cli", "extract", str(root / relative), *common],
                       cwd=ROOT, capture_output=True, check=False)  # fmt: skip
        loop_times.append(time.perf_counter() - started)
    per_document = statistics.mean(loop_times)

    print(f"folder: {len(expected)} files, {len(documents)} extractable, {len(expected) - len(documents)} broken")
    print(f"finx batch (in-process vLLM, engine start included): {batch_s:.1f} s, {len(records)} lines, {ok} ok")
    for line in summary:
        print(f"  {line.strip()}")
    print(f"  documents/s including start-up: {len(documents) / batch_s:.2f}")
    print(f"  peak RAM (process tree): RSS {peak.rss:.2f} GiB, PSS {peak.pss:.2f} GiB")
    print(f"finx extract loop: {per_document:.1f} s per document (mean of {len(sample)} calls)")
    loop_minutes = per_document * len(documents) / 60
    print(f"  documents/s: {1 / per_document:.3f}; the whole folder would take {loop_minutes:.0f} min")
    print(f"ratio (batch documents/s over extract-loop documents/s): {per_document * len(documents) / batch_s:.1f}x")


if __name__ == "__main__":
    main()
