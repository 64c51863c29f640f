"""The engine seam: constrained JSON generation from prompt tokens, one small base class.

An engine takes tokenized prompts plus a compiled JSON Schema and returns generated text with
token counts and whether generation finished on its own or hit the token limit. It knows nothing
about documents, prompts, grounding or gRPC.

Every engine runs its work on an event loop of its own in a background thread. Callers use
`submit` (a concurrent future) from synchronous code or `agenerate` from any asyncio loop;
cancelling either cancels the engine request, which frees its capacity.
"""

import asyncio
import concurrent.futures
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from finx.config import EngineConfig, StructuredBackend
from finx.errors import FinxError
from finx.hardware import resolve_dtype
from finx.schemas.compile import JsonSchema

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerationRequest:
    """One constrained generation."""

    prompt_ids: list[int]
    json_schema: JsonSchema
    schema_key: str
    """Hash of `json_schema`: the cache key of its compiled constraint."""
    max_tokens: int
    adapter: Path | None = None
    """LoRA adapter folder, or None for the base model."""
    grammar: str | None = None
    """A copy-grounding Lark grammar (`constraints.copy_grammar`) that replaces the JSON Schema
    constraint; it needs the `guidance` backend."""


@dataclass(frozen=True)
class Generation:
    """What an engine produced for one request."""

    text: str
    finished: bool
    """True when the JSON was completed; False when the token limit cut it off."""
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    token_ids: tuple[int, ...] = ()
    """The generated tokens of `text` (no end-of-sequence token)."""
    token_logprobs: tuple[float, ...] = ()
    """Log-probability of each of `token_ids` under the constraint: the grammar-masked distribution,
    renormalised over the allowed tokens (what `finx.extraction.confidence` turns into per-value confidence)."""


class Engine(ABC):
    """Base of every engine. Subclasses implement `_start`, `_generate` and `_stop`."""

    name: ClassVar[str]

    def __init__(self, config: EngineConfig, model_dir: Path) -> None:
        """Start on the weights in `model_dir`: the base model, or `config.merged_adapter` merged into
        it (`create_engine` prepares them; an engine only generates)."""
        self.dtype = resolve_dtype(config.dtype)
        """The weights dtype the engine runs in (`auto` resolved for this device)."""
        logger.info("engine dtype %s (asked for %s)", self.dtype, config.dtype)
        self.base_model_dir = config.resolved_model_dir()
        self._serving(config, model_dir)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"finx-{self.name}", daemon=True)
        self._thread.start()
        try:
            self._call(self._start())
        except BaseException:
            self._shutdown_loop()
            raise

    def _serving(self, config: EngineConfig, model_dir: Path) -> None:
        self.config = config
        self.merged_adapter = config.merged_adapter.resolve() if config.merged_adapter else None
        """The adapter merged into the served weights (checked where it was named), or None."""
        self.model_dir = model_dir
        """The folder the engine loaded: the base model, or the merged one."""

    def can_reload(self, config: EngineConfig) -> bool:
        """Whether `reload` can serve `config` from this engine: only the merged adapter differs,
        and the engine can load new weights in place (engines that cannot say False)."""
        return False

    def reload(self, config: EngineConfig, model_dir: Path) -> None:
        """Serve `config` from the weights in `model_dir` (`create_engine`'s `served_weights`),
        loaded in place of the running ones. Only while no request is running (the caller drains
        them): a request must not see two sets of weights. On failure the old weights serve on."""
        if not self.can_reload(config):
            raise FinxError(f"the {self.name} engine cannot load other weights in place")
        self._reload_weights(model_dir)
        self._serving(config, model_dir)

    def _reload_weights(self, model_dir: Path) -> None:
        """Load the weights in `model_dir` in place (engines whose `can_reload` says True)."""
        raise NotImplementedError

    @property
    @abstractmethod
    def tokenizer(self) -> Any:
        """The Hugging Face tokenizer of the loaded model (for prompt rendering)."""

    @abstractmethod
    async def _start(self) -> None:
        """Load the model; runs on the engine loop."""

    @abstractmethod
    async def _generate(self, request: GenerationRequest) -> Generation:
        """Run one request to completion; runs on the engine loop. Must honour cancellation."""

    @abstractmethod
    async def _stop(self) -> None:
        """Release the model; runs on the engine loop."""

    @property
    def structured_backend(self) -> StructuredBackend:
        """The constrained-decoding backend requests run under."""
        return self.config.structured_backend

    @property
    def max_model_len(self) -> int:
        """Context window in tokens (prompt + answer)."""
        return self.config.max_model_len

    @property
    def model_name(self) -> str:
        """Name of the base model (the folder name), for results and logs."""
        return self.base_model_dir.name

    @property
    def lora_enabled(self) -> bool:
        """Whether requests may carry a LoRA adapter (never on merged weights)."""
        return self.config.enable_lora and self.merged_adapter is None

    def serves(self, adapter: Path | None) -> bool:
        """Whether this engine can run requests for `adapter` (None = the base model)."""
        if self.merged_adapter is not None:
            return adapter == self.merged_adapter
        return adapter is None or self.lora_enabled

    def lora_for(self, adapter: Path | None) -> Path | None:
        """The LoRA a request for `adapter` runs with here: none for the merged adapter."""
        if not self.serves(adapter):
            wanted = f"adapter {adapter}" if adapter else "the base model"
            serving = f"adapter {self.merged_adapter} merged" if self.merged_adapter else "no LoRA adapters"
            raise FinxError(f"this engine cannot serve {wanted}: it serves {serving}")
        return None if self.merged_adapter is not None else adapter

    def submit(self, request: GenerationRequest) -> concurrent.futures.Future[Generation]:
        """Schedule a request on the engine loop; cancelling the future cancels the request."""
        return asyncio.run_coroutine_threadsafe(self._generate(request), self._loop)

    async def agenerate(self, request: GenerationRequest) -> Generation:
        """Generate from any asyncio loop; cancellation propagates to the engine."""
        return await asyncio.wrap_future(self.submit(request))

    def close(self) -> None:
        """Stop the engine and its loop; safe to call twice."""
        if self._loop.is_closed():
            return
        try:
            self._call(self._stop())
        finally:
            self._shutdown_loop()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def _shutdown_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
