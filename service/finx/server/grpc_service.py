"""The gRPC service (`finx serve`): grpc.aio on the vLLM async engine.

Thin servicer: decode the request (`api_convert`), call the domain (`Extractor`), encode the
result. One interceptor maps domain exceptions to status codes and records metrics; another
checks the bearer token when one is configured. The engine loads in the background: health
reports NOT_SERVING until it is ready, SERVING while ready, NOT_SERVING again while draining on
SIGTERM/SIGINT. Concurrent requests share vLLM's continuous batching; a cancelled call or an
expired deadline cancels its engine requests, which frees their capacity. The engines live in an
`EngineSet` (`engine_set.py`): the current adapter merged into the weights, a LoRA engine for other
adapters when first asked for, and ReloadAdapters loading the new adapter's merged weights into
the running engine without dropping a request.
"""

import asyncio
import contextlib
import json
import logging
import signal
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from finx import metrics
from finx.adapters.registry import AdapterRegistry
from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter, registry_current, resolve_adapter
from finx.api_convert import MESSAGE_ENVELOPE_BYTES, reference_to_pb, request_from_pb, result_to_pb
from finx.config import EngineConfig, ServerConfig, env
from finx.engines.base import Engine
from finx.errors import (
    FinxError,
    NotReady,
    Overloaded,
    RetrievalUnavailable,
)
from finx.extraction.extractor import ExtractionTask
from finx.extraction.result import locate
from finx.retrieval import Retriever, create_retriever
from finx.schemas import get_schema, list_schemas
from finx.server.engine_set import EngineSet
from finx.server.interceptors import SERVICE_NAME, ErrorInterceptor, TokenInterceptor, status_code_of
from finx.v1 import extraction_pb2 as pb
from finx.v1 import extraction_pb2_grpc as pb_grpc

log = logging.getLogger("finx.server.grpc_service")


class ExtractionService(pb_grpc.ExtractionServicer):
    """The finx.v1.Extraction servicer and the state it serves from."""

    def __init__(self, config: ServerConfig, registry: AdapterRegistry | None = None) -> None:
        self.config = config
        self.registry = registry or AdapterRegistry()
        self.health = health_aio.HealthServicer()
        self.engines: EngineSet | None = None
        self.current: ResolvedAdapter = BASE_MODEL
        """The adapter this server serves as current (merged into its primary engine)."""
        self.draining = False
        self.inflight = 0
        self.retriever: Retriever | None = None

    # lifecycle ----------------------------------------------------------------------------
    async def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ("", SERVICE_NAME):
            await self.health.set(name, status)

    async def load_engine(self, engine_factory: Callable[[EngineConfig], Engine]) -> None:
        await self.set_serving(False)
        metrics.ENGINE_READY.set(0)
        self.current = await asyncio.to_thread(registry_current, self.registry)
        self.retriever = await asyncio.to_thread(create_retriever, self.config.retrieval)
        engines = EngineSet(
            self.config.engine,
            engine_factory,
            self.retriever,
            self.config.retrieval,
            self.config.lora_idle_seconds,
            self.config.lora_engine_config(),
        )
        await engines.start(self.current.path)
        self.engines = engines
        if not self.draining:
            await self.set_serving(True)
            metrics.ENGINE_READY.set(1)
        log.info("engine %s ready (adapter %s merged)", self.config.engine.engine, self.current.label)

    async def drain(self) -> None:
        self.draining = True
        metrics.ENGINE_READY.set(0)
        await self.set_serving(False)

    async def reload_adapters(self) -> str:
        """Serve the registry's current adapter: its merged weights are built while the running
        ones serve, then loaded in place once the running requests have finished (new ones wait
        that long; none fail). `EngineSet.switch` says how an engine that cannot do so switches."""
        if self.engines is None:
            raise NotReady("the service is not ready")
        adapter = await asyncio.to_thread(registry_current, self.registry)

        def switched() -> None:
            self.current = adapter

        await self.engines.switch(adapter.path, on_switched=switched)
        return self.current_version

    # helpers ------------------------------------------------------------------------------
    @property
    def current_version(self) -> str:
        """The registry version served as current, "" when none (the base model)."""
        return self.current.label if self.current.path is not None else ""

    def resolve_adapter(self, reference: str) -> ResolvedAdapter:
        """A request's adapter: "" is the adapter this server serves as current (not re-read)."""
        return resolve_adapter(reference, self.registry, self.current)

    @contextlib.asynccontextmanager
    async def admitted(self) -> AsyncIterator[EngineSet]:
        """One request's place among the `max_inflight`, held from reading its document and
        schema to its result (reading can cost as much as extracting)."""
        if self.draining or self.engines is None:
            raise NotReady("the service is not ready" if not self.draining else "the service is shutting down")
        if self.inflight >= self.config.max_inflight:
            raise Overloaded(f"{self.inflight} requests in flight (limit {self.config.max_inflight})", hint="retry")
        self.inflight += 1
        metrics.INFLIGHT.set(self.inflight)
        try:
            yield self.engines
        finally:
            self.inflight -= 1
            metrics.INFLIGHT.set(self.inflight)

    async def extract_one(self, request: pb.ExtractRequest) -> pb.ExtractResponse:
        async with self.admitted() as engines:
            return await self.extract_admitted(engines, request)

    async def extract_admitted(self, engines: EngineSet, request: pb.ExtractRequest) -> pb.ExtractResponse:
        """One request that already holds its place (`admitted`): the HTTP API takes the place
        before it reads the body, so a full server reads no more bodies."""
        decoded = await asyncio.to_thread(request_from_pb, request, self.config.max_document_bytes)
        await engines.settled()  # "" names the current adapter as it is once a switch has finished
        adapter = self.resolve_adapter(decoded.adapter)
        async with engines.use(adapter.path) as extractor:
            task = ExtractionTask(decoded.ingested.text, decoded.schema, adapter, decoded.options)
            result = locate(await extractor.aextract(task), decoded.ingested)
        metrics.TOKENS.labels("prompt").inc(result.prompt_tokens)
        metrics.TOKENS.labels("completion").inc(result.completion_tokens)
        return result_to_pb(result, decoded.request_id)

    # rpcs ---------------------------------------------------------------------------------
    async def Extract(self, request: pb.ExtractRequest, context: grpc.aio.ServicerContext) -> pb.ExtractResponse:
        return await self.extract_one(request)

    async def ExtractStream(
        self, request_iterator: AsyncIterator[pb.ExtractRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ExtractResponse]:
        done: asyncio.Queue[pb.ExtractResponse | None] = asyncio.Queue()
        tasks: set[asyncio.Task[None]] = set()

        async def run(request: pb.ExtractRequest) -> None:
            try:
                response = await self.extract_one(request)
            except FinxError as error:
                code = status_code_of(error)
                metrics.REQUESTS.labels("ExtractStream.item", code.name).inc()
                response = error_response(request.request_id, code.name, str(error))
            except Exception:
                error_id = uuid.uuid4().hex[:12]
                log.exception("internal error %s in stream item %s", error_id, request.request_id)
                response = error_response(request.request_id, "INTERNAL", f"internal error (id {error_id})")
            await done.put(response)

        async def read_requests() -> None:
            async for request in request_iterator:
                task = asyncio.create_task(run(request))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            while tasks:
                await asyncio.gather(*list(tasks), return_exceptions=True)
            await done.put(None)

        reader = asyncio.create_task(read_requests())
        try:
            while (response := await done.get()) is not None:
                yield response
            await reader
        finally:
            reader.cancel()
            for task in list(tasks):
                task.cancel()

    async def ListSchemas(self, request: pb.ListSchemasRequest, context: Any) -> pb.ListSchemasResponse:
        return pb.ListSchemasResponse(schemas=[schema_info(spec) for spec in list_schemas()])

    async def GetSchema(self, request: pb.GetSchemaRequest, context: Any) -> pb.GetSchemaResponse:
        spec = get_schema(request.name)
        return pb.GetSchemaResponse(schema=schema_info(spec), json_schema=json.dumps(spec.json_schema))

    async def ListAdapters(self, request: pb.ListAdaptersRequest, context: Any) -> pb.ListAdaptersResponse:
        current = self.current_version
        adapters = [
            pb.AdapterInfo(
                version=manifest.version,
                parent=manifest.parent or "",
                created_at=manifest.created_at,
                current=manifest.version == current,
                scores={key: float(value) for key, value in manifest.scores.get("dev", {}).items()},
            )
            for manifest in self.registry.manifests()
        ]
        return pb.ListAdaptersResponse(adapters=adapters, current=current)

    async def ReloadAdapters(self, request: pb.ReloadAdaptersRequest, context: Any) -> pb.ReloadAdaptersResponse:
        return pb.ReloadAdaptersResponse(current=await self.reload_adapters())

    async def LookupReference(self, request: pb.LookupReferenceRequest, context: Any) -> pb.LookupReferenceResponse:
        if self.retriever is None:
            raise RetrievalUnavailable("this server has no reference store", hint="start it with retrieval on")
        references = await asyncio.to_thread(self.retriever.lookup, request.query, request.kind, request.k or 5)
        return pb.LookupReferenceResponse(references=[reference_to_pb(reference) for reference in references])


def schema_info(spec: Any) -> pb.SchemaInfo:
    return pb.SchemaInfo(name=spec.name, version=spec.version, description=spec.description)


def error_response(request_id: str, code: str, message: str) -> pb.ExtractResponse:
    return pb.ExtractResponse(request_id=request_id, status=pb.RESULT_STATUS_ERROR, error=message, error_code=code)


def build_server(config: ServerConfig, service: ExtractionService) -> tuple[grpc.aio.Server, int]:
    """A grpc.aio server with the finx, health and reflection services, bound per `config`."""
    interceptors: list[grpc.aio.ServerInterceptor] = [ErrorInterceptor()]
    if config.auth_token:
        interceptors.insert(0, TokenInterceptor(config.auth_token))
    options = [
        ("grpc.max_receive_message_length", config.max_document_bytes + MESSAGE_ENVELOPE_BYTES),
        ("grpc.max_send_message_length", config.max_document_bytes + MESSAGE_ENVELOPE_BYTES),
    ]
    server = grpc.aio.server(interceptors=interceptors, options=options)
    pb_grpc.add_ExtractionServicer_to_server(service, server)
    health_pb2_grpc.add_HealthServicer_to_server(service.health, server)
    reflection.enable_server_reflection([SERVICE_NAME, "grpc.health.v1.Health", reflection.SERVICE_NAME], server)
    address = f"{config.host}:{config.port}"
    if config.tls_cert and config.tls_key:
        credentials = grpc.ssl_server_credentials([(config.tls_key.read_bytes(), config.tls_cert.read_bytes())])
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    return server, port


def build_health_server(config: ServerConfig, service: ExtractionService) -> tuple[grpc.aio.Server, int]:
    """A second, plaintext server with grpc.health.v1 only, on `config.health_port`: for probes
    that cannot speak TLS (Kubernetes' gRPC probes) when the main port is TLS-only. It shares
    the main server's health state and carries no finx data."""
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(service.health, server)
    return server, server.add_insecure_port(f"{config.host}:{config.health_port}")


async def serve(
    config: ServerConfig,
    engine_factory: Callable[[EngineConfig], Engine] | None = None,
    on_listening: Callable[[int], None] | None = None,
    companion: Callable[[ExtractionService], contextlib.AbstractAsyncContextManager[int]] | None = None,
) -> None:
    """Run until SIGTERM/SIGINT, then drain in-flight calls for up to `drain_seconds`.

    `companion`: another front end on the same service for as long as it runs (the HTTP API)."""
    if config.auth_token is None and env("FINX_AUTH_TOKEN"):
        config = replace(config, auth_token=env("FINX_AUTH_TOKEN"))
    config.check()
    for warning in config.warnings():
        log.warning("%s", warning)
    service = ExtractionService(config)
    server, port = build_server(config, service)
    if config.metrics_port:
        metrics.start_metrics_server(config.metrics_host, config.metrics_port)
    health_server = None
    if config.health_port:
        health_server, health_port = build_health_server(config, service)
        await health_server.start()
        log.info("health checks (plaintext) on %s:%s", config.host, health_port)
    await service.set_serving(False)
    await server.start()
    log.info("listening on %s:%s", config.host, port)
    async with contextlib.AsyncExitStack() as companions:
        if companion is not None:
            await companions.enter_async_context(companion(service))
        if on_listening:
            on_listening(port)
        await run_until_stopped(config, service, server, engine_factory, health_server)


async def run_until_stopped(
    config: ServerConfig,
    service: ExtractionService,
    server: grpc.aio.Server,
    engine_factory: Callable[[EngineConfig], Engine] | None,
    health_server: grpc.aio.Server | None,
) -> None:
    """Load the engine, serve until SIGTERM/SIGINT, then drain and stop."""
    from finx.engines import create_engine

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loading = asyncio.create_task(service.load_engine(engine_factory or create_engine))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({loading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if loading.done() and loading.exception() is not None:
        await server.stop(0)
        raise loading.exception()  # type: ignore[misc]
    await stopping
    log.info("draining (up to %.0f s)", config.drain_seconds)
    await service.drain()
    await server.stop(config.drain_seconds)
    if health_server is not None:
        await health_server.stop(0)
    loading.cancel()
    if service.engines is not None:
        await service.engines.close()
    log.info("stopped")
