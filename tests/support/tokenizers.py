"""The real model's tokenizer and its llguidance form, loaded once per test session (tests that
check grammars token by token, without an engine)."""

from functools import cache
from typing import Any

from tests.support.corpus import require_model


@cache
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    from finx.config import configured_model_dir

    require_model()
    return AutoTokenizer.from_pretrained(configured_model_dir())


@cache
def guidance_tokenizer() -> Any:
    from llguidance.hf import from_tokenizer

    return from_tokenizer(tokenizer())
