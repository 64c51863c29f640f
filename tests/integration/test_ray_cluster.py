"""Joining Ray clusters that someone else started (`ray start`, as an operator would, on loopback,
in a home folder of the test's own so its token file is the test's): a token-authenticated
cluster is joined with the token where Ray keeps it, a wrong token and an address where nothing
listens end in one line and a non-zero exit within the connect timeout, never a hang; SIGTERM
while joining stops the batch at once; and a batch on the two-node cluster runs extraction actors
on both nodes, loses one node midway and still writes exactly the local batch's lines."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from finx.config import finx_home
from tests.support.files import SCHEMA, short_texts
from tests.support.network import free_loopback_port

pytest.importorskip("ray", reason="Ray is not installed (pip install 'finx[ray]')")
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
RAY = str(Path(sys.executable).with_name("ray"))


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    # the test's own home (its token file), finx's real cache (the converted model)
    return env | {"HOME": str(home), "FINX_HOME": str(finx_home()), "RAY_USAGE_STATS_ENABLED": "0"} | extra


@pytest.fixture
def token_cluster(tmp_path):
    """A head node started with Ray's defaults after `ray get-auth-token --generate` (so token
    authentication is on), and one worker node joined to it (its raylet found by the node manager
    port it is given); both have two logical CPUs. Yields the home, the address and that raylet."""
    home = tmp_path / "home"
    home.mkdir()
    env = environment(home)
    subprocess.run([RAY, "get-auth-token", "--generate"], env=env, check=True, capture_output=True, timeout=60)
    port = free_loopback_port()
    head = [RAY, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=2",
            "--include-dashboard=false", f"--temp-dir={tempfile.mkdtemp(prefix='ray', dir='/tmp')}"]  # fmt: skip
    # (Ray's socket paths must stay under 108 bytes: a short folder of its own, not tmp_path)
    started = subprocess.run(head, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr[-2000:]
    worker_port = free_loopback_port()
    worker = [RAY, "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", "--num-cpus=2",
              f"--node-manager-port={worker_port}"]  # fmt: skip
    # a joining `ray start` needs the mode said (Ray's documented way); finx, below, does not
    joined = subprocess.run(worker, env=env | {"RAY_AUTH_MODE": "token"}, capture_output=True, text=True, timeout=120)
    try:
        assert joined.returncode == 0, joined.stderr[-2000:]
        [worker_raylet] = [raylet for raylet in raylets() if f"--node_manager_port={worker_port}" in raylet.cmdline()]
        yield home, f"127.0.0.1:{port}", worker_raylet
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
    home, address, _ = token_cluster
    joined = join(home, address)
    assert joined.returncode == 0 and joined.stdout.strip().endswith("nodes 2"), joined.stdout + joined.stderr[-2000:]


def test_a_wrong_token_is_one_clear_error(token_cluster):
    home, address, _ = token_cluster
    started = time.monotonic()
    joined = join(home, address, timeout_s=40, RAY_AUTH_TOKEN="not-the-token")
    assert joined.returncode == 1 and time.monotonic() - started < 100
    [line] = [line for line in joined.stdout.splitlines() if line.startswith("finx: error:")]
    assert f"cluster at {address}" in line and "RAY_AUTH_TOKEN" in line


def test_an_address_where_nothing_listens_fails_fast_from_the_cli(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("TOTAL 1.00\n")
    port = free_loopback_port()
    command = [sys.executable, "-m", "finx.cli", "batch", str(tmp_path / "in"), "--out", str(tmp_path / "r.jsonl"),
               "--schema", "receipt", "--base", "--ray", "--ray-address", f"127.0.0.1:{port}"]  # fmt: skip
    started = time.monotonic()
    process = subprocess.run(command, env=environment(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert process.returncode == 1 and time.monotonic() - started < 60
    assert (
        process.stderr.strip().splitlines()[-1].startswith(f"finx: error: no Ray cluster answers at 127.0.0.1:{port}")
    )


def batch_command(docs: Path, out: Path, *extra: str) -> list[str]:
    """`finx batch` of `docs` with the base model on the transformers engine in float32 (greedy,
    one document at a time: the same answers wherever it runs), short answers to keep it quick."""
    schema = docs.parent / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    return [sys.executable, "-m", "finx.cli", "batch", str(docs), "--out", str(out), "--schema", str(schema),
            "--base", "--engine", "transformers", "--dtype", "float32", "--max-tokens", "24", *extra]  # fmt: skip


def comparable(out: Path) -> dict[str, dict]:
    """Lines by path, without what differs between runs (times)."""
    lines = {}
    for line in out.read_text().splitlines():
        record = {key: value for key, value in json.loads(line).items() if key != "timings"}
        if record.get("result"):
            record["result"] = {key: value for key, value in record["result"].items() if key != "timings"}
        lines[record["path"]] = record
    return lines


def extraction_actors_under(raylet: psutil.Process) -> list[psutil.Process]:
    return [child for child in raylet.children(recursive=True) if "ExtractionActor" in " ".join(child.cmdline())]


def raylets() -> list[psutil.Process]:
    return [process for process in psutil.process_iter(["name"]) if process.info["name"] == "raylet"]


def test_a_batch_uses_both_nodes_and_survives_losing_one(token_cluster, tmp_path):
    home, address, worker = token_cluster
    docs = tmp_path / "docs"
    docs.mkdir()
    for index, text in enumerate(short_texts(6)):
        (docs / f"doc{index:02d}.txt").write_text(text, encoding="utf-8")
    env = environment(home)
    local = subprocess.run(batch_command(docs, tmp_path / "local.jsonl"), env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=600)  # fmt: skip
    assert local.returncode == 0, local.stderr[-2000:]

    out = tmp_path / "ray.jsonl"
    command = batch_command(docs, out, "--ray", "--ray-address", address, "--ray-actors", "2", "--ray-batch-size", "1")
    batch = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert worker.is_running(), "the worker node died before the batch"
    [head] = [raylet for raylet in raylets() if raylet.pid != worker.pid]
    deadline = time.monotonic() + 600
    while not (extraction_actors_under(worker) and extraction_actors_under(head)) or not (
        out.is_file() and out.read_text().count("\n") >= 2
    ):
        assert batch.poll() is None and time.monotonic() < deadline, "both nodes never ran an extraction actor"
        time.sleep(0.2)
    for process in [worker, *worker.children(recursive=True)]:  # the worker node dies with what it ran
        process.send_signal(signal.SIGKILL)
    _, errors = batch.communicate(timeout=600)
    assert batch.returncode == 0, errors[-3000:]
    lines = out.read_text().splitlines()
    assert len(lines) == len({json.loads(line)["path"] for line in lines}) == 6
    assert comparable(out) == comparable(tmp_path / "local.jsonl")


def test_sigterm_while_joining_stops_the_batch_at_once(tmp_path):
    """A port that accepts connections and never answers, as a stuck cluster would: the batch is
    still joining when SIGTERM comes, and it ends within seconds with the `--resume` hint."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("TOTAL 1.00\n")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        command = [sys.executable, "-m", "finx.cli", "batch", str(tmp_path / "in"), "--out", str(tmp_path / "r.jsonl"),
                   "--schema", "receipt", "--base", "--ray", "--ray-address", f"127.0.0.1:{port}",
                   "--ray-connect-timeout", "300"]  # fmt: skip
        batch = subprocess.Popen(command, env=environment(tmp_path), cwd=ROOT, stderr=subprocess.PIPE, text=True)
        silent.settimeout(60)
        connection, _ = silent.accept()  # the probe: finx is joining now
        time.sleep(2)
        began = time.monotonic()
        batch.send_signal(signal.SIGTERM)
        _, errors = batch.communicate(timeout=60)
        connection.close()
    assert time.monotonic() - began < 15, errors[-2000:]
    assert batch.returncode == 130 and "run again with --resume" in errors, errors[-2000:]
