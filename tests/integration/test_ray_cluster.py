"""Joining Ray clusters that someone else started (`ray start`, as an operator would, on loopback,
in a home folder of the test's own so its token file is the test's): a token-authenticated
cluster is joined with the token where Ray keeps it, a wrong token and an address where nothing
listens end in one line and a non-zero exit within the connect timeout, never a hang."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="Ray is not installed (pip install 'finx[ray]')")
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
RAY = str(Path(sys.executable).with_name("ray"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    return env | {"HOME": str(home), "RAY_USAGE_STATS_ENABLED": "0"} | extra


@pytest.fixture
def token_cluster(tmp_path):
    """A head node started with Ray's defaults after `ray get-auth-token --generate` (so token
    authentication is on), and one worker node joined to it; stopped afterwards."""
    home = tmp_path / "home"
    home.mkdir()
    env = environment(home)
    subprocess.run([RAY, "get-auth-token", "--generate"], env=env, check=True, capture_output=True, timeout=60)
    port = free_port()
    head = [RAY, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
            "--include-dashboard=false", f"--temp-dir={tempfile.mkdtemp(prefix='ray', dir='/tmp')}"]  # fmt: skip
    # (Ray's socket paths must stay under 108 bytes: a short folder of its own, not tmp_path)
    started = subprocess.run(head, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr[-2000:]
    worker = [RAY, "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", "--num-cpus=1"]
    # a joining `ray start` needs the mode said (Ray's documented way); finx, below, does not
    joined = subprocess.run(worker, env=env | {"RAY_AUTH_MODE": "token"}, capture_output=True, text=True, timeout=120)
    try:
        assert joined.returncode == 0, joined.stderr[-2000:]
        yield home, f"127.0.0.1:{port}"
    finally:
        subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, timeout=120)


def join(home: Path, address: str, timeout_s: float = 30, **extra: str) -> subprocess.CompletedProcess:
    code = (
        "import sys\n"
        "from finx.batch.ray_runner import join_ray\n"
        "from finx.errors import FinxError\n"
        "try:\n"
        f"    join_ray({address!r}, {timeout_s})\n"
        "except FinxError as error:\n"
        "    print('finx: error:', error); sys.exit(1)\n"
        "import ray\n"
        "print('nodes', len([n for n in ray.nodes() if n['Alive']]))\n"
    )
    return subprocess.run([sys.executable, "-c", code], env=environment(home, **extra), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout_s + 60)  # fmt: skip


def test_a_token_authenticated_two_node_cluster_is_joined_with_rays_own_token(token_cluster):
    home, address = token_cluster
    joined = join(home, address)
    assert joined.returncode == 0 and joined.stdout.strip().endswith("nodes 2"), joined.stdout + joined.stderr[-2000:]


def test_a_wrong_token_is_one_clear_error(token_cluster):
    home, address = token_cluster
    started = time.monotonic()
    joined = join(home, address, timeout_s=40, RAY_AUTH_TOKEN="not-the-token")
    assert joined.returncode == 1 and time.monotonic() - started < 100
    [line] = [line for line in joined.stdout.splitlines() if line.startswith("finx: error:")]
    assert f"cluster at {address}" in line and "RAY_AUTH_TOKEN" in line


def test_an_address_where_nothing_listens_fails_fast_from_the_cli(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("TOTAL 1.00\n")
    port = free_port()
    command = [sys.executable, "-m", "finx.cli", "batch", str(tmp_path / "in"), "--out", str(tmp_path / "r.jsonl"),
               "--schema", "receipt", "--base", "--ray", "--ray-address", f"127.0.0.1:{port}"]  # fmt: skip
    started = time.monotonic()
    process = subprocess.run(command, env=environment(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert process.returncode == 1 and time.monotonic() - started < 60
    assert (
        process.stderr.strip().splitlines()[-1].startswith(f"finx: error: no Ray cluster answers at 127.0.0.1:{port}")
    )
