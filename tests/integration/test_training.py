"""A tiny real training run: the loss falls, and the adapter loads into both engines with the same output."""

import json

import pytest

from finx.adapters.resolve import ResolvedAdapter
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.schemas import custom_schema
from finx.training.examples import make_example
from finx.training.train import TrainConfig, main

pytestmark = pytest.mark.slow

SCHEMA = custom_schema(
    {
        "type": "object",
        "properties": {"payee": {"type": "string", "maxLength": 40}, "amount": {"type": "string", "maxLength": 16}},
        "required": ["payee", "amount"],
    }
)
PAYMENTS = [
    ("Paid 41.20 to Harbor Bakery on Monday.", "Harbor Bakery", "41.20"),
    ("Transfer of 900.00 to Lakeside Rentals.", "Lakeside Rentals", "900.00"),
    ("Card payment 12.99 Northwind Books", "Northwind Books", "12.99"),
    ("We sent 75.50 to Blue Fern Florist.", "Blue Fern Florist", "75.50"),
]


@pytest.fixture(scope="module")
def tiny_adapter(tmp_path_factory):
    examples = [
        make_example(f"pay-{i}", SCHEMA, text, {"payee": payee, "amount": amount})
        for i, (text, payee, amount) in enumerate(PAYMENTS)
    ]
    output_dir = tmp_path_factory.mktemp("tiny-run")
    config = TrainConfig(
        output_dir=output_dir,
        sources=[],
        max_length=384,
        batch_size=2,
        gradient_accumulation_steps=1,
        learning_rate=1e-3,
        max_steps=10,
        warmup_ratio=0.0,
        logging_steps=1,
        save_steps=5,
    )
    return main(config, examples=examples)


def test_tiny_training_run_lowers_the_loss_and_writes_a_summary(tiny_adapter):
    summary = json.loads((tiny_adapter / "training.json").read_text())
    losses = summary["losses"]
    assert summary["steps"] == 10 and len(losses) == 10
    assert sum(losses[-3:]) / 3 < 0.5 * sum(losses[:3]) / 3, losses
    assert (tiny_adapter / "adapter_config.json").is_file()
    assert (tiny_adapter.parent / "checkpoints" / "checkpoint-10").is_dir()


def test_trained_adapter_loads_into_both_engines_with_the_same_output(tiny_adapter, vllm_engine, transformers_engine):
    task = ExtractionTask(
        "Paid 41.20 to Harbor Bakery on Monday.",
        SCHEMA,
        adapter=ResolvedAdapter.folder(tiny_adapter),
        options=ExtractOptions(max_tokens=40),
    )
    vllm_result = Extractor(vllm_engine).extract(task)
    transformers_result = Extractor(transformers_engine).extract(task)
    assert vllm_result.raw == transformers_result.raw
    assert vllm_result.ok and vllm_result.data == {"payee": "Harbor Bakery", "amount": "41.20"}
