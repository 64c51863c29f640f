"""Engines by name (`vllm`, `transformers`), imported lazily so light commands stay fast."""

import importlib

from finx.config import EngineConfig
from finx.engines.base import Engine, Generation, GenerationRequest
from finx.errors import UnknownEngine

ENGINES: dict[str, tuple[str, str]] = {
    "vllm": ("finx.engines.vllm_engine", "VllmEngine"),
    "transformers": ("finx.engines.transformers_engine", "TransformersEngine"),
}


def create_engine(config: EngineConfig) -> Engine:
    """Start the engine named in `config.engine`."""
    if config.engine not in ENGINES:
        raise UnknownEngine(f"unknown engine {config.engine!r}", hint="known: " + ", ".join(ENGINES))
    module_name, class_name = ENGINES[config.engine]
    engine_class: type[Engine] = getattr(importlib.import_module(module_name), class_name)
    return engine_class(config)


__all__ = ["ENGINES", "Engine", "Generation", "GenerationRequest", "create_engine"]
