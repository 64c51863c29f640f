"""Benchmark: seconds per document and tokens/s of both engines on the test corpus.

Run (from the checkout root): .venv/bin/python -m bench.engines [--max-tokens 160]
Prints one table; numbers depend on the machine (this is not a test).
"""

import argparse
import time

from finx.config import EngineConfig
from finx.engines import create_engine
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult
from tests.support.corpus import load_corpus


def measure(engine_name: str, max_tokens: int) -> dict[str, float]:
    started = time.perf_counter()
    engine = create_engine(EngineConfig(engine=engine_name))
    start_s = time.perf_counter() - started
    corpus = load_corpus()
    tasks = [ExtractionTask(doc.text, doc.schema, options=ExtractOptions(max_tokens=max_tokens)) for doc in corpus]
    extractor = Extractor(engine)
    extractor.extract_many(tasks[:1])  # warm-up: first request pays one-off costs
    began = time.perf_counter()
    outcomes = extractor.extract_many(tasks)
    wall = time.perf_counter() - began
    engine.close()
    results = [outcome for outcome in outcomes if isinstance(outcome, ExtractionResult)]
    completion = sum(result.completion_tokens for result in results)
    prompt = sum(result.prompt_tokens for result in results)
    return {
        "start_s": start_s,
        "docs": len(tasks),
        "ok": sum(result.ok for result in results),
        "truncated": sum(result.truncated for result in results),
        "wall_s": wall,
        "s_per_doc": wall / len(tasks),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "completion_tok_s": completion / wall,
        "total_tok_s": (prompt + completion) / wall,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--engines", nargs="+", default=["vllm", "transformers"])
    args = parser.parse_args()
    rows = {name: measure(name, args.max_tokens) for name in args.engines}
    columns = list(next(iter(rows.values())))
    print("engine        " + " ".join(f"{column:>17}" for column in columns))
    for name, row in rows.items():
        print(f"{name:13} " + " ".join(f"{row[column]:>17.2f}" for column in columns))
    if {"vllm", "transformers"} <= set(rows):
        print(f"vllm/transformers documents/s ratio: {rows['transformers']['wall_s'] / rows['vllm']['wall_s']:.2f}")
