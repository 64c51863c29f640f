"""HTTP/JSON beside gRPC, in the same process and on the same engines (`finx serve --http-port`).

- `POST /v1/extract`: body and answer are the protobuf JSON mapping of `ExtractRequest` /
  `ExtractResponse` (field names in either form), so there is one contract; `GET /v1/schemas`,
  `GET /v1/adapters`; `GET /healthz` (the process answers) and `/readyz` (an engine is serving);
  `/openapi.json`.
- OpenAI-compatible `POST /v1/chat/completions` and `GET /v1/models` (`openai_api.py`).

Everything a gRPC call gets applies: the bearer token (`Authorization: Bearer ...`), the document
size limit, the in-flight slots, a deadline (`X-Request-Timeout: SECONDS`), request ids
(`X-Request-Id`, echoed), the metrics, and one error mapping: a finx error's gRPC status becomes
an HTTP status and the body `{"error": {"message", "type", "code"}}`. This module knows the
service's entry points (`ExtractionService`) and HTTP, nothing about engines.
"""

import asyncio
import contextlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from google.protobuf.message import Message

from finx import metrics
from finx.api_convert import MESSAGE_ENVELOPE_BYTES
from finx.errors import FinxError
from finx.server.grpc_service import ExtractionService
from finx.server.interceptors import status_code_of
from finx.v1 import extraction_pb2 as pb

log = logging.getLogger("finx.http")
HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
OPEN_PATHS = {"/healthz", "/readyz", "/openapi.json", "/docs"}
"""Paths that answer without the bearer token (they carry no finx data)."""
PROTO_JSON_BODY = {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}


class HttpError(Exception):
    """An HTTP-level refusal (bad JSON, oversized body, missing token) with its gRPC-style code."""

    def __init__(self, code: grpc.StatusCode, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status or HTTP_STATUS.get(code, 500)


def error_body(code: grpc.StatusCode, message: str, status: int | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": code.name.lower(), "code": code.name}},
        status_code=status or HTTP_STATUS.get(code, 500),
    )


def create_app(service: ExtractionService) -> FastAPI:
    """The HTTP API over `service` (which also serves gRPC)."""
    from finx.server.openai_routes import add_openai_routes

    config = service.config
    app = FastAPI(title="finx", version="1", summary="Schema-valid JSON from financial documents")

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        """Token, request id, deadline, metrics and the error mapping, around every route."""
        started, path = time.perf_counter(), request.url.path
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id
        code = grpc.StatusCode.OK
        try:
            if config.auth_token and path not in OPEN_PATHS and not authorised(request, config.auth_token):
                raise HttpError(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token")
            deadline_of(request)  # a malformed deadline is refused before any work
            response = await call_next(request)
        except HttpError as error:
            code, response = error.code, error_body(error.code, str(error), error.status)
        except FinxError as error:
            code = status_code_of(error)
            response = error_body(code, str(error))
        except TimeoutError:
            code = grpc.StatusCode.DEADLINE_EXCEEDED
            response = error_body(code, "the request's deadline (X-Request-Timeout) passed")
        except Exception:
            error_id = uuid.uuid4().hex[:12]
            log.exception("internal error %s on %s", error_id, path)
            code = grpc.StatusCode.INTERNAL
            response = error_body(code, f"internal error (id {error_id})")
        if response.status_code >= 400 and code == grpc.StatusCode.OK:
            code = next((grpc_code for grpc_code, status in HTTP_STATUS.items() if status == response.status_code),
                        grpc.StatusCode.INVALID_ARGUMENT)  # fmt: skip
        response.headers["x-request-id"] = request_id
        metrics.REQUESTS.labels(f"http {path}", code.name).inc()
        metrics.LATENCY.labels(f"http {path}").observe(time.perf_counter() - started)
        return response

    @app.post("/v1/extract", openapi_extra={"requestBody": PROTO_JSON_BODY})
    async def extract(request: Request) -> JSONResponse:
        """One document: the protobuf JSON mapping of ExtractRequest in, of ExtractResponse out."""
        message = parse_message(await read_body(request, config.max_document_bytes), pb.ExtractRequest())
        if not message.request_id:
            message.request_id = request.state.request_id
        return proto_json(await within_deadline(request, service.extract_one(message)))

    @app.get("/v1/schemas")
    async def schemas() -> JSONResponse:
        """The built-in schemas."""
        return proto_json(await service.ListSchemas(pb.ListSchemasRequest(), None))

    @app.get("/v1/adapters")
    async def adapters() -> JSONResponse:
        """The registry's adapter versions, and the current one."""
        return proto_json(await service.ListAdapters(pb.ListAdaptersRequest(), None))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """An engine is loaded and the service is not draining."""
        ready = service.engines is not None and not service.draining
        return JSONResponse({"status": "ready" if ready else "not ready"}, status_code=200 if ready else 503)

    add_openai_routes(app, service)
    return app


def authorised(request: Request, token: str) -> bool:
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


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


async def read_body(request: Request, max_document_bytes: int) -> bytes:
    """The request body, refused past the document limit (plus room for the rest of the request;
    base64 in JSON makes bytes 4/3 larger) without reading more than that."""
    limit = max_document_bytes * 4 // 3 + MESSAGE_ENVELOPE_BYTES
    too_large = HttpError(
        grpc.StatusCode.RESOURCE_EXHAUSTED, f"the request body is over finx's limit of {limit} bytes", status=413
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for piece in request.stream():
        body.extend(piece)
        if len(body) > limit:
            raise too_large
    return bytes(body)


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


def proto_json(message: Message) -> JSONResponse:
    return JSONResponse(json_format.MessageToDict(message))


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside finx's own event loop: finx, not uvicorn, handles SIGTERM and draining."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


@contextlib.asynccontextmanager
async def http_server(service: ExtractionService) -> AsyncIterator[int]:
    """The HTTP API on `config.host:config.http_port` for as long as the context lasts; yields the port."""
    host, port = service.config.host, service.config.http_port
    server = EmbeddedServer(uvicorn.Config(create_app(service), host=host, port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the bind failed: raise it
            raise FinxError(f"the HTTP API could not listen on {host}:{port}")
        await asyncio.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    log.info("HTTP API on %s:%s", host, bound)
    try:
        yield bound
    finally:
        server.should_exit = True
        await task
