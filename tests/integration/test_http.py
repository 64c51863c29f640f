"""The HTTP/JSON and OpenAI-compatible API of a live server on loopback, on the session's vLLM
engine: the same result as gRPC, the same errors mapped to HTTP, and clients no one here wrote
(the `openai` package and Instructor) getting validated pydantic objects; a bounded schemathesis
run against `/openapi.json` finds no server error."""

import json

import grpc
import httpx
import instructor
import openai
import pytest
import schemathesis
from google.protobuf import json_format
from hypothesis import HealthCheck, settings
from pydantic import BaseModel, Field
from schemathesis.checks import not_a_server_error

from finx.api_convert import MESSAGE_ENVELOPE_BYTES
from finx.client import extract_request
from finx.extraction.options import ExtractOptions
from finx.v1 import extraction_pb2_grpc as pb_grpc
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow
RECEIPT = "CORNER CAFE LTD\n14 Harbour Street, Leith\n03/11/2026\nFlat white 3.20\nTOTAL GBP 8.45\n"


class Receipt(BaseModel):
    company: str | None = Field(max_length=60)
    total: str | None = Field(max_length=20)


@pytest.fixture(scope="module")
def live(vllm_engine, tmp_path_factory):
    running = RunningServer(vllm_engine, tmp_path_factory.mktemp("http"))
    running.wait_ready()
    running.base_url = running.start_http()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def http(live):
    with httpx.Client(base_url=live.base_url, timeout=300, headers={"content-type": "application/json"}) as client:
        yield client


def without_timings(response: dict) -> dict:
    return {key: value for key, value in response.items() if key not in ("timings", "requestId")}


def test_v1_extract_returns_what_grpc_returns(live, http):
    request = extract_request(RECEIPT, "receipt", options=ExtractOptions(max_tokens=64))
    with grpc.insecure_channel(live.target) as channel:
        over_grpc = json_format.MessageToDict(pb_grpc.ExtractionStub(channel).Extract(request, timeout=300))
    answer = http.post("/v1/extract", content=json_format.MessageToJson(request), headers={"x-request-id": "r-1"})
    assert answer.status_code == 200 and answer.headers["x-request-id"] == "r-1"
    over_http = answer.json()
    assert over_http["requestId"] == "r-1"
    assert without_timings(over_http) == without_timings(over_grpc)
    assert json.loads(over_http["json"]).keys() == {"company", "date", "address", "total"}


def test_schemas_adapters_and_health(http):
    assert {schema["name"] for schema in http.get("/v1/schemas").json()["schemas"]} >= {"receipt", "nda"}
    assert http.get("/v1/adapters").status_code == 200
    assert http.get("/healthz").json() == {"status": "ok"}
    assert http.get("/readyz").json() == {"status": "ready"}
    assert "/v1/chat/completions" in http.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "code", "message"),
    [
        ("/v1/extract", b"{not json", {}, 400, "INVALID_ARGUMENT", "not a ExtractRequest"),
        ("/v1/extract", b'{"text": "x", "schemaName": "nope"}', {}, 404, "NOT_FOUND", "unknown schema 'nope'"),
        ("/v1/extract", b'{"text": "", "schemaName": "receipt"}', {}, 400, "INVALID_ARGUMENT", "empty"),
        ("/v1/extract", b'{"text": "x", "schemaName": "receipt"}', {"x-request-timeout": "soon"}, 400,
         "INVALID_ARGUMENT", "X-Request-Timeout must be a number"),
        ("/v1/chat/completions", b'{"messages": [{"role": "user", "content": "x"}], "stream": true}', {}, 400,
         "INVALID_ARGUMENT", "streaming is not supported"),
        ("/v1/chat/completions", b'{"messages": [{"role": "user", "content": "x"}]}', {}, 400,
         "INVALID_ARGUMENT", "response_format must be"),
        ("/v1/chat/completions", b'{"messages": [{"role": "system", "content": "x"}]}', {}, 400,
         "INVALID_ARGUMENT", "no user message"),
    ],
)  # fmt: skip
def test_errors_have_a_status_and_a_body_that_says_why(http, path, body, headers, status, code, message):
    answer = http.post(path, content=body, headers={"content-type": "application/json", **headers})
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and message in error["message"]


def test_an_oversized_body_is_refused_before_it_is_read(live, http):
    limit = live.config.max_document_bytes * 4 // 3 + MESSAGE_ENVELOPE_BYTES
    answer = http.post("/v1/extract", content=b"x" * (limit + 1))
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "RESOURCE_EXHAUSTED"


def test_a_passed_deadline_cancels_the_request(http):
    body = json.dumps({"text": RECEIPT * 20, "schemaName": "receipt"})
    answer = http.post("/v1/extract", content=body, headers={"x-request-timeout": "0.001"})
    assert answer.status_code == 504 and answer.json()["error"]["code"] == "DEADLINE_EXCEEDED"


def test_the_bearer_token_guards_every_data_route(vllm_engine, tmp_path):
    running = RunningServer(vllm_engine, tmp_path, auth_token="s3cret")
    try:
        running.wait_ready()
        with httpx.Client(base_url=running.start_http(), timeout=60) as client:
            assert client.get("/v1/schemas").status_code == 401
            assert client.get("/v1/models", headers={"authorization": "Bearer wrong"}).status_code == 401
            assert client.get("/v1/schemas", headers={"authorization": "Bearer s3cret"}).status_code == 200
            assert client.get("/healthz").status_code == 200  # probes need no token
    finally:
        running.stop()


def test_the_openai_client_gets_a_validated_pydantic_object(live):
    client = openai.OpenAI(base_url=f"{live.base_url}/v1", api_key="unused", max_retries=0)
    assert [model.id for model in client.models.list()][:2] == ["finx", "base"]
    completion = client.chat.completions.parse(
        model="finx", messages=[{"role": "user", "content": RECEIPT}], response_format=Receipt, max_tokens=64
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Receipt)
    assert completion.usage is not None and completion.usage.prompt_tokens > 0
    assert completion.model_extra is not None and completion.model_extra["finx"]["status"] == "RESULT_STATUS_OK"


def test_a_built_in_schema_by_name_answers_as_message_content(live):
    client = openai.OpenAI(base_url=f"{live.base_url}/v1", api_key="unused", max_retries=0)
    completion = client.chat.completions.create(
        model="finx",
        messages=[{"role": "system", "content": "ignored"}, {"role": "user", "content": RECEIPT}],
        response_format={"type": "json_schema", "json_schema": {"name": "receipt"}},
        max_tokens=64,
    )
    assert json.loads(completion.choices[0].message.content or "").keys() == {"company", "date", "address", "total"}
    assert completion.choices[0].finish_reason in ("stop", "length")


@pytest.mark.parametrize("mode", [instructor.Mode.JSON_SCHEMA, instructor.Mode.TOOLS])
def test_instructor_gets_a_validated_pydantic_object(live, mode):
    client = instructor.from_openai(openai.OpenAI(base_url=f"{live.base_url}/v1", api_key="unused"), mode=mode)
    receipt = client.chat.completions.create(
        model="finx", response_model=Receipt, messages=[{"role": "user", "content": RECEIPT}], max_retries=0,
        max_tokens=64,
    )  # fmt: skip
    assert isinstance(receipt, Receipt)


def test_the_api_answers_fuzzed_requests_without_a_server_error(live):
    from hypothesis import given

    schema = schemathesis.openapi.from_url(f"{live.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(checks=[not_a_server_error], headers={"x-request-timeout": "5"}, timeout=120)

        check()
