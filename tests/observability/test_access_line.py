"""The access line written without a LogRecord is the line JsonFormatter writes, and it is
written that way only when nothing but the service's own JSON handler would read it."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from app.platform.observability.logging import (
    JsonFormatter,
    configure_logging,
    iso_milliseconds,
    json_line,
    log_info,
    request_id_var,
    sole_json_handler,
)

FIELDS = {
    "method": "POST",
    "path": '/caf\u00e9/"quoted"\\{uuid}',
    "route": "<unmatched>",
    "status": 404,
    "duration_ms": 0.12,
}


def test_the_line_is_json_formatters_line() -> None:
    record = logging.makeLogRecord(
        {
            "name": "safeyard.access",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "%s %s %s",
            "args": ("POST", FIELDS["path"], 404),
            "request_id": "lb-7f3a.42",
            **FIELDS,
        }
    )
    expected = JsonFormatter().format(record)
    line = json_line(
        created=record.created,
        logger="safeyard.access",
        message=record.getMessage(),
        request_id="lb-7f3a.42",
        fields=FIELDS,
    )
    assert line == expected
    assert json.loads(line)["path"] == FIELDS["path"]


def test_the_time_is_datetimes() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        created = rng.uniform(1.7e9, 1.9e9)
        expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        assert iso_milliseconds(created) == expected, created


@contextmanager
def ours_alone() -> Iterator[None]:
    """The root logger as in production: pytest's capture handlers (added for each phase of
    a test) set aside."""
    configure_logging(level="info", fmt="json")
    root = logging.getLogger()
    kept = root.handlers[:]
    root.handlers = [h for h in kept if getattr(h, "_safeyard", False)]
    try:
        yield
    finally:
        root.handlers = kept


def test_written_to_stderr_when_ours_alone_listens(capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("safeyard.access")
    token = request_id_var.set("r-1")
    try:
        with ours_alone():
            assert sole_json_handler(logger) is not None
            log_info(logger, "%s %s %s", ("GET", "/healthz", 200), dict(FIELDS, status=200))
    finally:
        request_id_var.reset(token)
    (line,) = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x]
    assert line["message"] == "GET /healthz 200" and line["request_id"] == "r-1"
    assert line["logger"] == "safeyard.access" and line["status"] == 200


def test_an_ordinary_record_when_another_handler_listens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging(level="info", fmt="json")
    logger = logging.getLogger("safeyard.access")
    with caplog.at_level(logging.INFO):
        assert sole_json_handler(logger) is None  # pytest's capture listens too
        log_info(logger, "%s %s %s", ("GET", "/healthz", 200), dict(FIELDS, status=200))
    (record,) = caplog.records
    assert record.getMessage() == "GET /healthz 200" and record.status == 200  # type: ignore[attr-defined]


def test_the_text_format_gets_an_ordinary_record() -> None:
    try:
        with ours_alone():
            configure_logging(level="info", fmt="text")
            assert sole_json_handler(logging.getLogger("safeyard.access")) is None
    finally:
        configure_logging(level="info", fmt="json")


def test_nothing_below_the_level(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        with ours_alone():
            configure_logging(level="warning", fmt="json")
            log_info(logging.getLogger("safeyard.access"), "%s", ("x",), {})
        assert capsys.readouterr().err == ""
    finally:
        configure_logging(level="info", fmt="json")
