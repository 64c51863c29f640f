"""The fixture corpus and the real-model helpers shared by tests and `bench/`.

Import as `tests.support.corpus` (tests run from the checkout; benchmarks run as `python -m bench.X`
from the checkout root), never through `sys.path` edits.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from finx.adapters.resolve import BASE_MODEL
from finx.config import EngineConfig, configured_model_dir
from finx.engines.base import Engine
from finx.errors import FinxError
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult
from finx.schemas import load_schema
from finx.schemas.base import SchemaSpec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCUMENTS = FIXTURES / "documents"
CORPUS_MAX_TOKENS = 160
"""Cap on generated tokens for the corpus: keeps the suite bounded on a 2-core CPU."""


class ModelMissing(RuntimeError):
    """The embedded model has not been fetched (`make test` runs `finx model fetch`)."""


@dataclass(frozen=True)
class CorpusDocument:
    id: str
    text: str
    schema: SchemaSpec


def load_corpus() -> list[CorpusDocument]:
    """The hand-written messy documents of `tests/fixtures/documents`, each with its schema."""
    manifest = json.loads((DOCUMENTS / "manifest.json").read_text())
    corpus = []
    for key, schema_ref in manifest.items():
        file_name = key.split("#")[0]
        ref = str(DOCUMENTS / schema_ref) if schema_ref.endswith(".json") else schema_ref
        corpus.append(CorpusDocument(key, (DOCUMENTS / file_name).read_text(encoding="utf-8"), load_schema(ref)))
    return corpus


def suite_engine_config(**settings) -> EngineConfig:
    """The engine settings of the suite's shared engines: float32 on every CPU, so the engines'
    greedy outputs can be compared exactly (bfloat16 parity, within tolerances, is tested apart);
    LoRA up to rank 64, as `finx serve` allows (the shipped adapter is rank 48)."""
    return EngineConfig(**({"dtype": "float32"} | settings))


def require_model() -> None:
    if not (configured_model_dir() / "config.json").is_file():
        raise ModelMissing(f"no model at {configured_model_dir()}: run `make test` (it runs `finx model fetch`)")


def start_engine(name: str) -> Engine:
    from finx.engines import create_engine

    require_model()
    return create_engine(suite_engine_config(engine=name))


def make_random_lora(path: Path, seed: int = 0) -> Path:
    """A LoRA adapter with random (non-zero) weights: changes the output, so adapter routing shows."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    require_model()
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(configured_model_dir(), dtype=torch.float32)
    config = LoraConfig(r=8, lora_alpha=32, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(path)
    return path


_corpus_runs: dict[str, dict[str, ExtractionResult | FinxError]] = {}


def run_corpus(engine: Engine) -> dict[str, ExtractionResult | FinxError]:
    """The whole corpus extracted once per engine, dtype and speculation (greedy, no adapter), keyed
    by document id."""
    key = f"{engine.name}/{engine.dtype}/{engine.config.speculative_tokens}"
    if key not in _corpus_runs:
        corpus = load_corpus()
        # every value kept (min_confidence 0): the engines are compared on all of them; the default
        # withholding of unsure entity-list entries is tested on the scripted engine (test_snapshots)
        options = ExtractOptions(max_tokens=CORPUS_MAX_TOKENS, min_confidence=0.0)
        outcomes = Extractor(engine).extract_many(
            [ExtractionTask(doc.text, doc.schema, BASE_MODEL, options) for doc in corpus]
        )
        _corpus_runs[key] = {doc.id: outcome for doc, outcome in zip(corpus, outcomes, strict=True)}
    return _corpus_runs[key]
