"""The transformers engine's guidance processor follows the sequence it is shown: masks after a
rolled-back draft are exactly those of a processor that never saw the draft, and a draft the
grammar refuses does not break it (prompt-lookup verification shows it such prefixes)."""

import pytest
import torch

from finx.engines.constraints import guidance_grammar
from finx.engines.transformers_engine import GuidanceProcessor
from tests.support.tokenizers import guidance_tokenizer, tokenizer

pytestmark = pytest.mark.model

SCHEMA = {"type": "object", "properties": {"total": {"type": "string"}}, "required": ["total"]}
PROMPT = [1, 2, 3]


def masked(processor: GuidanceProcessor, answer: list[int]) -> torch.Tensor:
    """Which tokens the processor allows after `answer` (True = allowed)."""
    vocabulary = guidance_tokenizer().vocab_size
    scores = processor(torch.tensor([PROMPT + answer]), torch.zeros(1, vocabulary))
    return scores[0] > float("-inf")


def fresh() -> GuidanceProcessor:
    return GuidanceProcessor(guidance_grammar(SCHEMA), guidance_tokenizer(), len(PROMPT))


def test_masks_after_a_rolled_back_draft_match_a_fresh_run() -> None:
    taken = tokenizer()('{"total":"9.00"}', add_special_tokens=False)["input_ids"]
    other = tokenizer()('{"total":"12"}', add_special_tokens=False)["input_ids"]
    processor = fresh()
    for end in range(len(taken) + 1):  # a draft verified position by position
        masked(processor, taken[:end])
    shared = next(i for i, (a, b) in enumerate(zip(taken, other, strict=False)) if a != b)
    for end in range(shared, len(other)):  # the draft is rejected: another answer from `shared` on
        assert torch.equal(masked(processor, other[:end]), masked(fresh(), other[:end]))


def test_a_refused_draft_token_leaves_the_processor_usable() -> None:
    start = tokenizer()('{"total":"', add_special_tokens=False)["input_ids"]
    refused = tokenizer()("\n", add_special_tokens=False)["input_ids"]  # a raw newline: not in a JSON string
    assert not masked(fresh(), start)[refused[0]]
    processor = fresh()
    masked(processor, start)
    masked(processor, start + refused + refused)  # positions after a refused draft: never used
    assert torch.equal(masked(processor, start), masked(fresh(), start))


def test_a_complete_answer_allows_only_the_end_of_turn() -> None:
    answer = tokenizer()('{"total":"9.00"}', add_special_tokens=False)["input_ids"]
    allowed = masked(fresh(), answer)
    assert allowed.nonzero().flatten().tolist() == [tokenizer().eos_token_id]
