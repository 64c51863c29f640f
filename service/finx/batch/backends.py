"""Where a batch's documents are extracted: in this process (`LocalBackend`, the vLLM engine's
continuous batching) or by a running finx service (`ServerBackend`, one ExtractStream call).

Both take document text and return an `ExtractionResult`; failures raise `FinxError`s whose
`retryable` flag says whether `--resume` should try the document again. The server backend first
retries a retryable answer itself (an overloaded server's RESOURCE_EXHAUSTED, a restart's
UNAVAILABLE), with exponential back-off and jitter for up to `retry_seconds`, reopening the
stream when it broke; only what still fails after that is reported.
"""

import asyncio
import itertools
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

from finx.adapters.resolve import ResolvedAdapter
from finx.batch.records import RemoteError
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult
from finx.schemas.base import SchemaSpec


class Backend(Protocol):
    adapter_label: str

    async def extract(self, text: str, schema: SchemaSpec, options: ExtractOptions) -> ExtractionResult: ...

    async def close(self) -> None: ...


class LocalBackend:
    """Extraction on an engine in this process, started on the first document that needs it
    (a resumed batch with nothing left to do never loads the model)."""

    def __init__(
        self,
        start: Callable[[], Extractor],
        adapter: ResolvedAdapter,
        stop: Callable[[], None] | None = None,
    ) -> None:
        self.start = start
        self.stop = stop
        self.adapter = adapter
        self.adapter_label = adapter.label
        self.extractor: Extractor | None = None
        self.starting = asyncio.Lock()

    async def extract(self, text: str, schema: SchemaSpec, options: ExtractOptions) -> ExtractionResult:
        async with self.starting:
            if self.extractor is None:
                self.extractor = await asyncio.to_thread(self.start)
        return await self.extractor.aextract(ExtractionTask(text, schema, self.adapter, options))

    async def close(self) -> None:
        if self.extractor is not None and self.stop is not None:
            await asyncio.to_thread(self.stop)


class ServerBackend:
    """Extraction by a finx service: every document goes over one bidirectional ExtractStream."""

    def __init__(self, target: str, adapter: str, token: str | None = None, retry_seconds: float = 120.0) -> None:
        from finx.client import AsyncFinxClient

        self.target = target
        self.retry_seconds = retry_seconds
        self.adapter = adapter
        self.adapter_label = adapter or "current"
        self.client = AsyncFinxClient(target, token)
        self.outgoing: asyncio.Queue[Any] = asyncio.Queue()
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.ids = itertools.count()
        self.reader: asyncio.Task[None] | None = None
        self.broken: RemoteError | None = None

    async def _start(self) -> None:
        outgoing = self.outgoing = asyncio.Queue()  # a fresh queue: a broken stream reads nothing more

        async def requests() -> Any:
            while (request := await outgoing.get()) is not None:
                yield request

        call = self.client.extract_stream(requests())
        self.reader = asyncio.create_task(self._read(call))

    async def _read(self, call: Any) -> None:
        import grpc

        try:
            async for response in call:
                future = self.pending.pop(response.request_id, None)
                if future is not None and not future.done():
                    future.set_result(response)
        except grpc.aio.AioRpcError as error:
            self.broken = RemoteError(error.code().name, f"{self.target}: {error.details()}")
        finally:
            failure = self.broken or RemoteError("UNAVAILABLE", f"{self.target}: the stream ended")
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(failure)
            self.pending.clear()

    async def extract(self, text: str, schema: SchemaSpec, options: ExtractOptions) -> ExtractionResult:
        """One document, retried while the server's answer is retryable and time is left."""
        give_up, attempt = time.monotonic() + self.retry_seconds, 0
        while True:
            try:
                return await self._extract_once(text, schema, options)
            except RemoteError as error:
                delay = min(8.0, 0.25 * 2**attempt) * random.uniform(0.5, 1.0)
                if not error.retryable or time.monotonic() + delay > give_up:
                    raise
                await asyncio.sleep(delay)
                attempt += 1

    async def _extract_once(self, text: str, schema: SchemaSpec, options: ExtractOptions) -> ExtractionResult:
        from finx.api_convert import is_error_response, result_from_pb
        from finx.client import extract_request, with_model

        if self.reader is not None and self.reader.done():
            self.reader, self.broken = None, None  # the stream ended or broke: open a new one
        if self.reader is None:
            await self._start()
        request_id = str(next(self.ids))
        schema_ref = schema.reference
        request = extract_request(text, schema_ref, request_id=request_id, adapter=self.adapter, options=options)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self.outgoing.put(request)
        try:
            response = await future
        finally:
            self.pending.pop(request_id, None)
        if is_error_response(response):
            raise RemoteError(response.error_code or "UNKNOWN", response.error)
        result = result_from_pb(response)
        # the server knows the schema, not the caller's model: it is applied here, as in process
        return with_model(result, schema.output_model) if schema.output_model is not None else result

    async def close(self) -> None:
        await self.outgoing.put(None)
        if self.reader is not None:
            try:
                await asyncio.wait_for(self.reader, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                self.reader.cancel()
        await self.client.close()
