"""HTTP/JSON beside gRPC, in the same process and on the same engines (`finx serve --http-port`).

- `POST /v1/extract`: body and answer are the protobuf JSON mapping of `ExtractRequest` /
  `ExtractResponse` (field names in either form), so there is one contract; `GET /v1/schemas`,
  `GET /v1/adapters`; `GET /healthz` (the process answers) and `/readyz` (an engine is serving);
  `/openapi.json`.
- OpenAI-compatible `POST /v1/chat/completions` and `GET /v1/models` (`openai_routes.py`).

Everything a gRPC call gets applies: the bearer token (`Authorization: Bearer ...`), the document
size limit, the in-flight slots, a deadline (`X-Request-Timeout: SECONDS`), request ids
(`X-Request-Id`, echoed), the metrics, and one error mapping: a finx error's gRPC status becomes
an HTTP status and the body `{"error": {"message", "type", "code"}}` (messages bounded).

What a browser-reachable API needs besides, before any work is done:
- the host allow-list and the cross-site rule of `finx.web_guard` (403): a DNS-rebinding page or
  another site's form reads and runs nothing; `--allow-origin` lets a web app in, with CORS;
- a write's body must be `application/json` (415 otherwise: a browser's cross-site "simple"
  requests cannot send that type without a CORS preflight);
- limits: request headers at most `MAX_HEADER_BYTES` (h11 refuses more with 400), headers and each
  body piece within `http_header_timeout_s` (the connection is closed), an `X-Request-Id` of at
  most `MAX_REQUEST_ID` printable characters, the body size, and the in-flight slot taken before
  the body is read (429 with `Retry-After`);
- a client that disconnects cancels its extraction, which frees its slot and its engine requests.

This module knows the service's entry points (`ExtractionService`) and HTTP, nothing about engines.
"""

import asyncio
import contextlib
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
from starlette.middleware.cors import CORSMiddleware
from uvicorn.protocols.http.h11_impl import H11Protocol

from finx import metrics
from finx.auth import bearer_authorised
from finx.errors import FinxError
from finx.server.grpc_service import ExtractionService
from finx.server.http_io import (
    HTTP_STATUS,
    JSON_TYPE,
    MAX_REQUEST_ID,
    ClientGone,
    HttpError,
    deadline_of,
    error_body,
    extract_over_http,
    is_json,
    parse_message,
)
from finx.server.interceptors import status_code_of
from finx.server.openai_routes import add_openai_routes
from finx.v1 import extraction_pb2 as pb
from finx.web_guard import HostAllowList, cross_site_refusal

log = logging.getLogger("finx.http")
OPEN_PATHS = {"/healthz", "/readyz", "/openapi.json", "/docs"}
"""Paths that answer without the bearer token (they carry no finx data)."""
MAX_HEADER_BYTES = 64 * 1024
"""Largest request head (request line and headers) h11 accepts; more is refused with 400."""
PROTO_JSON_BODY = {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}


def create_app(service: ExtractionService) -> FastAPI:
    """The HTTP API over `service` (which also serves gRPC)."""
    config = service.config
    app = FastAPI(title="finx", version="1", summary="Schema-valid JSON from financial documents")
    hosts = HostAllowList(config.host, config.allowed_hosts)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        """Host, origin, token, request id, deadline, metrics and the error mapping, around every route."""
        started, path = time.perf_counter(), request.url.path
        given_id = request.headers.get("x-request-id")
        well_formed = given_id is not None and 0 < len(given_id) <= MAX_REQUEST_ID and given_id.isprintable()
        request_id = given_id if well_formed and given_id is not None else uuid.uuid4().hex
        request.state.request_id = request_id
        code = grpc.StatusCode.OK
        try:
            refused = hosts.refusal(request.headers.get("host", ""), "finx serve --allow-host")
            own_origin = f"{request.url.scheme}://{request.headers.get('host', '')}"
            refused = refused or cross_site_refusal(request.method, request.headers, own_origin, config.allowed_origins)
            if refused:
                raise HttpError(grpc.StatusCode.PERMISSION_DENIED, refused)
            if given_id is not None and not well_formed:
                raise HttpError(
                    grpc.StatusCode.INVALID_ARGUMENT, f"X-Request-Id must be 1 to {MAX_REQUEST_ID} printable characters"
                )
            if request.method == "POST" and not is_json(request.headers.get("content-type", "")):
                raise HttpError(grpc.StatusCode.INVALID_ARGUMENT, f"the body must be sent as {JSON_TYPE}", status=415)
            if config.auth_token and path not in OPEN_PATHS and not authorised(request, config.auth_token):
                raise HttpError(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token")
            deadline_of(request)  # a malformed deadline is refused before any work
            response = await call_next(request)
        except HttpError as error:
            code, response = error.code, error_body(error.code, str(error), error.status)
        except FinxError as error:
            code = status_code_of(error)
            response = error_body(code, str(error))
        except ClientGone:
            code = grpc.StatusCode.CANCELLED
            response = error_body(code, "the client disconnected", status=499)
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

        def decode(body: bytes) -> pb.ExtractRequest:
            message = parse_message(body, pb.ExtractRequest())
            message.request_id = message.request_id or request.state.request_id
            return message

        return proto_json(await extract_over_http(service, request, decode))

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
    if config.allowed_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.allowed_origins), allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "x-request-id", "x-request-timeout"],
            expose_headers=["x-request-id", "retry-after"], max_age=600,
        )  # fmt: skip
    return app


def authorised(request: Request, token: str) -> bool:
    return bearer_authorised(request.headers.get("authorization"), token)


def proto_json(message: Message) -> JSONResponse:
    return JSONResponse(json_format.MessageToDict(message))


class TimedHeadersProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers: a client that has not
    sent them whole within `header_timeout_s` of connecting (or of its previous answer) is
    disconnected, so slow clients cannot hold connections open for ever."""

    header_timeout_s = 10.0
    _timer: asyncio.TimerHandle | None = None
    _waiting_cycle: Any = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._timer is not None and self.cycle is not self._waiting_cycle:
            self._timer.cancel()  # the headers are in: a request cycle began
            self._timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._waiting_cycle = self.cycle
        self._timer = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside finx's own event loop: finx, not uvicorn, handles SIGTERM and draining."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


@contextlib.asynccontextmanager
async def http_server(service: ExtractionService) -> AsyncIterator[int]:
    """The HTTP API on `config.host:config.http_port` for as long as the context lasts; yields the
    port. With `--tls-cert`/`--tls-key` it speaks HTTPS with the same certificate as the gRPC port."""
    host, port = service.config.host, service.config.http_port
    protocol = type("Protocol", (TimedHeadersProtocol,), {"header_timeout_s": service.config.http_header_timeout_s})
    tls = service.config.tls_cert, service.config.tls_key  # the gRPC port's certificate, if any
    settings = uvicorn.Config(
        create_app(service), host=host, port=port, http=protocol, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        log_config=None, log_level="warning", timeout_keep_alive=5,  # uvicorn's records go to finx's JSON log
        ssl_certfile=str(tls[0]) if tls[0] else None, ssl_keyfile=str(tls[1]) if tls[1] else None,
    )  # fmt: skip
    server = EmbeddedServer(settings)
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
