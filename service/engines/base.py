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
import threading
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from service.config import EngineConfig
from service.errors import AdapterNotFound
from service.schemas.compile import JsonSchema

T = TypeVar("T")


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


@dataclass(frozen=True)
class Generation:
    """What an engine produced for one request."""

    text: str
    finished: bool
    """True when the JSON was completed; False when the token limit cut it off."""
    prompt_tokens: int
    completion_tokens: int
    seconds: float


class Engine(ABC):
    """Base of every engine. Subclasses implement `_start`, `_generate` and `_stop`."""

    name: ClassVar[str]

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.model_dir = config.resolved_model_dir()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"finx-{self.name}", daemon=True)
        self._thread.start()
        try:
            self._call(self._start())
        except BaseException:
            self._shutdown_loop()
            raise

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


def check_adapter(path: Path) -> Path:
    """An existing PEFT adapter folder, or `AdapterNotFound` with a clear message."""
    if not (path / "adapter_config.json").is_file():
        raise AdapterNotFound(f"no LoRA adapter at {path}", hint="expected a PEFT folder with adapter_config.json")
    return path.resolve()
