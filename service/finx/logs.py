"""Structured logs: one JSON object per record, built with the standard library's JSON encoder.

Every field goes through `json.dumps`, so a message (or a request id inside it) holding quotes or
line breaks cannot forge another log line; tracebacks travel inside the record as one string.
"""

import json
import logging
import time


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
