"""Log lines are JSON built by the encoder: a hostile message cannot forge a second line."""

import json
import logging
import sys

from finx.logs import JsonFormatter


def record(message: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("finx.server.grpc_service", logging.INFO, __file__, 1, message, args, exc_info)  # type: ignore[arg-type]


def test_a_forged_request_id_stays_inside_one_record() -> None:
    hostile = '"}\n{"level":"ERROR","message":"forged'
    line = JsonFormatter().format(record("request %s done", hostile))
    assert "\n" not in line
    assert json.loads(line)["message"] == f"request {hostile} done"


def test_tracebacks_travel_inside_the_record() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        line = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    entry = json.loads(line)
    assert "\n" not in line and entry["level"] == "INFO" and "ValueError: boom" in entry["exception"]
