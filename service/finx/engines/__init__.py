"""Engines by name (`vllm`, `transformers`), imported lazily so light commands stay fast."""

import importlib
from pathlib import Path

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
    if config.engine not in ENGINES:
        raise UnknownEngine(f"unknown engine {config.engine!r}", hint="known: " + ", ".join(ENGINES))
    module_name, class_name = ENGINES[config.engine]
    engine_class: type[Engine] = getattr(importlib.import_module(module_name), class_name)
    return engine_class(config, served_weights(config))


def served_weights(config: EngineConfig) -> Path:
    """The weights folder an engine for `config` loads: the base model, or the merged folder of
    `config.merged_adapter` (built now unless cached; a disk that refuses it is a `StorageError`)."""
    from finx.adapters.merged import merged_model

    base = config.resolved_model_dir()
    if config.merged_adapter is None:
        return base
    return merged_model(base, config.merged_adapter, resolve_dtype(config.dtype))


__all__ = ["ENGINES", "Engine", "Generation", "GenerationRequest", "create_engine", "served_weights"]
