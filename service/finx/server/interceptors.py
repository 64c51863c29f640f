"""gRPC interceptors of the finx service: domain errors to status codes (with metrics), bearer tokens.

They know the finx error types and the metrics, nothing about engines or extraction.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from finx import metrics
from finx.auth import bearer_authorised
from finx.errors import (
    AdapterNotFound,
    DiskFull,
    FinxError,
    InvalidDocument,
    InvalidSchema,
    ModelNotAvailable,
    NotReady,
    Overloaded,
    RetrievalUnavailable,
    StorageError,
    UnknownSchema,
)
from finx.v1 import extraction_pb2 as pb

log = logging.getLogger("finx.server.grpc_service")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["Extraction"].full_name

STATUS_CODES: list[tuple[type[FinxError], grpc.StatusCode]] = [
    (NotReady, grpc.StatusCode.UNAVAILABLE),
    (RetrievalUnavailable, grpc.StatusCode.FAILED_PRECONDITION),
    (ModelNotAvailable, grpc.StatusCode.UNAVAILABLE),
    (Overloaded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (DiskFull, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (StorageError, grpc.StatusCode.FAILED_PRECONDITION),
    (UnknownSchema, grpc.StatusCode.NOT_FOUND),
    (AdapterNotFound, grpc.StatusCode.NOT_FOUND),
    (InvalidDocument, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidSchema, grpc.StatusCode.INVALID_ARGUMENT),
    (FinxError, grpc.StatusCode.INVALID_ARGUMENT),
]


def status_code_of(error: FinxError) -> grpc.StatusCode:
    return next(code for kind, code in STATUS_CODES if isinstance(error, kind))


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Maps domain exceptions to status codes (INTERNAL with a logged id otherwise); records metrics."""

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any) -> Any:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method.rsplit("/", 1)[-1]
        if handler is None or not handler_call_details.method.startswith(f"/{SERVICE_NAME}/"):
            return handler
        if handler.unary_unary:
            inner = handler.unary_unary

            async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                with observe(method, context) as outcome:
                    try:
                        return await inner(request, context)
                    except FinxError as error:
                        outcome["code"] = status_code_of(error)
                        await context.abort(outcome["code"], str(error))
                    except Exception as error:
                        if isinstance(error, grpc.aio.AbortError):
                            raise
                        outcome["code"] = grpc.StatusCode.INTERNAL
                        error_id = uuid.uuid4().hex[:12]
                        log.exception("internal error %s in %s", error_id, method)
                        await context.abort(grpc.StatusCode.INTERNAL, f"internal error (id {error_id})")

            return grpc.unary_unary_rpc_method_handler(
                unary,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_stream:
            inner_stream = handler.stream_stream

            async def stream(request_iterator: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                with observe(method, context):
                    async for response in inner_stream(request_iterator, context):
                        yield response

            return grpc.stream_stream_rpc_method_handler(
                stream,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler


class TokenInterceptor(grpc.aio.ServerInterceptor):
    """Rejects finx.v1 calls without `authorization: Bearer <token>` (health and reflection stay open)."""

    def __init__(self, token: str) -> None:
        self.expected = token

    def authorised(self, header: str | None) -> bool:
        return bearer_authorised(header, self.expected)

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any) -> Any:
        if handler_call_details.method.startswith(f"/{SERVICE_NAME}/"):
            metadata = dict(handler_call_details.invocation_metadata or ())
            if not self.authorised(metadata.get("authorization")):
                return unauthenticated_handler()
        return await continuation(handler_call_details)


def unauthenticated_handler() -> grpc.RpcMethodHandler:
    async def deny(request: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token")

    return grpc.unary_unary_rpc_method_handler(deny)


@contextlib.contextmanager
def observe(method: str, context: grpc.aio.ServicerContext) -> Any:
    """Counts the call by its final status and times it; a call cut off by its deadline counts as
    DEADLINE_EXCEEDED, one the client cancelled as CANCELLED."""
    outcome: dict[str, grpc.StatusCode] = {"code": grpc.StatusCode.OK}
    started = time.perf_counter()
    try:
        yield outcome
    except asyncio.CancelledError:
        remaining = context.time_remaining()
        expired = remaining is not None and remaining <= 0
        outcome["code"] = grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED
        raise
    finally:
        metrics.REQUESTS.labels(method, outcome["code"].name).inc()
        metrics.LATENCY.labels(method).observe(time.perf_counter() - started)
