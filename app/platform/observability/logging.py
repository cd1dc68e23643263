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
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from json.encoder import encode_basestring
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


# --- The access line without a LogRecord --------------------------------------------------
# A record costs ~25-60 µs to make, filter and format (the caller's frame is looked up, the
# thread and process named); the access line is written once per request. When this
# module's JSON handler is the only one that would see it, the line is put together here,
# byte for byte what JsonFormatter writes; otherwise (a test's capture, the text format,
# another handler) the ordinary record goes out.

_second: list[Any] = [None, ""]  # the last whole second and its "YYYY-MM-DDTHH:MM:SS"


def iso_milliseconds(created: float) -> str:
    """``datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")``, with the
    date and time of day formatted once per second."""
    whole = int(created)
    micro = round((created - whole) * 1_000_000)
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    if _second[0] != whole:
        _second[:] = [whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))]
    return f"{_second[1]}.{micro // 1000:03d}+00:00"


def sole_json_handler(logger: logging.Logger) -> _StderrHandler | None:
    """This module's JSON handler, when it alone would write an info record of ``logger``."""
    if logger.filters:
        return None
    found: _StderrHandler | None = None
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if (
                found is not None
                or type(handler) is not _StderrHandler
                or type(handler.formatter) is not JsonFormatter
                or handler.level > logging.INFO
                or any(type(f) is not RequestIdFilter for f in handler.filters)
            ):
                return None
            found = handler
        if not current.propagate:
            break
        current = current.parent
    return found


def json_line(
    *, created: float, logger: str, message: str, request_id: str, fields: dict[str, Any]
) -> str:
    """JsonFormatter's line of an info record with these extra fields (str, int, float)."""
    parts = [
        '{"time": "',
        iso_milliseconds(created),
        '", "level": "info", "logger": ',
        encode_basestring(logger),
        ', "message": ',
        encode_basestring(message),
        ', "request_id": ',
        encode_basestring(request_id),
    ]
    for name in EXTRA_FIELDS:
        value = fields.get(name)
        if value is None:
            continue
        parts.append(f', "{name}": ')
        parts.append(encode_basestring(value) if isinstance(value, str) else repr(value))
    parts.append("}")
    return "".join(parts)


def log_info(
    logger: logging.Logger, msg: str, args: tuple[Any, ...], fields: dict[str, Any]
) -> None:
    """``logger.info(msg, *args, extra=fields)``, cheaply when only our JSON handler listens."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = sole_json_handler(logger)
    if handler is None:
        logger.info(msg, *args, extra=fields)
        return
    line = json_line(
        created=time.time(),
        logger=logger.name,
        message=msg % args,
        request_id=request_id_var.get(),
        fields=fields,
    )
    handler.write_line(line)


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

    def write_line(self, line: str) -> None:
        """One line already formatted, under the handler's lock as ``emit`` writes."""
        with self.lock:  # type: ignore[union-attr]
            try:
                stream = sys.stderr
                stream.write(line + self.terminator)
                stream.flush()
            except RecursionError:
                raise
            except Exception:
                self.handleError(logging.makeLogRecord({"msg": line}))


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
