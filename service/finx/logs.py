"""Structured logs: one JSON object per record, built with the standard library's JSON encoder.

Every field goes through `json.dumps`, so a message (or a request id inside it) holding quotes or
line breaks cannot forge another log line; tracebacks travel inside the record as one string.
"""

import json
import logging
import os
import time
from pathlib import Path
from typing import Any


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message"[, "exception"]}` on one line per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logs(level: int = logging.INFO) -> None:
    """Send the root logger's records to stderr as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)


def engine_logging_config(level: str = "WARNING") -> dict[str, Any]:
    """A `logging.config.dictConfig` for vLLM's loggers, in every process vLLM starts (the
    engine core and the workers of engines started later, a LoRA engine or a reload): finx's
    JSON formatter on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"finx_json": {"()": "finx.logs.JsonFormatter"}},
        "handlers": {"finx_json": {"class": "logging.StreamHandler", "formatter": "finx_json", "level": level}},
        "loggers": {"vllm": {"handlers": ["finx_json"], "level": level, "propagate": False}},
    }


def send_engine_logs_as_json(folder: Path, level: str = "WARNING") -> Path:
    """Write `engine_logging_config` under `folder` and point vLLM at it (`VLLM_LOGGING_CONFIG_PATH`,
    inherited by the processes it spawns); an operator's own setting is kept."""
    path = folder / "vllm-logging.json"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(engine_logging_config(level)))
    os.environ.setdefault("VLLM_LOGGING_CONFIG_PATH", str(path))
    os.environ.setdefault("VLLM_CONFIGURE_LOGGING", "1")
    return path
