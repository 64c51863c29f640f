"""Engines by name (`vllm`, `transformers`), imported lazily so light commands stay fast."""

import importlib

from finx.config import EngineConfig
from finx.engines.base import Engine, Generation, GenerationRequest
from finx.errors import UnknownEngine
from finx.hardware import resolve_dtype

ENGINES: dict[str, tuple[str, str]] = {
    "vllm": ("finx.engines.vllm_engine", "VllmEngine"),
    "transformers": ("finx.engines.transformers_engine", "TransformersEngine"),
}


def create_engine(config: EngineConfig) -> Engine:
    """Start the engine named in `config.engine` on the weights it serves: the base model, or
    `config.merged_adapter` merged into it (built once per adapter and dtype, then cached)."""
    from finx.adapters.merged import merged_model

    if config.engine not in ENGINES:
        raise UnknownEngine(f"unknown engine {config.engine!r}", hint="known: " + ", ".join(ENGINES))
    module_name, class_name = ENGINES[config.engine]
    engine_class: type[Engine] = getattr(importlib.import_module(module_name), class_name)
    base = config.resolved_model_dir()
    dtype = resolve_dtype(config.dtype)
    weights = merged_model(base, config.merged_adapter, dtype) if config.merged_adapter else base
    return engine_class(config, weights)


__all__ = ["ENGINES", "Engine", "Generation", "GenerationRequest", "create_engine"]
