"""`finx extract` calls the service named by FINX_SERVER instead of starting an engine of its own."""

from pathlib import Path

from typer.testing import CliRunner

from finx.cli import app
from tests.support.network import free_loopback_port


def test_finx_server_sends_the_document_to_that_service(tmp_path: Path) -> None:
    document = tmp_path / "receipt.txt"
    document.write_text("TOTAL 9.00\n", encoding="utf-8")
    target = f"127.0.0.1:{free_loopback_port()}"  # nothing listens there: the call itself must fail
    result = CliRunner().invoke(app, ["extract", str(document), "--schema", "receipt"], env={"FINX_SERVER": target})
    assert result.exit_code == 1
    assert result.output.startswith("finx: error: UNAVAILABLE") and len(result.output.strip().splitlines()) == 1


def test_an_explicit_server_wins_over_finx_server(tmp_path: Path) -> None:
    document = tmp_path / "receipt.txt"
    document.write_text("TOTAL 9.00\n", encoding="utf-8")
    explicit = f"127.0.0.1:{free_loopback_port()}"
    result = CliRunner().invoke(
        app, ["extract", str(document), "--server", explicit], env={"FINX_SERVER": "not a host:0"}
    )
    assert result.exit_code == 1 and f"{explicit}: Failed to connect" in result.output
