"""Logs as JSON lines: the `chengnuo` loggers, with the id of the request being answered and of
the case it is about (set by the API's middleware, api/observability.py), whatever uvicorn does
with the root logger."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str] = ContextVar("request_id", default="")
application_id: ContextVar[str] = ContextVar("application_id", default="")


class WithIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.application_id = application_id.get()
        return True


def json_logs(logger: str = "chengnuo", level: int = logging.INFO) -> None:
    """The `chengnuo` loggers as JSON lines on stderr, whatever uvicorn does with the root logger
    (once per process)."""
    target = logging.getLogger(logger)
    if any(getattr(h, "chengnuo_json", False) for h in target.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{request_id}{application_id}",
            style="{",
            rename_fields={"asctime": "time"},
            json_ensure_ascii=False,  # Chinese as Chinese
        )
    )
    handler.addFilter(WithIds())
    handler.chengnuo_json = True  # type: ignore[attr-defined]
    target.addHandler(handler)
    target.setLevel(level)
    target.propagate = False
