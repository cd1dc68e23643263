"""Structured logs: one JSON object per line (or plain text for development), each carrying the
id of the request it belongs to.

Query strings are never logged: ``/api/v1/yards?near=43.25,76.91`` holds where a resident
stands. The access log is ours (``safeyard.access``, written by the request middleware);
uvicorn's own access log, which prints the full query string, is switched off.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request being answered; "-" outside a request (start-up, CLI commands).
request_id_var: ContextVar[str] = ContextVar("safeyard_request_id", default="-")

# Fields a record may carry (logger.info(..., extra={...})) that the JSON line keeps.
EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms", "client", "event")


class RequestIdFilter(logging.Filter):
    """Stamps a record with the current request id (for records made before
    ``configure_logging`` installed the record factory)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def _install_record_factory() -> None:
    """Every record carries the id of the request it was made in, whichever handler (a test's
    capture included) formats it later, outside the request."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_safeyard", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id_var.get()
        return record

    factory._safeyard = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the request's
    method, path (no query string), status and duration_ms when the record has them."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for field in EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(*, level: str = "info", fmt: str = "json") -> None:
    """Send the service's and uvicorn's logs to stderr in ``fmt`` ("json" or "text").

    Idempotent: each uvicorn worker calls it when its application is built.
    """
    _install_record_factory()
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_safeyard", False)]:
        root.removeHandler(old)
    handler._safeyard = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        # uvicorn's own handlers would print a second, unstructured copy.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # httpx logs whole URLs, query strings included, at info.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True  # it logs the query string; ours does not
