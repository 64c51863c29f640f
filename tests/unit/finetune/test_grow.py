"""Growing an adapter to a larger rank (`finx.training.grow`): the grown model computes what the
adapter did, whatever alpha the new rank is given, and its new ranks train. A tiny random Llama
stands in for the base model (`tests/support/tiny_llama.py`)."""

from pathlib import Path
from typing import Any

import pytest
import torch
from peft import LoraConfig, PeftConfig, PeftModel, get_peft_model

from finx.errors import FinxError
from finx.training.grow import grown_adapter
from finx.training.train import LoraSettings
from tests.support.tiny_llama import TOKENS, base_model, logits


@pytest.fixture
def rank_4_adapter(tmp_path: Path) -> Path:
    torch.manual_seed(1)
    config = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False)
    adapted = get_peft_model(base_model(), config)  # random A and B: the adapter changes the output
    adapted.save_pretrained(tmp_path / "r4")
    return tmp_path / "r4"


def grow(adapter_dir: Path, rank: int, alpha: int) -> torch.nn.Module:
    old = PeftConfig.from_pretrained(str(adapter_dir))
    return grown_adapter(base_model(), adapter_dir, old, LoraSettings(r=rank, alpha=alpha, dropout=0.0))


def rank_of(adapter_dir: Path) -> int:
    return PeftConfig.from_pretrained(str(adapter_dir)).r  # type: ignore[attr-defined]


@pytest.mark.parametrize("alpha", [32, 64, 7])
def test_a_grown_adapter_computes_what_the_adapter_did(rank_4_adapter: Path, alpha: int) -> None:
    before = logits(PeftModel.from_pretrained(base_model(), rank_4_adapter).eval())
    assert not torch.allclose(before, logits(base_model()), atol=1e-3)  # the adapter matters
    grown = grow(rank_4_adapter, rank=16, alpha=alpha).eval()
    assert rank_of(rank_4_adapter) == 4 and grown.peft_config["default"].r == 16
    torch.testing.assert_close(logits(grown), before, atol=1e-5, rtol=1e-5)


def test_the_grown_ranks_train(rank_4_adapter: Path, tmp_path: Path) -> None:
    grown: Any = grow(rank_4_adapter, rank=8, alpha=16)
    trainable = [name for name, parameter in grown.named_parameters() if parameter.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)
    grown.train()
    loss = grown(TOKENS, labels=TOKENS).loss
    loss.backward()
    b = next(module for name, module in grown.named_modules() if name.endswith("q_proj.lora_B.default"))
    assert b.weight.grad is not None and b.weight.grad[:, 4:].abs().sum() > 0  # the new ranks learn
    grown.save_pretrained(tmp_path / "r8")
    assert rank_of(tmp_path / "r8") == 8


def test_an_adapter_does_not_shrink(rank_4_adapter: Path) -> None:
    with pytest.raises(FinxError, match=r"cannot grow the rank-4 adapter .* to rank 2"):
        grow(rank_4_adapter, rank=2, alpha=4)
