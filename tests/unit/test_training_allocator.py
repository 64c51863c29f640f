"""`finx train` and `finx retrain` run under jemalloc where the machine has it
(`cli.common.rerun_under_jemalloc`): the command is executed again, same interpreter and
arguments, with the library first in LD_PRELOAD; never twice, never over an allocator the user
preloaded, and not at all without the library. A last case runs it for real where jemalloc is
installed."""

import ctypes.util
import subprocess
import sys

import pytest

from finx.cli import common


@pytest.fixture
def executions(monkeypatch):
    calls = []
    monkeypatch.setattr(common.os, "execve", lambda path, argv, environment: calls.append((path, argv, environment)))
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libjemalloc.so.2" if name == "jemalloc" else None)
    return calls


@pytest.mark.parametrize(
    ("preloaded", "expected"),
    [
        pytest.param(None, "libjemalloc.so.2", id="nothing-preloaded"),
        pytest.param("/venv/lib/libiomp5.so", "libjemalloc.so.2:/venv/lib/libiomp5.so", id="openmp-kept"),
    ],
)
def test_the_command_runs_again_with_jemalloc_first_in_ld_preload(executions, monkeypatch, preloaded, expected) -> None:
    if preloaded is None:
        monkeypatch.delenv("LD_PRELOAD", raising=False)
    else:
        monkeypatch.setenv("LD_PRELOAD", preloaded)
    common.rerun_under_jemalloc()
    [(path, argv, environment)] = executions
    assert (path, argv) == (sys.executable, list(sys.orig_argv))
    assert environment["LD_PRELOAD"] == expected


@pytest.mark.parametrize("preloaded", ["libjemalloc.so.2", "/usr/lib/libtcmalloc_minimal.so.4"])
def test_an_allocator_already_preloaded_is_kept(executions, monkeypatch, preloaded) -> None:
    monkeypatch.setenv("LD_PRELOAD", preloaded)
    common.rerun_under_jemalloc()
    assert executions == []


def test_without_the_library_the_command_runs_as_it_is(executions, monkeypatch) -> None:
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    common.rerun_under_jemalloc()
    assert executions == []


@pytest.mark.skipif(ctypes.util.find_library("jemalloc") is None, reason="jemalloc is not installed (make jemalloc)")
def test_a_real_process_runs_under_jemalloc() -> None:
    probe = (
        "from finx.cli.common import rerun_under_jemalloc; rerun_under_jemalloc(); "
        "print(any('jemalloc' in line for line in open('/proc/self/maps')))"
    )
    environment = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, timeout=60)
    assert out.stdout.strip() == "True", out.stderr
