"""Prometheus metrics of the gRPC service, served over HTTP by `start_metrics_server`."""

from prometheus_client import Counter, Gauge, Histogram, start_http_server

REQUESTS = Counter("finx_requests_total", "RPCs by method and status code", ["method", "code"])
LATENCY = Histogram(
    "finx_request_seconds",
    "RPC latency",
    ["method"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160),
)
TOKENS = Counter("finx_tokens_total", "Tokens processed by the engine", ["kind"])
INFLIGHT = Gauge("finx_inflight_requests", "Documents being extracted now (queued in the engine included)")
ENGINE_READY = Gauge("finx_engine_ready", "1 when the engine is loaded and serving, else 0")


def start_metrics_server(host: str, port: int) -> None:
    start_http_server(port, addr=host)
