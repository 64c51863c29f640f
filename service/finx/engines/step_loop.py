"""The thread that drives one vLLM `LLMEngine`: requests in, finished outputs out to asyncio.

vLLM's `LLMEngine` runs one `step()` at a time (scheduler, model, detokeniser), which is how vLLM's
own offline `LLM.generate` runs it; its core is either in this process (`InprocClient`) or in a
process of its own (`SyncMPClient`). `StepLoop` owns one engine: every call into it happens on the
loop's thread (adds, aborts, steps), callers hand work over through a queue, and each request's
final output resolves the asyncio future its caller awaits. While nothing is unfinished the thread
sleeps.

Work on the engine itself (a weight reload) also runs on the loop's thread, between steps, while
no request is unfinished (`run_idle`).

Knows vLLM's `LLMEngine` calls (`add_request`, `abort_request`, `step`, `has_unfinished_requests`,
its client's `shutdown`) and asyncio; nothing of finx's prompts, constraints or results.
"""

import asyncio
import concurrent.futures
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")

Work = Callable[[], None]
"""One hand-over to the loop's thread: an add, an abort, or work run while idle."""


class EngineStopped(RuntimeError):
    """The engine was closed, or failed, before the request finished."""


class StepLoop:
    """Runs `engine.step()` on a thread of its own while any request is unfinished."""

    def __init__(self, engine: Any, name: str = "finx-vllm-steps") -> None:
        self._engine = engine
        self._inbox: queue.SimpleQueue[Work | None] = queue.SimpleQueue()
        self._waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]] = {}
        self._ids = itertools.count()
        self._failure: BaseException | None = None
        self._done = False
        """Set (under `_lock`) once the thread stops taking work: later requests fail at once."""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    async def generate(self, prompt: Any, params: Any, lora_request: Any = None) -> Any:
        """The final `RequestOutput` of one request; cancelling the caller aborts it in the engine."""
        request_id = f"finx-{next(self._ids)}"
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def add() -> None:
            if self._done:
                loop.call_soon_threadsafe(_settle, future, None, self._stopped())
                return
            self._waiting[request_id] = (loop, future)
            try:
                self._engine.add_request(request_id, prompt, params, lora_request=lora_request)
            except Exception as error:  # a request vLLM refuses fails alone, the loop goes on
                self._waiting.pop(request_id, None)
                loop.call_soon_threadsafe(_settle, future, None, error)

        with self._lock:
            if self._done:
                raise self._stopped()
            self._inbox.put(add)
        try:
            return await future
        except asyncio.CancelledError:
            self._inbox.put(lambda: self._abort(request_id))
            raise

    def run_idle(self, work: Callable[[Any], T]) -> T:
        """`work(engine)` run on the loop's thread, blocking the caller until it returns (or raises).
        The caller makes sure no request is running (one still unfinished fails it: the engine is
        not touched); requests added meanwhile wait behind it."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if self._done:
                done.set_exception(self._stopped())
            elif self._engine.has_unfinished_requests():
                done.set_exception(RuntimeError("requests are running on the engine"))
            else:
                try:
                    done.set_result(work(self._engine))
                except Exception as error:  # the caller's failure, not the loop's
                    done.set_exception(error)

        with self._lock:
            if self._done:
                raise self._stopped()
            self._inbox.put(run)
        return done.result()

    def close(self) -> None:
        """Stop the thread (requests still unfinished fail with `EngineStopped`), then the engine's
        core (its model and KV cache). Safe to call twice."""
        if self._thread.is_alive():
            self._inbox.put(None)
            self._thread.join(timeout=30)
        if self._engine is not None:
            self._engine.engine_core.shutdown()
            self._engine = None

    def _stopped(self) -> EngineStopped:
        if self._failure is not None:
            return EngineStopped(f"the vLLM engine failed: {self._failure}")
        return EngineStopped("the vLLM engine was closed")

    def _abort(self, request_id: str) -> None:
        if self._waiting.pop(request_id, None) is not None and not self._done:
            self._engine.abort_request([request_id])

    def _run(self) -> None:
        try:
            while self._take_work(block=not self._engine.has_unfinished_requests()):
                if self._engine.has_unfinished_requests():
                    for output in self._engine.step():
                        if output.finished:
                            self._finish(output.request_id, output)
        except BaseException as error:
            logger.exception("the vLLM engine failed; its requests fail with it")
            self._failure = error
        with self._lock:
            self._done = True
        self._run_left_over_work()
        stopped = self._stopped()
        for loop, future in self._waiting.values():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, future, None, stopped)
        self._waiting.clear()

    def _run_left_over_work(self) -> None:
        """Settle the adds queued before the thread stopped (they fail) and drop their aborts."""
        while True:
            try:
                work = self._inbox.get_nowait()
            except queue.Empty:
                return
            if work is not None:
                try:
                    work()
                except Exception:
                    logger.exception("a call into a stopped vLLM engine failed")

    def _take_work(self, block: bool) -> bool:
        """Run the queued adds and aborts (waiting for one when `block`); False once asked to stop."""
        try:
            work = self._inbox.get(block=block)
        except queue.Empty:
            return True
        while work is not None:
            work()
            try:
                work = self._inbox.get_nowait()
            except queue.Empty:
                return True
        return False

    def _finish(self, request_id: str, output: Any) -> None:
        waiting = self._waiting.pop(request_id, None)
        if waiting is not None:
            loop, future = waiting
            loop.call_soon_threadsafe(_settle, future, output, None)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """Resolve `future` on its own loop, unless its caller gave up on it (cancelled)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
