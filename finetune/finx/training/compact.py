"""Compacting a trained LoRA adapter for shipping: each module's update (scaling * B @ A) factored
again by SVD to a lower rank and stored in bfloat16, so a rank-64 adapter ships in a quarter of its
bytes. The singular values dropped are reported as the share of each update's energy (squared
Frobenius norm) kept; the compacted adapter is judged on dev like any other before it ships.

It reads and writes adapter folders only (PEFT's `adapter_config.json` and
`adapter_model.safetensors`, other files copied as they are); it knows nothing about models,
engines or the registry. Adapters with per-module ranks, rsLoRA or DoRA are refused.
"""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from finx.errors import FinxError

WEIGHTS = "adapter_model.safetensors"
CONFIG = "adapter_config.json"


class CannotCompact(FinxError):
    """An adapter this module cannot factor again (a setting it does not handle, or no weights)."""


@dataclass(frozen=True)
class Compacted:
    rank: int
    modules: int
    energy_kept: float
    """Over all modules together: the kept share of the updates' squared Frobenius norm."""
    worst_module_energy_kept: float


def compact_adapter(adapter_dir: Path, out_dir: Path, rank: int, dtype: torch.dtype = torch.bfloat16) -> Compacted:
    """Write `adapter_dir` to `out_dir` at `rank` (alpha = rank: scaling 1) with weights in `dtype`."""
    config = json.loads((adapter_dir / CONFIG).read_text())
    if config.get("rank_pattern") or config.get("alpha_pattern") or config.get("use_rslora") or config.get("use_dora"):
        raise CannotCompact(f"{adapter_dir}: per-module ranks, rsLoRA and DoRA are not compacted")
    if not 0 < rank <= config["r"]:
        raise CannotCompact(f"rank {rank} must be between 1 and the adapter's rank {config['r']}")
    scaling = config["lora_alpha"] / config["r"]
    tensors = load_file(adapter_dir / WEIGHTS)
    compacted: dict[str, torch.Tensor] = {}
    kept = total = 0.0
    worst = 1.0
    for a_key in sorted(key for key in tensors if key.endswith("lora_A.weight")):
        b_key = a_key.replace("lora_A", "lora_B")
        update = scaling * tensors[b_key].double() @ tensors[a_key].double()
        u, s, vh = torch.linalg.svd(update, full_matrices=False)
        energy = s.square()
        kept += float(energy[:rank].sum())
        total += float(energy.sum())
        worst = min(worst, float(energy[:rank].sum() / energy.sum()) if energy.sum() > 0 else 1.0)
        root = s[:rank].sqrt()
        compacted[b_key] = (u[:, :rank] * root).to(dtype).contiguous()
        compacted[a_key] = (root[:, None] * vh[:rank]).to(dtype).contiguous()
    if not compacted:
        raise CannotCompact(f"no LoRA weights in {adapter_dir / WEIGHTS}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in adapter_dir.iterdir():
        if path.is_file() and path.name not in (WEIGHTS, CONFIG):
            shutil.copy2(path, out_dir / path.name)
    save_file(compacted, out_dir / WEIGHTS, metadata={"format": "pt"})
    (out_dir / CONFIG).write_text(json.dumps(config | {"r": rank, "lora_alpha": rank}, indent=2) + "\n")
    return Compacted(rank, len(compacted) // 2, kept / total if total else 1.0, worst)
