"""Benchmark: what copy-grounded decoding costs per request, against the plain JSON constraint.

Run (from the checkout root): .venv/bin/python -m bench.copy_grounding [--repeat 5]
For a receipt (a fixture of the test corpus) and a 768-token NDA chunk (the first chunk of a
Kleister-NDA document from ../shared/data when present, else a long corpus document): the time to
build the copy-grounding grammar, to create its llguidance matcher, and to compute the token
mask at each step of a real answer (the grammar's own greedy-free path: the answer's tokens are
fed one by one), against the same for the schema's plain JSON constraint. Prints numbers; not a test.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

from finx.config import ExtractionPolicy, configured_model_dir
from finx.engines.constraints import copy_grammar, guidance_grammar
from finx.extraction.chunking import chunk_document
from finx.schemas import get_schema
from tests.support.corpus import load_corpus

KLEISTER = Path(__file__).resolve().parents[2] / "shared" / "data" / "kleister-nda-train"


def nda_chunk(tokenizer: object) -> tuple[str, str]:
    """(source, text) of a 768-token NDA chunk."""
    if (KLEISTER / "in.tsv.xz").is_file():
        from finx.training.importers.kleister import read

        example = next(iter(read(KLEISTER)))
        config = ExtractionPolicy()
        chunk = chunk_document(example.text, tokenizer, config.chunk_tokens, config.chunk_overlap_tokens)[0]  # type: ignore[arg-type]
        return "Kleister-NDA " + example.id, chunk.text
    longest = max(load_corpus(), key=lambda doc: len(doc.text))
    return "corpus " + longest.id, longest.text


def time_matcher(tokenizer: object, guidance_tokenizer: object, grammar: str, answer: str) -> tuple[float, list[float]]:
    """(seconds to create the matcher, seconds per token mask along `answer`)."""
    import llguidance
    import llguidance.torch

    started = time.perf_counter()
    matcher = llguidance.LLMatcher(guidance_tokenizer, grammar)
    created = time.perf_counter() - started
    assert not matcher.is_error(), matcher.get_error()
    bitmask = llguidance.torch.allocate_token_bitmask(1, guidance_tokenizer.vocab_size)  # type: ignore[attr-defined]
    masks = []
    for token in tokenizer.encode(answer, add_special_tokens=False):  # type: ignore[attr-defined]
        started = time.perf_counter()
        llguidance.torch.fill_next_token_bitmask(matcher, bitmask, 0)
        masks.append(time.perf_counter() - started)
        assert matcher.consume_token(token), (matcher.get_error(), answer)
    return created, masks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from llguidance.hf import from_tokenizer
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(configured_model_dir())
    guidance_tokenizer = from_tokenizer(tokenizer)
    receipt = next(doc for doc in load_corpus() if doc.schema.name == "receipt")
    source, chunk = nda_chunk(tokenizer)
    nda_answer = {"parties": [], "jurisdiction": None, "effective_date": None, "term": None}
    words = chunk.split()
    nda_answer["parties"] = [" ".join(words[3:6]), " ".join(words[10:12])]
    receipt_answer = {"company": receipt.text.split("\n")[0].strip(), "date": None, "address": None, "total": None}
    cases = [
        ("receipt " + receipt.id, get_schema("receipt"), receipt.text, receipt_answer),
        (source, get_schema("nda"), chunk, nda_answer),
    ]
    print(
        f"{'document':40} {'tokens':>6} {'constraint':>10} {'build ms':>9} {'matcher ms':>10} "
        f"{'mask p50 us':>11} {'mask p95 us':>11} {'request ms':>10}"
    )
    for name, spec, text, answer in cases:
        answer_text = json.dumps(answer, separators=(",", ":"))
        tokens = len(tokenizer.encode(text, add_special_tokens=False))
        for label in ("json", "copy"):
            builds, creations, masks = [], [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                grammar = (
                    copy_grammar(spec.json_schema, text) if label == "copy" else guidance_grammar(spec.json_schema)
                )
                builds.append(time.perf_counter() - started)
                created, per_token = time_matcher(tokenizer, guidance_tokenizer, grammar, answer_text)
                creations.append(created)
                masks.extend(per_token)
            masks.sort()
            build, creation = statistics.median(builds), statistics.median(creations)
            per_request = build + creation + sum(masks) / args.repeat
            print(
                f"{name[:40]:40} {tokens:>6} {label:>10} {build * 1e3:>9.2f} {creation * 1e3:>10.2f} "
                f"{masks[len(masks) // 2] * 1e6:>11.0f} {masks[int(len(masks) * 0.95)] * 1e6:>11.0f} "
                f"{per_request * 1e3:>10.1f}"
            )


if __name__ == "__main__":
    main()
