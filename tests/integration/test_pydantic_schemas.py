"""Pydantic models end to end on both engines (the shipped adapter as a per-request LoRA): every
keyword's constraint holds in what is generated, and an answer that validates comes back as an
instance of the caller's model."""

import re
import uuid

import pytest

from finx.adapters.registry import SHIPPED_ADAPTER
from finx.adapters.resolve import ResolvedAdapter
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.schemas import schema_from_model
from tests.support.pydantic_models import KEYWORD_MODELS, Contact, Invoice, Transaction

pytestmark = pytest.mark.slow
SHIPPED = ResolvedAdapter.folder(SHIPPED_ADAPTER)


@pytest.fixture(scope="module")
def answers(vllm_engine, transformers_engine):
    runs = {}
    for engine in (vllm_engine, transformers_engine):
        tasks = [
            ExtractionTask(text, schema_from_model(model), SHIPPED, ExtractOptions(max_tokens=160))
            for model, text in KEYWORD_MODELS.values()
        ]
        runs[engine.name] = dict(
            zip([model for model, _ in KEYWORD_MODELS.values()], Extractor(engine).extract_many(tasks), strict=True)
        )
    return runs


@pytest.mark.parametrize("engine_name", ["vllm", "transformers"])
def test_generated_answers_keep_every_keywords_constraint(answers, engine_name):
    for model, result in answers[engine_name].items():
        assert not isinstance(result, Exception), (model.__name__, result)
        assert result.status in ("ok", "invalid", "truncated"), (model.__name__, result.status)
        if result.status == "ok":
            assert isinstance(result.value, model), model.__name__
        elif result.status == "invalid":  # the model's answer broke the caller's model: pydantic says where
            assert "validation error" in (result.error or ""), result.error
    invoice = answers[engine_name][Invoice]
    if invoice.data is not None:
        assert re.fullmatch(r"PO-\d+", invoice.data["po_number"])  # the pattern, enforced while copying
        assert invoice.data["currency"] in ("USD", "EUR", "GBP")
        assert all(line["quantity"] > 0 for line in invoice.data["lines"])
    transaction = answers[engine_name][Transaction]
    if transaction.data is not None:
        uuid.UUID(transaction.data["reference"])  # format uuid
        assert transaction.data["priority"] in (1, 2, 3)
        assert transaction.data["entry"]["kind"] in ("payment", "refund")
    contact = answers[engine_name][Contact]
    if contact.data is not None:
        assert re.fullmatch(r"[^@\s]+@[^@\s]+", contact.data["email"])  # format email


def test_the_engines_agree_on_every_model(answers):
    assert [result.raw for result in answers["vllm"].values()] == [
        result.raw for result in answers["transformers"].values()
    ]
