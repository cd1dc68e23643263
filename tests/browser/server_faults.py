"""Faults and records on the live server's side (it runs in the test's own process), for the
offline-queue tests: unlike a Playwright route, they are in place before the browser starts,
so they also meet what the service worker sends the moment the browser opens (Background
Sync fires at start-up, before any page and before a route set after the start)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from app.photos import uploads
from app.platform.errors import Unavailable


def refuse_photos_while(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """While the returned event is set, every photo upload is answered 503 with Retry-After
    (as a busy server does); nothing is stored. Checklists are taken as usual."""
    busy = threading.Event()
    authorize = uploads.authorize

    def busy_or_authorize(*args: Any, **kwargs: Any) -> Any:
        if busy.is_set():
            raise Unavailable("The server is busy (a test's fault); try again later.")
        return authorize(*args, **kwargs)

    monkeypatch.setattr(uploads, "authorize", busy_or_authorize)
    return busy


class _Requests(logging.Handler):
    def __init__(self, method: str, path: str, seen: list[str]) -> None:
        super().__init__(level=logging.INFO)
        self.method, self.path, self.seen = method, path, seen

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "method", None) == self.method and getattr(record, "path", None) == (
            self.path
        ):
            self.seen.append(record.getMessage())


def count_checklist_posts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that gains an entry for each POST /api/v1/submissions the server answers, from a
    page or from the service worker alike (read from the access log, ``safeyard.access``)."""
    seen: list[str] = []
    logger = logging.getLogger("safeyard.access")
    recorder = _Requests("POST", "/api/v1/submissions", seen)
    monkeypatch.setattr(logger, "handlers", [*logger.handlers, recorder])
    return seen
