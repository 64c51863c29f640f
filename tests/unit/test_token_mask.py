"""The transformers engine's token mask is exactly llguidance's (its numpy reference kernel): every
bit of every 32-token word, the sign bit included, and tokens past the mask disallowed."""

import numpy as np
import torch
from llguidance.numpy import apply_token_bitmask_inplace

from finx.engines.transformers_engine import mask_disallowed


def test_the_mask_matches_llguidance_bit_for_bit() -> None:
    generator = np.random.default_rng(7)
    words = generator.integers(-(2**31), 2**31, size=(1, 8), dtype=np.int64).astype(np.int32)
    words[0, 0] = -1  # all allowed, sign bit set
    words[0, 1] = 0  # none allowed
    words[0, 2] = np.int32(-(2**31))  # only the 32nd token of the word
    vocabulary = 8 * 32 + 5  # the model's vocabulary can be longer than the grammar's

    ours = torch.zeros(vocabulary)
    mask_disallowed(ours, words[0])
    reference = np.zeros((1, vocabulary), dtype=np.float32)
    apply_token_bitmask_inplace(reference, words)

    assert np.array_equal(np.isinf(ours.numpy()), np.isinf(reference[0]))
    assert not torch.isinf(ours[64 + 31]) and torch.isinf(ours[64 : 64 + 31]).all()
    assert torch.isinf(ours[8 * 32 :]).all() and not torch.isinf(ours[:32]).any()


def test_scores_in_bfloat16_are_masked_in_place() -> None:
    scores = torch.ones(64, dtype=torch.bfloat16)
    mask_disallowed(scores, np.array([0b101, 0], dtype=np.int32))
    assert (scores > float("-inf")).nonzero().flatten().tolist() == [0, 2]
