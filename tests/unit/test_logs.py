"""Log lines are JSON built by the encoder: a hostile message cannot forge a second line."""

import json
import logging
import os
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


def test_vllm_processes_log_json_lines_through_finxs_formatter(tmp_path, monkeypatch):
    import io
    import logging.config

    from finx.logs import send_engine_logs_as_json

    monkeypatch.delenv("VLLM_LOGGING_CONFIG_PATH", raising=False)
    path = send_engine_logs_as_json(tmp_path)
    assert os.environ["VLLM_LOGGING_CONFIG_PATH"] == str(path)
    config = json.loads(path.read_text())
    stream = io.StringIO()
    config["handlers"]["finx_json"]["stream"] = stream  # where a worker's stderr would be
    logging.config.dictConfig(config)
    logging.getLogger("vllm.engine").warning('a "quoted"\nline')
    [line] = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == 'a "quoted"\nline' and json.loads(line)["logger"] == "vllm.engine"
