"""Compacting an adapter for shipping (`finx.training.compact`): at the adapter's own rank the
compacted adapter computes what it did; at a lower rank it is the best approximation SVD gives, in
bfloat16, with the energy it kept reported; settings it does not handle are refused."""

import json
from pathlib import Path

import pytest
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file

from finx.training.compact import CannotCompact, compact_adapter
from tests.support.tiny_llama import base_model, logits


@pytest.fixture
def rank_4_adapter(tmp_path: Path) -> Path:
    torch.manual_seed(1)
    config = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False)
    get_peft_model(base_model(), config).save_pretrained(tmp_path / "r4")
    return tmp_path / "r4"


def adapted_logits(adapter_dir: Path) -> torch.Tensor:
    return logits(PeftModel.from_pretrained(base_model(), adapter_dir).eval())


def test_at_its_own_rank_the_compacted_adapter_computes_what_the_adapter_did(rank_4_adapter: Path, tmp_path: Path):
    compacted = compact_adapter(rank_4_adapter, tmp_path / "same", rank=4, dtype=torch.float32)
    assert (compacted.rank, compacted.modules) == (4, 14) and compacted.energy_kept == pytest.approx(1.0)
    torch.testing.assert_close(adapted_logits(tmp_path / "same"), adapted_logits(rank_4_adapter), atol=1e-5, rtol=0)


def test_a_lower_rank_keeps_the_largest_singular_directions_in_bfloat16(rank_4_adapter: Path, tmp_path: Path):
    compacted = compact_adapter(rank_4_adapter, tmp_path / "r2", rank=2)
    config = json.loads((tmp_path / "r2" / "adapter_config.json").read_text())
    assert (config["r"], config["lora_alpha"]) == (2, 2)
    weights = load_file(tmp_path / "r2" / "adapter_model.safetensors")
    original = load_file(rank_4_adapter / "adapter_model.safetensors")
    key = next(name for name in weights if name.endswith("q_proj.lora_A.weight"))
    assert weights[key].dtype == torch.bfloat16 and weights[key].shape[0] == 2
    update = 2.0 * original[key.replace("lora_A", "lora_B")] @ original[key]  # alpha 8 / r 4
    s = torch.linalg.svdvals(update)
    compacted_update = weights[key.replace("lora_A", "lora_B")].float() @ weights[key].float()
    error = torch.linalg.matrix_norm(update - compacted_update)  # the best rank-2 error: s[2:]
    assert error == pytest.approx(float(s[2:].square().sum().sqrt()), rel=0.02)
    assert 0.5 < compacted.worst_module_energy_kept <= compacted.energy_kept < 1.0
    assert adapted_logits(tmp_path / "r2").shape == adapted_logits(rank_4_adapter).shape


def test_a_rank_above_the_adapters_is_refused(rank_4_adapter: Path, tmp_path: Path):
    with pytest.raises(CannotCompact, match="between 1 and the adapter's rank 4"):
        compact_adapter(rank_4_adapter, tmp_path / "r8", rank=8)
    assert not (tmp_path / "r8").exists()
