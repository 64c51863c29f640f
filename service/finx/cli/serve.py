"""`finx serve`: the gRPC service."""

from pathlib import Path
from typing import Annotated

import typer

from finx.cli.app import app
from finx.cli.common import (
    ONE_REQUEST_SPECULATIVE_TOKENS,
    DtypeOption,
    MaxBatchOption,
    RefsStore,
    SpeculativeOption,
    fail,
    quiet_engine_logs,
    rerun_under_jemalloc,
)
from finx.config import EngineConfig, EngineName, RetrievalConfig, ServerConfig, finx_home
from finx.errors import FinxError

DEFAULTS = ServerConfig()
"""Every option's default is the config type's own."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind (non-loopback needs TLS or a token).")] = DEFAULTS.host,
    port: Annotated[int, typer.Option(help="gRPC port.")] = DEFAULTS.port,
    http_port: Annotated[
        int, typer.Option(help="Also serve HTTP/JSON and the OpenAI-compatible API on this port (0 = off).")
    ] = DEFAULTS.http_port,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="With --http-port: also answer to this host name (repeatable; loopback always)."),
    ] = None,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(help="With --http-port: let web pages of this origin call the API (CORS; repeatable)."),
    ] = None,
    metrics_port: Annotated[int, typer.Option(help="Prometheus metrics HTTP port (0 = off).")] = DEFAULTS.metrics_port,
    metrics_host: Annotated[
        str, typer.Option(help="Address of the metrics endpoint (no auth: loopback unless you mean it).")
    ] = DEFAULTS.metrics_host,
    engine: Annotated[EngineName, typer.Option(help="Generation engine.")] = DEFAULTS.engine.engine,
    dtype: DtypeOption = DEFAULTS.engine.dtype,
    speculative_tokens: SpeculativeOption = ONE_REQUEST_SPECULATIVE_TOKENS,
    max_batch: MaxBatchOption = DEFAULTS.engine.max_num_seqs,
    max_inflight: Annotated[
        int, typer.Option(help="Documents in flight before RESOURCE_EXHAUSTED.")
    ] = DEFAULTS.max_inflight,
    lora_idle_seconds: Annotated[
        float, typer.Option(help="Close the on-demand LoRA engine (base model, other versions) after this idle time.")
    ] = DEFAULTS.lora_idle_seconds,
    lora_engine: Annotated[
        EngineName,
        typer.Option(help="On-demand LoRA engine: transformers (in-process, +0.4 GiB) or vllm (own process, batches)."),
    ] = DEFAULTS.lora_engine,
    health_port: Annotated[
        int, typer.Option(help="Plaintext port with only grpc.health.v1, for TLS-unaware probes (0 = none).")
    ] = DEFAULTS.health_port,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM certificate chain for TLS.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key for TLS.")] = None,
    refs: RefsStore = None,
    retrieval: Annotated[bool, typer.Option(help="Serve the retrieval hook (lookups, linking).")] = True,
) -> None:
    """Run the gRPC service (finx.v1.Extraction + health + reflection), and with --http-port the
    HTTP/JSON and OpenAI-compatible API beside it, until SIGTERM."""
    rerun_under_jemalloc()
    import asyncio

    from finx.engines.vllm_engine import leave_out_unused_modules
    from finx.logs import configure_json_logs, send_engine_logs_as_json
    from finx.server.grpc_service import serve as run_server

    leave_out_unused_modules()

    quiet_engine_logs()
    configure_json_logs()
    send_engine_logs_as_json(finx_home() / "logs")
    config = ServerConfig(
        host=host,
        port=port,
        http_port=http_port,
        allowed_hosts=tuple(allow_host or ()),
        allowed_origins=tuple(allow_origin or ()),
        metrics_port=metrics_port,
        metrics_host=metrics_host,
        health_port=health_port,
        max_inflight=max_inflight,
        lora_idle_seconds=lora_idle_seconds,
        lora_engine=lora_engine,
        tls_cert=tls_cert,
        tls_key=tls_key,
        engine=EngineConfig(engine=engine, dtype=dtype, speculative_tokens=speculative_tokens).with_batch(max_batch),
        retrieval=RetrievalConfig(retriever="sqlite" if retrieval else "none", store_path=refs),
    )
    companion = None
    if http_port:
        from finx.server.http import http_server

        companion = http_server
    try:
        asyncio.run(run_server(config, companion=companion))
    except FinxError as error:
        fail(str(error))
