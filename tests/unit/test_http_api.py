"""The HTTP API's own behaviour on a service with no engine loaded (or a stand-in that is never
reached): routing, the error mapping (status and body), the bearer token, hosts and origins,
body and header limits, deadlines. Extraction itself over HTTP is tested on a live server
(tests/integration/test_http.py)."""

import pytest
from fastapi.testclient import TestClient

from finx.adapters.registry import AdapterRegistry
from finx.api_convert import MESSAGE_ENVELOPE_BYTES
from finx.config import ServerConfig
from finx.server.grpc_service import ExtractionService
from finx.server.http import create_app

CHAT = b'{"messages": [{"role": "user", "content": "TOTAL 9.00"}], "response_format": {"type": "json_schema", "json_schema": {"name": "receipt"}}}'


JSON = {"content-type": "application/json"}


class UnusedEngines:
    """Stands in for a loaded engine set where a request must be refused before it is used."""

    def __getattr__(self, name):
        raise AssertionError(f"the engine set was used ({name}) by a request that should be refused")


def client_for(tmp_path, ready: bool = False, **config) -> TestClient:
    service = ExtractionService(ServerConfig(port=0, **config), AdapterRegistry(tmp_path, seed=None))
    if ready:
        service.engines = UnusedEngines()  # type: ignore[assignment]
    return TestClient(
        create_app(service), base_url="http://127.0.0.1:8080", headers=JSON, raise_server_exceptions=False
    )


def chat_with(field: bytes) -> bytes:
    return CHAT.replace(b'"messages"', field + b', "messages"')


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/extract", b"{bad", 400, "INVALID_ARGUMENT"),
        ("/v1/extract", b'{"text": "x", "unknownField": 1}', 400, "INVALID_ARGUMENT"),
        ("/v1/extract", b'{"text": "x", "options": {"copyGrounding": 99}}', 400, "INVALID_ARGUMENT"),
        ("/v1/chat/completions", b"[1]", 400, "INVALID_ARGUMENT"),
        ("/v1/chat/completions", chat_with(b'"stream": true'), 400, "INVALID_ARGUMENT"),
        ("/v1/chat/completions", chat_with(b'"n": 5'), 400, "INVALID_ARGUMENT"),
        ("/v1/chat/completions", chat_with(b'"stop": ["x"]'), 400, "INVALID_ARGUMENT"),
        ("/v1/chat/completions", chat_with(b'"tool_choice": "sometimes"'), 400, "INVALID_ARGUMENT"),
    ],
)
def test_errors_map_to_an_http_status_and_an_error_body(tmp_path, path, body, status, code):
    answer = client_for(tmp_path, ready=True).post(path, content=body)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["message"]
    assert answer.headers["x-request-id"]


def test_not_ready_until_an_engine_serves(tmp_path):
    client = client_for(tmp_path)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 503
    for path, body in (("/v1/extract", b'{"text": "x", "schemaName": "receipt"}'), ("/v1/chat/completions", CHAT)):
        answer = client.post(path, content=body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (503, "UNAVAILABLE")


def test_models_are_the_adapters_by_name(tmp_path):
    models = client_for(tmp_path).get("/v1/models").json()
    assert models["object"] == "list" and [model["id"] for model in models["data"]] == ["finx", "base"]


def test_the_token_is_required_except_on_probes(tmp_path):
    client = client_for(tmp_path, auth_token="s3cret")
    assert client.get("/v1/schemas").status_code == 401
    assert client.get("/v1/schemas", headers={"authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.post("/v1/chat/completions", content=CHAT).json()["error"]["code"] == "UNAUTHENTICATED"
    assert client.get("/v1/schemas", headers={"authorization": "Bearer s3cret"}).status_code == 200


def test_a_body_over_the_limit_is_413_and_a_bad_deadline_400(tmp_path):
    client = client_for(tmp_path, max_document_bytes=1000)
    limit = 1000 * 4 // 3 + MESSAGE_ENVELOPE_BYTES
    client = client_for(tmp_path, ready=True, max_document_bytes=1000)
    assert client.post("/v1/extract", content=b"x" * (limit + 1)).status_code == 413
    answer = client.post("/v1/extract", content=b"{}", headers={"x-request-timeout": "-1"})
    assert answer.status_code == 400 and "X-Request-Timeout" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        pytest.param({"host": "127.0.0.1:8080"}, True, id="loopback"),
        pytest.param({"host": "localhost"}, True, id="localhost"),
        pytest.param({"host": "evil.example"}, False, id="rebinding"),
        pytest.param({"host": "api.internal:8080"}, True, id="allowed-name"),
    ],
)
def test_only_known_host_names_are_answered(tmp_path, headers, allowed):
    client = client_for(tmp_path, allowed_hosts=("api.internal",))
    for answer in (
        client.get("/v1/schemas", headers=headers),
        client.post("/v1/extract", content=b"{}", headers=headers),
    ):
        if allowed:
            assert answer.status_code != 403
        else:
            assert answer.status_code == 403 and "host not allowed: evil.example" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        pytest.param({"origin": "http://evil.example", "sec-fetch-site": "cross-site"}, "cross-site", id="cross-site"),
        pytest.param({"origin": "http://evil.example"}, "evil.example", id="foreign-origin"),
        pytest.param({"sec-fetch-site": "same-site"}, "same-site", id="same-site"),
        pytest.param({"content-type": "text/plain"}, "application/json", id="simple-request-type"),
        pytest.param({"content-type": "application/x-www-form-urlencoded"}, "application/json", id="form"),
        pytest.param({"origin": "http://127.0.0.1:8080", "sec-fetch-site": "same-origin"}, None, id="own-origin"),
        pytest.param({"origin": "https://app.example", "sec-fetch-site": "cross-site"}, None, id="allowed-origin"),
    ],
)
def test_writes_from_other_sites_run_nothing(tmp_path, headers, refused):
    client = client_for(tmp_path, allowed_origins=("https://app.example",))
    for path, body in (("/v1/extract", b'{"text": "x", "schemaName": "receipt"}'), ("/v1/chat/completions", CHAT)):
        answer = client.post(path, content=body, headers=headers)
        if refused is None:
            assert answer.status_code == 503  # reached the service (no engine here)
        else:
            assert answer.status_code in (403, 415) and refused in answer.json()["error"]["message"]


def test_an_allowed_origin_gets_cors_and_others_do_not(tmp_path):
    client = client_for(tmp_path, allowed_origins=("https://app.example",))
    preflight = {"origin": "https://app.example", "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"}  # fmt: skip
    answer = client.options("/v1/extract", headers=preflight)
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "https://app.example"
    answer = client.options("/v1/extract", headers=preflight | {"origin": "http://evil.example"})
    assert "access-control-allow-origin" not in answer.headers
    assert (
        "access-control-allow-origin"
        not in client_for(tmp_path).get("/v1/schemas", headers={"origin": "https://app.example"}).headers
    )


def test_inputs_are_bounded_before_any_work(tmp_path):
    client = client_for(tmp_path, ready=True)
    answer = client.get("/v1/schemas", headers={"x-request-id": "r" * 5000})
    assert answer.status_code == 400 and len(answer.headers["x-request-id"]) == 32
    key = "k" * 100_000
    answer = client.post("/v1/extract", content=b'{"' + key.encode() + b'": 1}')
    assert answer.status_code == 400 and len(answer.json()["error"]["message"]) < 1100


def test_a_full_server_refuses_before_reading_the_body_and_says_when_to_retry(tmp_path):
    client = client_for(tmp_path, ready=True, max_inflight=0)
    answer = client.post("/v1/extract", content=b"{not even json")
    assert answer.status_code == 429 and answer.headers["retry-after"] == "1"
    assert answer.json()["error"]["code"] == "RESOURCE_EXHAUSTED"
