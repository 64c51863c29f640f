"""Typed configuration: where finx keeps its files and how an engine is set up.

Environment variables (each optional):
- `FINX_HOME`: cache folder for the converted base model and other state (default `~/.cache/finx`).
- `FINX_MODEL`: any Hugging Face-format model folder to use instead of the embedded default.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EngineName = Literal["vllm", "transformers"]
StructuredBackend = Literal["outlines", "xgrammar", "guidance"]
DEFAULT_MODEL_NAME = "smollm2-135m-instruct"


def finx_home() -> Path:
    """The cache folder (`FINX_HOME`, default `~/.cache/finx`)."""
    return Path(os.environ.get("FINX_HOME") or Path.home() / ".cache" / "finx").expanduser()


def default_model_dir() -> Path:
    """Where `finx model fetch` puts the converted embedded model."""
    return finx_home() / "models" / DEFAULT_MODEL_NAME


def configured_model_dir() -> Path:
    """The model folder in use: `FINX_MODEL` if set, else the embedded default."""
    override = os.environ.get("FINX_MODEL")
    return Path(override).expanduser() if override else default_model_dir()


@dataclass(frozen=True)
class EngineConfig:
    """How to start an engine. Defaults are the settings measured to work on a CPU laptop."""

    engine: EngineName = "vllm"
    """Which engine runs generation: `vllm` (default, batched) or `transformers` (no vLLM needed)."""
    model_dir: Path | None = None
    """Hugging Face-format model folder; None means `configured_model_dir()`."""
    structured_backend: StructuredBackend = "guidance"
    """Constrained-decoding backend: `guidance` (default, no compile step), `outlines`, `xgrammar`."""
    max_model_len: int = 4096
    """Context window (prompt + answer) in tokens; longer documents are rejected."""
    chunk_tokens: int = 768
    """Documents longer than this many tokens are split into chunks of this size (training too)."""
    chunk_overlap_tokens: int = 64
    """Tokens shared by consecutive chunks, so no value is cut in half at a boundary."""
    max_chunks: int = 64
    """Longer documents are rejected rather than run as more chunks than this."""
    max_tokens: int = 512
    """Default cap on generated tokens per request; hitting it marks the result `truncated`."""
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    """Weights dtype; float32 is fastest on CPUs without bf16 units."""
    kv_cache_bytes: int = 1 << 30
    """vLLM KV-cache size in bytes (explicit: the memory-fraction default fails on CPU)."""
    max_loras: int = 4
    """How many different LoRA adapters vLLM keeps loaded at once."""
    max_lora_rank: int = 64
    """Largest LoRA rank vLLM accepts."""
    enable_lora: bool = True
    """Start vLLM with LoRA support so requests can name an adapter (never with `merged_adapter`)."""
    merged_adapter: Path | None = None
    """Serve this LoRA adapter merged into the weights (`service.adapters.merged`, built once and
    cached): requests for it run at base-model speed; the engine then serves no other adapter."""
    max_num_seqs: int = 32
    """How many requests vLLM batches together."""
    kv_block_tokens: int | None = None
    """vLLM KV-cache block size in tokens (None: vLLM's default, 128 on CPU). Prefix caching reuses
    whole blocks only, so smaller blocks let more of the shared prompt head be reused."""

    def resolved_model_dir(self) -> Path:
        return self.model_dir if self.model_dir is not None else configured_model_dir()


RetrieverName = Literal["sqlite", "none"]


def default_reference_store() -> Path:
    """Where `finx refs load` writes the reference store unless told otherwise."""
    return finx_home() / "references" / "references.sqlite"


@dataclass(frozen=True)
class RetrievalConfig:
    """The retrieval hook: which store answers lookups, and how its results are used."""

    retriever: RetrieverName = "sqlite"
    """`sqlite` (the embedded store) or `none` (no retrieval; requests asking for it get an error)."""
    store_path: Path | None = None
    """The store file; None means `default_reference_store()`, seeded with the shipped sample."""
    link_threshold: float = 0.85
    """Entities whose best reference scores below this stay unlinked."""
    context_max_records: int = 8
    """At most this many reference records go into a prompt."""
    context_max_tokens: int = 256
    """... and at most this many tokens of them."""

    def resolved_store_path(self) -> Path:
        return self.store_path if self.store_path is not None else default_reference_store()
