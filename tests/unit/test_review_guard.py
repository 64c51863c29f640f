"""The review page refuses foreign hosts and cross-site writes, and sends protective headers."""

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from finx.review.app import create_app
from finx.review.session import open_session
from finx.web_guard import host_name
from tests.unit.test_review_session import SCHEMA, results

ORIGIN = "http://127.0.0.1:8765"
FORM = {"company": "EVIL CORP", "date": "01/01/1999", "address": "NOWHERE", "total": "999.99"}


@pytest.fixture
def served(tmp_path: Path):
    out = tmp_path / "reviewed.jsonl"
    session = open_session(results(tmp_path), tmp_path / "in", SCHEMA, out)
    app = create_app(session, allowed_hosts=("review.example.internal",))
    with TestClient(app, base_url=ORIGIN, follow_redirects=False) as client:
        yield client, out


def page_tokens(client: TestClient) -> tuple[str, str]:
    """(CSRF token, CSP nonce) of the first document page."""
    response = client.get("/doc/0")
    assert response.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', response.text).group(1)
    nonce = re.search(r"script-src 'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    return csrf, nonce


def test_the_page_itself_saves(served):
    client, out = served
    csrf, _ = page_tokens(client)
    response = client.post("/doc/0", data={**FORM, "csrf": csrf}, headers={"Origin": ORIGIN})
    assert response.status_code == 303 and "EVIL CORP" in out.read_text()


@pytest.mark.parametrize(
    ("headers", "with_token", "reason"),
    [
        pytest.param(
            {"Origin": "http://evil.example"}, True, "a request from http://evil.example", id="foreign-origin"
        ),
        pytest.param(
            {"Origin": "http://127.0.0.1:9999"}, True, "a request from http://127.0.0.1:9999", id="other-port"
        ),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, True, "a cross-site request", id="cross-site"),
        pytest.param({"Sec-Fetch-Site": "same-site"}, True, "a same-site request", id="same-site-other-origin"),
        pytest.param({}, False, "missing or wrong CSRF token", id="no-token"),
        pytest.param({"Origin": ORIGIN}, False, "missing or wrong CSRF token", id="same-origin-no-token"),
    ],
)
def test_cross_site_saves_are_refused_and_change_nothing(served, headers, with_token, reason):
    client, out = served
    csrf, _ = page_tokens(client)
    data = {**FORM, "csrf": csrf} if with_token else FORM
    response = client.post("/doc/0", data=data, headers=headers)
    assert response.status_code == 403 and reason in response.text
    assert response.text.count("\n") == 1
    assert not out.exists()


def test_drafts_need_the_token_in_their_header(served):
    client, _ = served
    csrf, _ = page_tokens(client)
    body = {"name": "company", "raw": "EVIL", "span": None}
    assert client.post("/doc/0/draft", json=body).status_code == 403
    assert client.post("/doc/0/draft", json=body, headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert client.post("/doc/0/draft", json=body, headers={"X-CSRF-Token": csrf}).json() == {"saved": True}


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        pytest.param("127.0.0.1:8765", True, id="bound"),
        pytest.param("localhost:8765", True, id="localhost"),
        pytest.param("[::1]:8765", True, id="ipv6-loopback"),
        pytest.param("review.example.internal", True, id="configured"),
        pytest.param("evil.example", False, id="rebinding"),
        pytest.param("127.0.0.1.evil.example", False, id="lookalike"),
    ],
)
def test_only_known_host_names_are_answered(served, host, allowed):
    client, _ = served
    response = client.get("/doc/0", headers={"Host": host})
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403 and "host not allowed" in response.text and "SHOP" not in response.text


def test_every_page_carries_the_protective_headers(served):
    client, _ = served
    _, nonce = page_tokens(client)
    for path in ("/doc/0", "/health", "/doc/99"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
    text = client.get("/doc/0").text
    assert text.count("<script nonce=") == 1 and text.count("<style nonce=") == 1 and 'style="' not in text
    assert nonce not in text  # a fresh nonce per response


@pytest.mark.parametrize(
    ("header", "name"),
    [("127.0.0.1:8765", "127.0.0.1"), ("[::1]:80", "::1"), ("LocalHost", "localhost"), ("::1", "::1"), ("", "")],
)
def test_host_names_lose_their_port(header, name):
    assert host_name(header) == name


def test_a_form_of_the_page_itself_under_no_referrer_is_vouched_for_by_fetch_metadata(served):
    client, out = served
    csrf, _ = page_tokens(client)
    refused = client.post("/doc/0", data={**FORM, "csrf": csrf}, headers={"Origin": "null"})
    assert refused.status_code == 403 and not out.exists()
    headers = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/doc/0", data={**FORM, "csrf": csrf}, headers=headers).status_code == 303
