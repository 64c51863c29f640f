"""Shared fixtures: the real model, one engine of each kind per test session, the fixture corpus
(helpers live in `tests/support/`, shared with `bench/`)."""

import os
from pathlib import Path

import pytest

from finx.errors import FinxError
from finx.extraction.result import ExtractionResult
from tests.support.corpus import ModelMissing, make_random_lora, run_corpus, start_engine

os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def engine_or_fail(name: str):
    try:
        return start_engine(name)
    except ModelMissing as missing:
        pytest.fail(str(missing))


@pytest.fixture(scope="session")
def random_lora(tmp_path_factory) -> Path:
    return make_random_lora(tmp_path_factory.mktemp("random-lora"))


@pytest.fixture(scope="session")
def vllm_engine():
    engine = engine_or_fail("vllm")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def transformers_engine():
    engine = engine_or_fail("transformers")
    yield engine
    engine.close()


@pytest.fixture(scope="session", params=["vllm", "transformers"])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture(scope="session")
def corpus_results(engine) -> dict[str, ExtractionResult | FinxError]:
    return run_corpus(engine)
