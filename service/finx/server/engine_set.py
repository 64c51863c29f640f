"""The engines behind a long-running service, and switching them without dropping a request.

A server process serves many adapters but runs the current one fastest: the primary engine loads
the current adapter merged into the weights (no LoRA kernels). Requests for the base model or
another registry version go to a second engine on the base weights with per-request LoRA, started
on the first such request, and closed again (its memory freed) once it has been idle for
`lora_idle_seconds`.

When the current adapter changes (`switch`), the new merged weights are built first (the running
engine serves meanwhile); then new requests are held, the primary's running requests finish, the
engine loads the new weights in place (`Engine.reload`, ~0.5 s on vLLM) and the held requests go
on: no request fails or sees two sets of weights, none waits longer than the longest one running,
and memory holds one primary engine throughout. An engine that cannot load weights in place (or a
switch that changes more than the adapter) gets a new primary started beside the old one instead:
new requests go to it once it is ready and the old one closes when its requests have finished. If
the LoRA engine is running at that moment, it bridges the switch: it serves every request (the new
adapter per request) while the old primary drains and closes, and only then is the new primary
started, so memory holds at most two engines (a whole engine is ~2 GiB).

This module knows engines and extractors, nothing about gRPC or the registry.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from finx.config import EngineConfig, RetrievalConfig
from finx.engines import served_weights
from finx.engines.base import Engine
from finx.extraction.extractor import Extractor
from finx.retrieval.base import Retriever

log = logging.getLogger("finx.server.engine_set")
DRAIN_POLL_SECONDS = 0.05


@dataclass
class ServedEngine:
    """One running engine, its extractor, and how many requests it is running."""

    extractor: Extractor
    inflight: int = 0
    last_used: float = 0.0
    """`time.monotonic()` when a request last finished (or the engine started)."""

    @property
    def engine(self) -> Engine:
        return self.extractor.engine


class EngineSet:
    """The primary engine (current adapter merged) and the LoRA engine (started when first needed)."""

    def __init__(
        self,
        config: EngineConfig,
        factory: Callable[[EngineConfig], Engine],
        retriever: Retriever | None = None,
        retrieval: RetrievalConfig | None = None,
        lora_idle_seconds: float = 0.0,
        lora_config: EngineConfig | None = None,
    ) -> None:
        self.config = config
        self.lora_idle_seconds = lora_idle_seconds
        """Close the LoRA engine after this long without a request (0: never)."""
        self.lora_config = lora_config or config.with_lora()
        """The LoRA engine's settings (`ServerConfig.lora_engine_config`)."""
        self.factory = factory
        self.retriever = retriever
        self.retrieval = retrieval or RetrievalConfig()
        self.primary: ServedEngine | None = None
        self.lora: ServedEngine | None = None
        self._lora_starting = asyncio.Lock()
        self._switching = asyncio.Lock()
        self._retired: set[asyncio.Task[None]] = set()
        self._idle_watch: asyncio.Task[None] | None = None
        self._admitting = asyncio.Event()
        """Cleared while the primary loads new weights in place: new requests wait for it."""
        self._admitting.set()

    async def start(self, current_adapter: Path | None) -> None:
        """Start the primary engine for the current adapter (None: the base model, LoRA allowed)."""
        self.primary = await self._start(self._primary_config(current_adapter))

    async def settled(self) -> None:
        """Return once no switch holds new requests (at once when none is loading weights in place)."""
        await self._admitting.wait()

    @contextlib.asynccontextmanager
    async def use(self, adapter: Path | None) -> AsyncIterator[Extractor]:
        """The extractor whose engine serves `adapter`; the engine is not closed while in use."""
        await self.settled()
        served = await self._engine_for(adapter)
        served.inflight += 1
        try:
            yield served.extractor
        finally:
            served.inflight -= 1
            served.last_used = time.monotonic()

    async def switch(self, current_adapter: Path | None, on_switched: Callable[[], None] | None = None) -> bool:
        """Serve `current_adapter` as the primary: its weights loaded into the running engine where
        it can (`Engine.can_reload`), else from a new engine; False when the running one already does.

        `on_switched` runs in the same event-loop step as the switch (so callers can relabel atomically).
        """
        async with self._switching:
            old = self.primary
            wanted = current_adapter.resolve() if current_adapter is not None else None
            if old is not None and old.engine.merged_adapter == wanted:
                if on_switched is not None:
                    on_switched()
                return False
            config = self._primary_config(current_adapter)
            if old is not None and old.engine.can_reload(config):
                await self._reload_in_place(old, config, on_switched)
                return True
            bridge = self.lora
            if old is not None and bridge is not None and bridge is not old:
                # the LoRA engine serves any adapter: it carries the requests while the old
                # primary drains and closes, so the new one never runs beside both
                self.primary = bridge
                if on_switched is not None:
                    on_switched()
                await self._drain_then_close(old)
                self.primary = await self._start(config)
                return True
            new = await self._start(config)
            self.primary = new
            if on_switched is not None:
                on_switched()
            if old is not None and old is not self.primary:
                self._retire(old)
            return True

    async def close(self) -> None:
        """Close every engine (after the switches in progress have drained theirs)."""
        if self._idle_watch is not None:
            self._idle_watch.cancel()
        if self._retired:
            await asyncio.gather(*self._retired, return_exceptions=True)
        closing = {id(served): served for served in (self.primary, self.lora) if served is not None}
        for served in closing.values():
            await asyncio.to_thread(served.engine.close)
        self.primary = self.lora = None

    # internals ----------------------------------------------------------------------------
    def _primary_config(self, adapter: Path | None) -> EngineConfig:
        if adapter is None:  # the base model: the configured engine as it is (LoRA where configured)
            return replace(self.config, merged_adapter=None)
        return self.config.merged(adapter)

    async def _engine_for(self, adapter: Path | None) -> ServedEngine:
        primary = self.primary
        assert primary is not None, "the engines are not started"
        if primary.engine.serves(adapter):
            return primary
        async with self._lora_starting:
            if self.lora is None:
                log.info("starting the LoRA engine on the base weights for %s", adapter or "the base model")
                self.lora = await self._start(self.lora_config)
                if self.lora_idle_seconds > 0:
                    self._idle_watch = asyncio.create_task(self._close_lora_when_idle(self.lora))
        return self.lora

    async def _close_lora_when_idle(self, served: ServedEngine) -> None:
        """Close `served` (the LoRA engine) once no request has used it for `lora_idle_seconds`."""
        while True:
            idle_for = time.monotonic() - served.last_used
            if served.inflight == 0 and idle_for >= self.lora_idle_seconds:
                async with self._lora_starting:
                    if served.inflight == 0 and self.lora is served and self.primary is not served:
                        self.lora = None  # a request from now on starts a new one
                        break
            busy = served.inflight or self.primary is served  # bridging a switch counts as busy
            wait = self.lora_idle_seconds if busy else self.lora_idle_seconds - idle_for
            await asyncio.sleep(max(wait, DRAIN_POLL_SECONDS))
        log.info("closing the LoRA engine: idle for %.0f s", self.lora_idle_seconds)
        await asyncio.to_thread(served.engine.close)

    async def _start(self, config: EngineConfig) -> ServedEngine:
        engine = await asyncio.to_thread(self.factory, config)
        return ServedEngine(
            Extractor(engine, retriever=self.retriever, retrieval=self.retrieval), last_used=time.monotonic()
        )

    async def _reload_in_place(
        self, served: ServedEngine, config: EngineConfig, on_switched: Callable[[], None] | None
    ) -> None:
        """`served` loads `config`'s weights in place, new requests held while its own finish."""
        weights = await asyncio.to_thread(served_weights, config)  # built while the old weights serve
        self._admitting.clear()
        try:
            while served.inflight:
                await asyncio.sleep(DRAIN_POLL_SECONDS)
            started = time.monotonic()
            await asyncio.to_thread(served.engine.reload, config, weights)
            if on_switched is not None:
                on_switched()
            log.info("loaded %s in place in %.1f s", weights, time.monotonic() - started)
        finally:
            self._admitting.set()

    async def _drain_then_close(self, served: ServedEngine) -> None:
        while served.inflight:
            await asyncio.sleep(DRAIN_POLL_SECONDS)
        if served.engine is not getattr(self.primary, "engine", None):  # a factory may hand out one engine twice
            await asyncio.to_thread(served.engine.close)
        log.info("retired the engine for %s", served.engine.merged_adapter or "the base model")

    def _retire(self, served: ServedEngine) -> None:
        task = asyncio.create_task(self._drain_then_close(served))
        self._retired.add(task)
        task.add_done_callback(self._retired.discard)
