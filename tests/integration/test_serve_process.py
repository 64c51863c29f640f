"""`finx serve` as a user starts it (`make serve`): its own process, re-run under jemalloc where the
machine has it, the shipped adapter merged into a vLLM engine inside that process, answering over
gRPC on loopback, without the modules a text server never uses (`UNUSED_BY_A_TEXT_SERVER`: the
libraries vLLM would otherwise load are not mapped), and stopping cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest

from finx.client import FinxClient
from finx.config import configured_model_dir, jemalloc_library
from tests.support.corpus import require_model
from tests.support.network import free_loopback_port

pytestmark = pytest.mark.slow

RECEIPT = "GARDENIA BAKERIES (KL) SDN BHD\nLOT 3, JALAN PELABUR 23/1, 40300 SHAH ALAM\n17/05/2018\nTOTAL RM 7.05\n"
LEFT_OUT_LIBRARIES = ("libtriton", "/ray/", "/cv2/")
"""Paths of the shared libraries `triton`, `ray` and `cv2` load, as /proc/PID/maps shows them."""
START_TIMEOUT_S = 300


def answer_when_ready(target: str, server: subprocess.Popen[str]):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, f"finx serve exited with {server.returncode}"
        try:
            with FinxClient(target, timeout=120) as client:
                return client.extract(RECEIPT, "receipt")
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            time.sleep(2)
    raise AssertionError(f"finx serve did not answer within {START_TIMEOUT_S} s")


def test_finx_serve_answers_without_the_modules_it_never_uses(tmp_path: Path):
    require_model()
    port = free_loopback_port()
    environment = {**os.environ, "FINX_HOME": str(tmp_path), "FINX_MODEL": str(configured_model_dir())}
    command = [sys.executable, "-m", "finx.cli", "serve", "--port", str(port), "--metrics-port", "0"]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        result = answer_when_ready(f"127.0.0.1:{port}", server)
        mapped = Path(f"/proc/{server.pid}/maps").read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        returncode = server.wait(timeout=60)
        log.close()
    assert result.status == "ok", result.error
    assert set(result.data) == {"company", "date", "address", "total"}
    assert result.data["total"] and "7.05" in result.data["total"]
    assert [library for library in LEFT_OUT_LIBRARIES if library in mapped] == []
    assert ("libjemalloc" in mapped) == (jemalloc_library() is not None)
    assert returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]
