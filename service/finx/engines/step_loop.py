"""The one thread that runs vLLM's in-process engines: requests in, finished outputs out to asyncio.

vLLM's `LLMEngine` with V1 multiprocessing off runs the scheduler, the model and the detokeniser
in the calling process (`InprocClient`), one `step()` at a time, which is how vLLM's own offline
`LLM.generate` runs it. vLLM keeps the model's forward context and its (single-rank) distributed
state in process-wide globals, so two engines of one process (the merged engine and an on-demand
LoRA engine, or a reload's bridge) must never run the model at the same time, and only the last
one closed may tear that state down. Hence one `StepLoop` per process (`step_loop()`): its thread
makes every call into every engine (building one, adds, aborts, steps in turn, closing one), callers
hand work over through a queue, and each request's final output resolves the asyncio future its
caller awaits. While nothing is unfinished the thread sleeps.

Knows vLLM's `LLMEngine` calls (`add_request`, `abort_request`, `step`, `has_unfinished_requests`,
its core's `shutdown`) and asyncio; nothing of finx's prompts, constraints or results.
"""

import asyncio
import gc
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Work = Callable[[], None]
"""One hand-over to the loop's thread: build or close an engine, add or abort a request."""


class EngineStopped(RuntimeError):
    """The engine was closed, or failed, before the request finished."""


class StepLoop:
    """Runs every in-process engine's calls on one thread, stepping each engine with unfinished
    requests in turn."""

    def __init__(self) -> None:
        self._inbox: queue.SimpleQueue[Work] = queue.SimpleQueue()
        self._engines: dict[int, Any] = {}
        self._failures: dict[int, BaseException] = {}
        self._waiting: dict[int, dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]]] = {}
        self._keys = itertools.count(1)
        self._request_ids = itertools.count()
        self._thread = threading.Thread(target=self._run, name="finx-vllm-steps", daemon=True)
        self._thread.start()

    async def start(self, build: Callable[[], Any]) -> int:
        """Build an engine on the loop's thread (its warm-up runs the model); its key for the calls below."""

        def start() -> int:
            key = next(self._keys)
            self._engines[key], self._waiting[key] = build(), {}
            return key

        result: int = await self._on_thread(start)
        return result

    async def generate(self, key: int, prompt: Any, params: Any, lora_request: Any = None) -> Any:
        """The final `RequestOutput` of one request; cancelling the caller aborts it in the engine."""
        request_id = f"finx-{next(self._request_ids)}"
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def add() -> None:
            if key not in self._engines:
                failure = self._failures.get(key)
                reason = f"failed: {failure}" if failure else "was closed"
                loop.call_soon_threadsafe(_settle, future, None, EngineStopped(f"the vLLM engine {reason}"))
                return
            self._waiting[key][request_id] = (loop, future)
            try:
                self._engines[key].add_request(request_id, prompt, params, lora_request=lora_request)
            except Exception as error:  # a request vLLM refuses fails alone, the engine goes on
                self._waiting[key].pop(request_id, None)
                loop.call_soon_threadsafe(_settle, future, None, error)

        self._inbox.put(add)
        try:
            return await future
        except asyncio.CancelledError:
            self._inbox.put(lambda: self._abort(key, request_id))
            raise

    async def close(self, key: int) -> None:
        """Close one engine: its unfinished requests fail with `EngineStopped`, its model and KV cache
        are released. Safe to call twice."""
        await self._on_thread(lambda: self._close(key))

    async def _on_thread(self, work: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def run() -> None:
            try:
                result = work()
            except BaseException as error:
                loop.call_soon_threadsafe(_settle, future, None, error)
            else:
                loop.call_soon_threadsafe(_settle, future, result, None)

        self._inbox.put(run)
        return await future

    def _run(self) -> None:
        while True:
            busy = [key for key, engine in self._engines.items() if engine.has_unfinished_requests()]
            self._take_work(block=not busy)
            for key in busy:
                if key in self._engines:
                    self._step(key)

    def _take_work(self, block: bool) -> None:
        """Run the queued work, waiting for some when `block`. Work that fails is logged: the thread
        serves every engine of the process and must outlive any one call."""
        try:
            work = self._inbox.get(block=block)
            while True:
                try:
                    work()
                except Exception:
                    logger.exception("a call into a vLLM engine failed")
                work = self._inbox.get_nowait()
        except queue.Empty:
            return

    def _step(self, key: int) -> None:
        try:
            outputs = self._engines[key].step()
        except Exception as error:
            logger.exception("a vLLM engine failed; its requests fail with it")
            self._failures[key] = error
            self._close(key)
            return
        for output in outputs:
            if output.finished:
                waiting = self._waiting[key].pop(output.request_id, None)
                if waiting is not None:
                    loop, future = waiting
                    loop.call_soon_threadsafe(_settle, future, output, None)

    def _abort(self, key: int, request_id: str) -> None:
        if self._waiting.get(key, {}).pop(request_id, None) is not None:
            self._engines[key].abort_request([request_id])

    def _close(self, key: int) -> None:
        engine = self._engines.pop(key, None)
        if engine is None:
            return
        failure = self._failures.get(key)
        stopped = EngineStopped(f"the vLLM engine failed: {failure}" if failure else "the vLLM engine was closed")
        for loop, future in self._waiting.pop(key).values():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, future, None, stopped)
        try:
            shut_down(engine, last=not self._engines)
        except Exception:
            logger.exception("a vLLM engine did not shut down cleanly")
        del engine
        gc.unfreeze()  # vLLM freezes what an engine's start allocated: let the collector free it
        gc.collect()


def shut_down(engine: Any, last: bool) -> None:
    """Stop an engine's core. In process (`InprocClient`), vLLM's own shutdown also tears down the
    process's distributed state, which the other engines still use: only the last one closed runs
    it; the others stop their grammar backend, executor and scheduler, as that shutdown does first.
    A core in a process of its own (V1 multiprocessing on, as on GPUs) takes its state with it."""
    client = engine.engine_core
    core = getattr(client, "engine_core", None)  # only an InprocClient holds its EngineCore
    if last or core is None:
        client.shutdown()
        return
    client._finalizer.detach()  # it would run the whole shutdown once the client is collected
    core.structured_output_manager.clear_backend()
    core.model_executor.shutdown()
    core.scheduler.shutdown()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """Resolve `future` on its own loop, unless its caller gave up on it (cancelled)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_shared: StepLoop | None = None
_shared_lock = threading.Lock()


def step_loop() -> StepLoop:
    """This process's step loop (started on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = StepLoop()
        return _shared
