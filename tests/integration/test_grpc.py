"""The gRPC service on loopback with the real model: round trips, concurrency, deadlines,
cancellation, error statuses, health, reflection, auth, and a Node.js client.

The server runs in a background thread on its own event loop and shares the session's vLLM engine.
"""

import json
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from finx import metrics
from finx.api_convert import MAX_MESSAGE_BYTES
from finx.client import FinxClient, extract_request
from finx.config import RetrievalConfig, ServerConfig
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.extraction.result import locate
from finx.ingest import MAX_DOCUMENT_BYTES, read_document
from finx.schemas import get_schema
from finx.server.grpc_service import build_health_server
from finx.v1 import extraction_pb2 as pb
from finx.v1 import extraction_pb2_grpc as pb_grpc
from finx.values.grounding import string_values
from tests.support.corpus import load_corpus
from tests.support.network import free_loopback_port
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
RECEIPT = "GARDENIA BAKERIES (KL) SDN BHD\nLOT 3, JALAN PELABUR 23/1, 40300 SHAH ALAM\nDATE: 17/05/2018\nTOTAL RM 7.05"


@pytest.fixture(scope="module")
def server(vllm_engine, tmp_path_factory):
    running = RunningServer(vllm_engine, tmp_path_factory.mktemp("grpc"))
    running.wait_ready()
    yield running
    running.stop()


@pytest.fixture
def client(server):
    with FinxClient(server.target) as finx_client:
        yield finx_client


def health_status(target: str, service: str = "finx.v1.Extraction") -> int:
    with grpc.insecure_channel(target) as channel:
        return (
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status
        )


def test_unary_round_trip_validates_against_the_schema(client):
    result = client.extract(RECEIPT, "receipt", options=ExtractOptions(max_tokens=96), adapter="base")
    assert result.status == "ok", result.error
    get_schema("receipt").model.model_validate(result.data)
    assert result.engine == "vllm" and result.prompt_tokens > 0 and result.timings.total_s > 0
    for source in result.sources:
        if source.match == "exact":
            assert RECEIPT[source.start : source.end] == source.value


def test_custom_schema_over_grpc(client):
    schema = {"type": "object", "properties": {"total": {"type": ["string", "null"], "maxLength": 20}}}
    result = client.extract(RECEIPT, schema, options=ExtractOptions(max_tokens=32), adapter="base")
    assert result.schema_name == "custom"
    if result.ok:
        assert set(result.data) == {"total"}


def test_stream_returns_every_document_tagged_with_its_id(client):
    docs = load_corpus()[:6]
    requests = [extract_request(doc.text, doc.schema.name, request_id=f"doc-{i}", options=ExtractOptions(max_tokens=96), adapter="base")
                for i, doc in enumerate(docs) if doc.schema.name != "custom"]  # fmt: skip
    requests.append(extract_request("", "receipt", request_id="empty"))
    responses = {response.request_id: response for response in client.extract_stream(requests)}
    assert set(responses) == {request.request_id for request in requests}
    assert responses["empty"].status == pb.RESULT_STATUS_ERROR and responses["empty"].error_code == "INVALID_ARGUMENT"
    for request in requests[:-1]:
        response = responses[request.request_id]
        if response.status == pb.RESULT_STATUS_OK:
            get_schema(request.schema_name).model.model_validate(json.loads(response.json))
        else:
            assert response.status == pb.RESULT_STATUS_TRUNCATED and response.error


def test_sixteen_concurrent_clients_all_get_valid_results(server):
    docs = [doc for doc in load_corpus() if doc.schema.name == "receipt"]

    def one(index):
        doc = docs[index % len(docs)]
        with FinxClient(server.target) as finx_client:
            return finx_client.extract(doc.text, "receipt", options=ExtractOptions(max_tokens=96), adapter="base")

    alone = [one(index) for index in range(len(docs))]  # one client at a time: the reference answers
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(16)))
    assert len(results) == 16
    for index, result in enumerate(results):
        reference = alone[index % len(docs)]  # greedy decoding: batching must not change the answer
        assert (result.status, result.data) == (reference.status, reference.data)
        if result.ok:
            get_schema("receipt").model.model_validate(result.data)


def wait_until(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_deadline_shorter_than_generation_is_deadline_exceeded_and_server_keeps_serving(server, client):
    stub = pb_grpc.ExtractionStub(client.channel)
    long_request = extract_request(
        load_corpus()[5].text, "invoice", options=ExtractOptions(max_tokens=400), adapter="base"
    )
    expired = metrics.REQUESTS.labels("Extract", "DEADLINE_EXCEEDED")
    cancelled = metrics.REQUESTS.labels("Extract", "CANCELLED")
    before = (expired._value.get(), cancelled._value.get())
    with pytest.raises(grpc.RpcError) as error:
        stub.Extract(long_request, timeout=0.5)
    assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert wait_until(lambda: server.service.inflight == 0), "the expired call must free its slot"
    # the metrics count it as what the caller saw, not as a cancellation
    assert wait_until(lambda: (expired._value.get(), cancelled._value.get()) == (before[0] + 1, before[1]))
    assert client.extract(RECEIPT, "receipt", options=ExtractOptions(max_tokens=64), adapter="base").status in (
        "ok",
        "truncated",
    )


def test_cancelled_call_frees_capacity(server, client):
    stub = pb_grpc.ExtractionStub(client.channel)
    future = stub.Extract.future(
        extract_request(load_corpus()[5].text, "invoice", options=ExtractOptions(max_tokens=400), adapter="base")
    )
    assert wait_until(lambda: server.service.inflight == 1, 10)
    future.cancel()
    assert wait_until(lambda: server.service.inflight == 0), "cancelling must abort the engine request"


@pytest.mark.parametrize(
    ("request_kwargs", "code", "message"),
    [
        pytest.param({"document": "", "schema": "receipt"}, grpc.StatusCode.INVALID_ARGUMENT, "document is empty", id="empty"),
        pytest.param({"document": b"\x00\x01\x02 TOTAL", "schema": "receipt"}, grpc.StatusCode.INVALID_ARGUMENT, "looks binary", id="binary"),
        pytest.param({"document": b"PK\x03\x04", "schema": "receipt", "media_type": "application/msword"}, grpc.StatusCode.INVALID_ARGUMENT, "unsupported media type", id="media-type"),
        pytest.param({"document": b"%PDF-1.7 cut", "schema": "receipt", "media_type": "application/pdf"}, grpc.StatusCode.INVALID_ARGUMENT, "not a readable PDF", id="broken-pdf"),
        pytest.param({"document": "x", "schema": "payslip"}, grpc.StatusCode.NOT_FOUND, "unknown schema 'payslip'", id="unknown-schema"),
        pytest.param({"document": "x", "schema": {"type": "object", "properties": {"a": {"type": "string", "format": "binary"}}}}, grpc.StatusCode.INVALID_ARGUMENT, "unsupported string format 'binary'", id="bad-schema"),
        pytest.param({"document": "x", "schema": "receipt", "adapter": "v0042"}, grpc.StatusCode.NOT_FOUND, "no adapter version 'v0042'", id="unknown-adapter"),
        pytest.param({"document": "x", "schema": "receipt", "options": ExtractOptions(max_tokens=100000)}, grpc.StatusCode.INVALID_ARGUMENT, "max_tokens must be between", id="max-tokens"),
    ],
)  # fmt: skip
def test_bad_input_maps_to_its_status_with_a_helpful_message(client, request_kwargs, code, message):
    document, schema = request_kwargs.pop("document"), request_kwargs.pop("schema")
    stub = pb_grpc.ExtractionStub(client.channel)
    with pytest.raises(grpc.RpcError) as error:
        stub.Extract(extract_request(document, schema, **request_kwargs), timeout=30)
    assert error.value.code() == code
    assert message in error.value.details()


def test_the_document_limit_holds_over_grpc(server):
    """A document over the limit is INVALID_ARGUMENT (the same words as the CLI and batch); a message
    larger than the document limit plus its envelope is refused by gRPC itself."""
    with grpc.insecure_channel(server.target, options=[("grpc.max_send_message_length", -1)]) as channel:
        stub = pb_grpc.ExtractionStub(channel)
        with pytest.raises(grpc.RpcError) as error:
            stub.Extract(extract_request(b"x" * (MAX_DOCUMENT_BYTES + 1), "receipt"), timeout=60)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert f"over the {MAX_DOCUMENT_BYTES}-byte limit" in error.value.details()
        with pytest.raises(grpc.RpcError) as error:
            stub.Extract(extract_request(b"x" * (MAX_MESSAGE_BYTES + 1), "receipt"), timeout=60)
        assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_schemas_and_adapters_rpcs(client):
    stub = pb_grpc.ExtractionStub(client.channel)
    assert [s.name for s in client.list_schemas()] == ["entities", "invoice", "nda", "receipt"]
    schema = stub.GetSchema(pb.GetSchemaRequest(name="receipt"), timeout=10)
    assert json.loads(schema.json_schema)["required"] == ["company", "date", "address", "total"]
    with pytest.raises(grpc.RpcError) as error:
        stub.GetSchema(pb.GetSchemaRequest(name="nope"), timeout=10)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert stub.ListAdapters(pb.ListAdaptersRequest(), timeout=10).current == ""
    assert stub.ReloadAdapters(pb.ReloadAdaptersRequest(), timeout=10).current == ""


def test_the_plaintext_health_port_serves_health_and_nothing_else(server):
    config = ServerConfig(port=0, health_port=free_loopback_port())

    async def start():
        health_server, port = build_health_server(config, server.service)
        await health_server.start()
        return health_server, port

    health_server, port = server.call(start())
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            check = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert check.status == health_pb2.HealthCheckResponse.SERVING
            with pytest.raises(grpc.RpcError) as error:
                pb_grpc.ExtractionStub(channel).ListSchemas(pb.ListSchemasRequest(), timeout=10)
            assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        server.call(health_server.stop(0))


def test_reflection_lists_the_service(server):
    with grpc.insecure_channel(server.target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
        names = {service.name for response in responses for service in response.list_services_response.service}
    assert {"finx.v1.Extraction", "grpc.health.v1.Health"} <= names


def test_health_goes_not_serving_serving_not_serving(vllm_engine, tmp_path):
    loaded = threading.Event()
    running = RunningServer(vllm_engine, tmp_path, loaded=loaded)
    try:
        assert health_status(running.target) == health_pb2.HealthCheckResponse.NOT_SERVING
        with FinxClient(running.target) as finx_client, pytest.raises(grpc.RpcError) as error:
            finx_client.extract(RECEIPT, "receipt")
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE
        loaded.set()
        running.wait_ready()
        assert health_status(running.target) == health_pb2.HealthCheckResponse.SERVING
        assert health_status(running.target, "") == health_pb2.HealthCheckResponse.SERVING
        running.call(running.service.drain())
        assert health_status(running.target) == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        running.stop()


def test_in_flight_limit_gives_resource_exhausted(vllm_engine, tmp_path):
    running = RunningServer(vllm_engine, tmp_path, max_inflight=1)
    try:
        running.wait_ready()
        with FinxClient(running.target) as finx_client:
            stub = pb_grpc.ExtractionStub(finx_client.channel)
            first = stub.Extract.future(
                extract_request(
                    load_corpus()[5].text, "invoice", options=ExtractOptions(max_tokens=200), adapter="base"
                )
            )
            assert wait_until(lambda: running.service.inflight == 1, 10)
            with pytest.raises(grpc.RpcError) as error:
                stub.Extract(extract_request(RECEIPT, "receipt", adapter="base"), timeout=30)
            assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            first.cancel()
    finally:
        running.stop()


def test_bearer_token_is_required_when_configured(vllm_engine, tmp_path):
    running = RunningServer(vllm_engine, tmp_path, auth_token="s3cret")
    try:
        running.wait_ready()
        with FinxClient(running.target) as anonymous, pytest.raises(grpc.RpcError) as error:
            anonymous.list_schemas()
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with FinxClient(running.target, token="s3cret") as authorised:
            assert len(authorised.list_schemas()) == 4
        assert health_status(running.target) == health_pb2.HealthCheckResponse.SERVING  # health stays open
    finally:
        running.stop()


def test_non_loopback_bind_requires_tls_or_token():
    from finx.errors import FinxError

    with pytest.raises(FinxError, match=r"refusing to listen on 0\.0\.0\.0"):
        ServerConfig(host="0.0.0.0").check()
    ServerConfig(host="0.0.0.0", auth_token="t").check()
    ServerConfig(host="127.0.0.1").check()


def test_cli_with_server_prints_the_same_result_as_in_process(server, vllm_engine, tmp_path):
    document = tmp_path / "receipt.txt"
    document.write_text(RECEIPT)
    process = subprocess.run(
        [sys.executable, "-m", "finx.cli", "extract", str(document), "--schema", "receipt", "--base",
         "--max-tokens", "96", "--json", "--server", server.target],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    local = Extractor(vllm_engine).extract(
        ExtractionTask(RECEIPT, get_schema("receipt"), options=ExtractOptions(max_tokens=96))
    )
    local = locate(local, read_document(RECEIPT.encode(), "receipt.txt"))  # pages and lines, as the server adds
    assert process.returncode == (0 if local.ok else 3), process.stderr
    remote = json.loads(process.stdout)
    assert remote["status"] == local.status and remote["data"] == local.data
    assert remote["sources"] == [source.model_dump() for source in local.sources]


NODE_CLIENT = ROOT / "tests" / "node"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (make test installs the client)")
def test_a_nodejs_grpc_js_client_calls_extract(server):
    if not (NODE_CLIENT / "node_modules" / "@grpc" / "grpc-js").is_dir():
        pytest.fail("tests/node/node_modules is missing: run `make test` (it runs npm ci there)")
    process = subprocess.run(
        ["node", str(NODE_CLIENT / "extract.js"), server.target, "receipt"],
        input=RECEIPT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    response = json.loads(process.stdout)
    assert response["request_id"] == "node-1" and response["schema_name"] == "receipt"
    assert response["status"] in ("RESULT_STATUS_OK", "RESULT_STATUS_TRUNCATED")
    if response["status"] == "RESULT_STATUS_OK":
        get_schema("receipt").model.model_validate(json.loads(response["json"]))


def test_lookup_reference_rpc(client):
    (apple, *_) = client.lookup_reference("APPLE INC", kind="company", k=3)
    assert (apple.id, apple.method, apple.attributes["tickers"]) == ("cik:320193", "exact", ["AAPL"])
    (ticker,) = client.lookup_reference("brk.b", kind="ticker")
    assert ticker.id == "cik:1067983"
    with pytest.raises(grpc.RpcError) as raised:
        client.lookup_reference("   ")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "empty lookup query" in raised.value.details()


def test_linking_adds_links_and_changes_nothing_else(client):
    document = "Apple Inc. (NASDAQ: AAPL) and Goldman Sachs agreed terms with Globex Corporation."
    plain = client.extract(document, "entities:ORG,TICKER", options=ExtractOptions(max_tokens=96), adapter="base")
    linked = client.extract(
        document, "entities:ORG,TICKER", options=ExtractOptions(max_tokens=96, link_entities=True), adapter="base"
    )
    assert plain.links == []
    assert (linked.status, linked.data, linked.sources) == (plain.status, plain.data, plain.sources)
    values = {
        (path, value) for path, value in string_values(linked.data or {}) if path.split("[")[0] in {"org", "ticker"}
    }
    assert {(link.path, link.value) for link in linked.links} == values
    for link in linked.links:
        assert link.linked == (link.reference is not None) and (link.linked or link.reason)


def test_reference_context_puts_records_into_the_prompt(client):
    plain = client.extract(RECEIPT, "receipt", options=ExtractOptions(max_tokens=64), adapter="base")
    with_context = client.extract(
        RECEIPT, "receipt", options=ExtractOptions(max_tokens=64, reference_context=True), adapter="base"
    )
    assert with_context.prompt_tokens > plain.prompt_tokens
    if with_context.data is not None:
        get_schema("receipt").model.model_validate(with_context.data)


def test_retrieval_off_is_failed_precondition(vllm_engine, tmp_path):
    running = RunningServer(vllm_engine, tmp_path, retrieval=RetrievalConfig(retriever="none"))
    try:
        running.wait_ready()
        with FinxClient(running.target) as finx_client:
            for call in (
                lambda: finx_client.lookup_reference("Apple"),
                lambda: finx_client.extract(
                    RECEIPT, "receipt", options=ExtractOptions(max_tokens=8, link_entities=True)
                ),
            ):
                with pytest.raises(grpc.RpcError) as raised:
                    call()
                assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    finally:
        running.stop()


def test_a_pdf_sent_as_bytes_is_read_by_the_ingestion_module(client):
    from tests.support.files import text_pdf

    result = client.extract(
        text_pdf(RECEIPT),
        "receipt",
        media_type="application/pdf",
        options=ExtractOptions(max_tokens=96),
        adapter="base",
    )
    assert result.status in {"ok", "truncated"}
    assert result.prompt_tokens > 40
    for source in result.sources:
        if source.match == "exact":
            assert source.value in RECEIPT


@pytest.mark.parametrize("failure", [ZeroDivisionError("boom"), MemoryError(), RecursionError(), KeyError("part")])
def test_an_unexpected_reader_failure_is_invalid_argument_never_internal(client, monkeypatch, failure):
    from finx.ingest import readers

    def broken(data: bytes, name: str):
        raise failure

    monkeypatch.setitem(readers.READERS, "text/html", broken)
    request = extract_request(b"<html><body>TOTAL 9.00</body></html>", "receipt", media_type="text/html")
    with pytest.raises(grpc.RpcError) as raised:
        client.extract(b"<html><body>TOTAL 9.00</body></html>", "receipt", media_type="text/html")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "reader failed" in raised.value.details() or "nests too deeply" in raised.value.details()
    request.request_id = "broken-html"
    (response,) = list(client.extract_stream([request]))
    assert response.error_code == "INVALID_ARGUMENT" and response.request_id == "broken-html"
