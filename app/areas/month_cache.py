"""Month figures kept in one web process: see ``MonthCache``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

# What ``MonthCache.done`` answers for a month it does not hold.
MISSING = object()


class MonthCache:
    """Month figures kept in one process (``app.state``), so a summary does not re-read a
    year of submissions each time (1M submissions: ~1.6 s for a district's 12 months).

    A month that is over never changes: ``received_at`` is the server's clock, so no
    submission lands in a past month. The running month's city mean (the whole city's
    month, ~1 s at that size) is kept for ``running_ttl_s``; the district's own running
    month is always read fresh (a new audit shows at once).
    """

    def __init__(self, *, running_ttl_s: float = 300.0) -> None:
        self.running_ttl_s = running_ttl_s
        self._done: dict[tuple[Any, ...], Any] = {}
        self._running: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def done(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            return self._done.get(key, MISSING)

    def keep_done(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._done[key] = value

    def running(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._running.get(key)
        if found is not None and now - found[0] < self.running_ttl_s:
            return found[1]
        value = compute()
        with self._lock:
            self._running[key] = (now, value)
        return value
