"""Growing a LoRA adapter to a larger rank without changing what it computes.

A run that continues from an adapter (`init_adapter`) keeps the adapter's rank unless its `lora.r`
is larger: then the adapter grows. Its ranks are copied into the first ones of the new adapter, the
new ranks start with a random `A` and a zero `B` (PEFT's own initialisation: no effect until
trained), and `B` is rescaled so that `alpha / r` of the new adapter gives the same update. The
grown model computes exactly what the old adapter did; training then has the extra capacity (a
rank-64 adapter learned every field set faster than rank 16 on the same data, session 17's sweep).

Knows PEFT's LoRA layers and the adapter folder layout (`adapter_config.json`,
`adapter_model.safetensors`); nothing of the training data or the trainer.
"""

from pathlib import Path
from typing import Any

from finx.errors import FinxError


def grown_adapter(model: Any, adapter_dir: Path, old: Any, settings: Any) -> Any:
    """`model` (a base model) with the adapter in `adapter_dir` (its PEFT config `old`) grown to the
    run's `LoraSettings` rank, scaled by their alpha / rank, trainable; raises when that rank is
    below the adapter's own."""
    import torch
    from peft import LoraConfig, get_peft_model
    from peft.tuners.lora import LoraLayer
    from safetensors.torch import load_file

    rank, alpha = settings.r, settings.alpha
    if rank < old.r:
        raise FinxError(f"cannot grow the rank-{old.r} adapter {adapter_dir} to rank {rank}")
    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=settings.dropout,
        target_modules=old.target_modules,
        task_type="CAUSAL_LM",
    )
    grown: Any = get_peft_model(model, config)
    saved = load_file(str(adapter_dir / "adapter_model.safetensors"))
    rescale = (old.lora_alpha / old.r) / (alpha / rank)
    copied: set[str] = set()
    with torch.no_grad():
        for name, module in grown.named_modules():
            if not isinstance(module, LoraLayer) or "default" not in module.lora_A:
                continue
            a_key, b_key = f"{name}.lora_A.weight", f"{name}.lora_B.weight"
            if a_key not in saved:
                raise FinxError(f"{adapter_dir} has no LoRA weights for {name}")
            a: Any = module.lora_A["default"].weight
            b: Any = module.lora_B["default"].weight
            a[: old.r].copy_(saved[a_key])
            b.zero_()
            b[:, : old.r].copy_(saved[b_key] * rescale)
            copied |= {a_key, b_key}
    left = sorted(set(saved) - copied)
    if left:
        raise FinxError(f"{adapter_dir} holds weights the grown adapter has no place for: {left[0]}")
    return grown
