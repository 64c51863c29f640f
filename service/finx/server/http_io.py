"""The request and error plumbing of finx's HTTP routes (the API and its OpenAI-compatible
routes): error bodies with bounded messages, the body read under size and time limits, JSON
parsing, deadlines, cancellation when the client leaves, and the one order every extraction over
HTTP follows (`extract_over_http`). Knows HTTP and the service's entry points, not engines.
"""

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc
from fastapi import Request
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from google.protobuf.message import Message

from finx.api_convert import MESSAGE_ENVELOPE_BYTES
from finx.v1 import extraction_pb2 as pb

if TYPE_CHECKING:
    from finx.server.grpc_service import ExtractionService

HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
MAX_REQUEST_ID = 128
MAX_MESSAGE_CHARS = 1000
"""Error messages are cut to this length (they may quote input)."""
RETRY_AFTER_S = 1
"""`Retry-After` of a 429: a slot frees as soon as one extraction ends."""
JSON_TYPE = "application/json"


class HttpError(Exception):
    """An HTTP-level refusal (bad JSON, oversized body, missing token) with its gRPC-style code."""

    def __init__(self, code: grpc.StatusCode, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status or HTTP_STATUS.get(code, 500)


def error_body(code: grpc.StatusCode, message: str, status: int | None = None) -> JSONResponse:
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + f"... ({len(message) - MAX_MESSAGE_CHARS} more characters)"
    response = JSONResponse(
        {"error": {"message": message, "type": code.name.lower(), "code": code.name}},
        status_code=status or HTTP_STATUS.get(code, 500),
    )
    if response.status_code == 429:
        response.headers["retry-after"] = str(RETRY_AFTER_S)
    return response


def is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == JSON_TYPE


class ClientGone(Exception):
    """The HTTP client disconnected before its answer was ready."""


async def until_disconnected(request: Request, work: Awaitable[Any]) -> Any:
    """`work`'s result, or `work` cancelled (its engine requests with it) when the client leaves."""
    job = asyncio.ensure_future(work)

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(watch())
    try:
        await asyncio.wait({job, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if not job.done():
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await job
        raise ClientGone
    return job.result()


def deadline_of(request: Request) -> float | None:
    header = request.headers.get("x-request-timeout")
    if header is None:
        return None
    try:
        seconds = float(header)
    except ValueError:
        raise HttpError(grpc.StatusCode.INVALID_ARGUMENT, "X-Request-Timeout must be a number of seconds") from None
    if not 0 < seconds <= 24 * 3600:
        raise HttpError(grpc.StatusCode.INVALID_ARGUMENT, "X-Request-Timeout must be between 0 and 86400 seconds")
    return seconds


def within_deadline(request: Request, work: Awaitable[Any]) -> Awaitable[Any]:
    """`work`, cancelled (its engine requests too) when the request's deadline passes."""
    return asyncio.wait_for(work, timeout=deadline_of(request))


async def read_body(request: Request, max_document_bytes: int, piece_timeout_s: float) -> bytes:
    """The request body, refused past the document limit (plus room for the rest of the request;
    base64 in JSON makes bytes 4/3 larger) without reading more than that, and refused when a
    piece of it takes longer than `piece_timeout_s` to arrive."""
    limit = max_document_bytes * 4 // 3 + MESSAGE_ENVELOPE_BYTES
    too_large = HttpError(
        grpc.StatusCode.RESOURCE_EXHAUSTED, f"the request body is over finx's limit of {limit} bytes", status=413
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    pieces = request.stream().__aiter__()
    while True:
        try:
            piece = await asyncio.wait_for(pieces.__anext__(), timeout=piece_timeout_s)
        except StopAsyncIteration:
            return bytes(body)
        except TimeoutError:
            raise HttpError(
                grpc.StatusCode.INVALID_ARGUMENT, f"the body did not arrive within {piece_timeout_s:g} s", status=408
            ) from None
        body.extend(piece)
        if len(body) > limit:
            raise too_large


def parse_message(body: bytes, message: Message) -> Any:
    try:
        return json_format.Parse(body.decode("utf-8"), message)
    except (json_format.ParseError, UnicodeDecodeError, RecursionError) as error:
        name = message.DESCRIPTOR.name
        raise HttpError(grpc.StatusCode.INVALID_ARGUMENT, f"the body is not a {name}: {error}") from None


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise HttpError(grpc.StatusCode.INVALID_ARGUMENT, f"the body is not JSON: {error}") from None


async def extract_over_http(
    service: "ExtractionService", request: Request, decode: Callable[[bytes], pb.ExtractRequest]
) -> pb.ExtractResponse:
    """One extraction for an HTTP request, in the order that bounds it: the in-flight slot first
    (a full server reads no body), then the body (size and time limits) turned into a request by
    `decode`, the work under the request's deadline, cancelled if the client leaves."""
    config = service.config
    async with service.admitted() as engines:
        message = decode(await read_body(request, config.max_document_bytes, config.http_header_timeout_s))
        work = within_deadline(request, service.extract_admitted(engines, message))
        return await until_disconnected(request, work)
