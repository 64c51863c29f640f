"""Benchmark: reference store load time, lookup latency p50/p99, linking accuracy (top-1).

Run (from the checkout root):
    .venv/bin/python -m bench.retrieval [--sec ../shared/data/sec-company-tickers/company_tickers_exchange.json]
Latency is measured over the SEC company list (about 10k tickers, 8k companies) with queries
drawn from it: exact names, lower-cased names, names with one character changed (OCR-like),
and tickers. Accuracy is top-1 over the hand-made pairs of tests/fixtures/references, on the
shipped sample store, and on the SEC store for the pairs whose answer is an SEC registrant.
Prints numbers; not a test.
"""

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from finx.config import RetrievalConfig
from finx.retrieval import seed_default_store
from finx.retrieval.loaders import read_references
from finx.retrieval.sqlite_store import SqliteRetriever, build_store

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "fixtures" / "references" / "linking_pairs.jsonl"
DEFAULT_SEC = ROOT.parent / "shared" / "data" / "sec-company-tickers" / "company_tickers_exchange.json"


def accuracy(retriever: SqliteRetriever, pairs: list[dict], threshold: float) -> str:
    """Top-1 accuracy, and how the misses split into wrong links and links left out."""
    correct = wrong = missed = 0
    for pair in pairs:
        candidates = retriever.lookup(pair["mention"], pair["kind"], k=1)
        linked = candidates[0].id if candidates and candidates[0].score >= threshold else None
        correct += linked == pair["expected"]
        wrong += linked is not None and linked != pair["expected"]
        missed += linked is None and pair["expected"] is not None
    return f"{correct}/{len(pairs)} = {correct / len(pairs):.3f} (wrong link: {wrong}, left unlinked: {missed})"


def typo(name: str, rng: random.Random) -> str:
    letters = [index for index, char in enumerate(name) if char.isalpha()]
    if not letters:
        return name
    index = rng.choice(letters)
    return name[:index] + rng.choice("0l1rnmo") + name[index + 1 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sec", type=Path, default=DEFAULT_SEC)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    threshold = RetrievalConfig().link_threshold
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    folder = Path(tempfile.mkdtemp())

    sample_path = folder / "sample.sqlite"
    seed_default_store(sample_path)
    sample_accuracy = accuracy(SqliteRetriever(sample_path), pairs, threshold)
    print(f"linking accuracy, sample store, hand-made pairs: {sample_accuracy}")

    if not args.sec.exists():
        print(f"{args.sec} not found: SEC load and latency skipped")
        return
    started = time.perf_counter()
    loaded = read_references("sec", args.sec)
    store = build_store(loaded.records, folder / "sec.sqlite", source="sec")
    load_s = time.perf_counter() - started
    tickers = sum(len(record.attributes.get("tickers", [])) for record in loaded.records)
    print(f"SEC load: {store.records} companies, {tickers} tickers in {load_s:.2f} s")
    retriever = SqliteRetriever(store.path)
    sec_pairs = [pair for pair in pairs if str(pair["expected"]).startswith("cik:")]
    sec_accuracy = accuracy(retriever, sec_pairs, threshold)
    print(f"linking accuracy, SEC store, pairs answered by SEC registrants: {sec_accuracy}")

    rng = random.Random(0)
    records = rng.sample(loaded.records, min(args.queries // 4, len(loaded.records)))
    queries = []
    for record in records:
        queries += [(record.name, "company"), (record.name.lower(), "company"), (typo(record.name, rng), "company")]
        codes = record.attributes.get("tickers")
        queries.append((codes[0], "ticker") if codes else (record.name, ""))
    retriever.lookup("warm up", "company")
    by_shape: dict[str, list[float]] = {}
    found_self = 0
    for position, (query, kind) in enumerate(queries):
        began = time.perf_counter()
        results = retriever.lookup(query, kind, k=5)
        by_shape.setdefault(["exact", "lower", "typo", "ticker"][position % 4], []).append(time.perf_counter() - began)
        found_self += bool(results) and results[0].id == records[position // 4].id
    every = sorted(value for values in by_shape.values() for value in values)
    print(f"lookups: {len(every)}; top-1 is the record queried: {found_self / len(every):.3f}")
    print(f"{'queries':10} {'p50 ms':>8} {'p99 ms':>8}")
    for shape, values in [*by_shape.items(), ("all", every)]:
        values = sorted(values)
        p99 = values[min(len(values) - 1, int(0.99 * len(values)))]
        print(f"{shape:10} {statistics.median(values) * 1000:8.2f} {p99 * 1000:8.2f}")


if __name__ == "__main__":
    main()
