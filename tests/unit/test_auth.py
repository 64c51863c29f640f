"""The bearer-token check: RFC 6750 scheme matching, exact token, constant-time compare."""

import pytest

from finx.config import ServerConfig
from finx.server.interceptors import TokenInterceptor

CASES = [
    ("Bearer s3cret", True),
    ("bearer s3cret", True),
    ("BEARER s3cret", True),
    ("  Bearer   s3cret ", True),
    ("Bearer s3cre", False),
    ("Bearer s3cret2", False),
    ("Basic s3cret", False),
    ("s3cret", False),
    ("Bearer", False),
    ("", False),
    (None, False),
]


@pytest.mark.parametrize(("header", "allowed"), CASES, ids=[repr(c[0]) for c in CASES])
def test_bearer_header(header: str | None, allowed: bool) -> None:
    assert TokenInterceptor("s3cret").authorised(header) is allowed


def test_the_environment_token_counts_before_the_bind_check(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from finx.server import grpc_service as server

    monkeypatch.setenv("FINX_AUTH_TOKEN", "t")
    checked: list[str | None] = []

    def fake_build(config: ServerConfig, service: object) -> None:
        checked.append(config.auth_token)
        raise RuntimeError("stop here")

    monkeypatch.setattr(server, "build_server", fake_build)
    monkeypatch.setattr(server, "ExtractionService", lambda config: None)
    with pytest.raises(RuntimeError, match="stop here"):
        asyncio.run(server.serve(ServerConfig(host="0.0.0.0")))
    assert checked == ["t"]
