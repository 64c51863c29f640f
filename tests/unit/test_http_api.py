"""The HTTP API's own behaviour on a service with no engine loaded: routing, the error mapping
(status and body), the bearer token, body limits and deadlines. Extraction itself over HTTP is
tested on a live server (tests/integration/test_http.py)."""

import pytest
from fastapi.testclient import TestClient

from finx.adapters.registry import AdapterRegistry
from finx.api_convert import MESSAGE_ENVELOPE_BYTES
from finx.config import ServerConfig
from finx.server.grpc_service import ExtractionService
from finx.server.http import create_app

CHAT = b'{"messages": [{"role": "user", "content": "TOTAL 9.00"}], "response_format": {"type": "json_schema", "json_schema": {"name": "receipt"}}}'


def client_for(tmp_path, **config) -> TestClient:
    service = ExtractionService(ServerConfig(port=0, **config), AdapterRegistry(tmp_path, seed=None))
    return TestClient(create_app(service), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/extract", b"{bad", 400, "INVALID_ARGUMENT"),
        ("/v1/extract", b'{"text": "x", "schemaName": "receipt"}', 503, "UNAVAILABLE"),
        ("/v1/extract", b'{"text": "x", "unknownField": 1}', 400, "INVALID_ARGUMENT"),
        ("/v1/chat/completions", CHAT, 503, "UNAVAILABLE"),
        ("/v1/chat/completions", b"[1]", 400, "INVALID_ARGUMENT"),
        ("/v1/chat/completions", CHAT.replace(b'"messages"', b'"stream": true, "messages"'), 400, "INVALID_ARGUMENT"),
    ],
)
def test_errors_map_to_an_http_status_and_an_error_body(tmp_path, path, body, status, code):
    answer = client_for(tmp_path).post(path, content=body)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["message"]
    assert answer.headers["x-request-id"]


def test_not_ready_until_an_engine_serves(tmp_path):
    client = client_for(tmp_path)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 503


def test_models_are_the_adapters_by_name(tmp_path):
    models = client_for(tmp_path).get("/v1/models").json()
    assert models["object"] == "list" and [model["id"] for model in models["data"]] == ["finx", "base"]


def test_the_token_is_required_except_on_probes(tmp_path):
    client = client_for(tmp_path, auth_token="s3cret")
    assert client.get("/v1/schemas").status_code == 401
    assert client.get("/v1/schemas", headers={"authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.post("/v1/chat/completions", content=CHAT).json()["error"]["code"] == "UNAUTHENTICATED"


def test_a_body_over_the_limit_is_413_and_a_bad_deadline_400(tmp_path):
    client = client_for(tmp_path, max_document_bytes=1000)
    limit = 1000 * 4 // 3 + MESSAGE_ENVELOPE_BYTES
    assert client.post("/v1/extract", content=b"x" * (limit + 1)).status_code == 413
    answer = client.post("/v1/extract", content=b"{}", headers={"x-request-timeout": "-1"})
    assert answer.status_code == 400 and "X-Request-Timeout" in answer.json()["error"]["message"]
