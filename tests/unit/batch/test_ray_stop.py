"""Stopping a Ray batch is prompt at every stage: while Ray still computes the next row (an engine
starting, a batch in flight) the row loop ends as soon as `stop` is set, and an error from Ray's
side reaches the caller instead of being swallowed by the thread that pulls the rows."""

import threading
import time
from collections.abc import Iterator

import pytest

from finx.batch.ray_runner import rows_until_stopped


def slow_rows(first_after_s: float, release: threading.Event) -> Iterator[dict[str, str]]:
    yield {"record": "a"}
    release.wait(first_after_s)  # as Ray blocks while an actor starts its engine
    yield {"record": "b"}


def test_the_row_loop_ends_when_stop_is_set_while_ray_blocks():
    stop, release = threading.Event(), threading.Event()
    seen = []
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    for row in rows_until_stopped(slow_rows(60, release), stop):
        seen.append(row["record"])
    release.set()
    assert seen == ["a"] and time.monotonic() - started < 5


def test_every_row_arrives_in_order_and_an_error_from_ray_is_raised():
    stop = threading.Event()
    assert [row["n"] for row in rows_until_stopped(({"n": n} for n in range(200)), stop)] == list(range(200))

    def failing() -> Iterator[dict[str, int]]:
        yield {"n": 1}
        raise RuntimeError("actor died for good")

    with pytest.raises(RuntimeError, match="actor died for good"):
        list(rows_until_stopped(failing(), stop))


def test_a_failure_on_a_node_is_one_line_naming_its_cause_and_the_fix():
    from finx.batch.ray_runner import ray_failure

    remote = RuntimeError(
        "ray::MapWorker(MapBatches(ExtractionActor)).__init__() (pid=77, ip=10.0.0.2)\n"
        '  File "/usr/lib/python3.11/site-packages/ray/_private/worker.py", line 910\n'
        "    return pickle.loads(data)\n"
        "ModuleNotFoundError: No module named 'finx'\n"
    )
    error = ray_failure(remote)
    assert error.message == "the Ray batch stopped: RuntimeError: ModuleNotFoundError: No module named 'finx'"
    assert "every node needs finx installed" in error.hint and "--resume" in error.hint
