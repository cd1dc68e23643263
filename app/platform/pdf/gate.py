"""Who may make the service render a PDF, and in what order.

A cold report costs about a second of CPU under the GIL; a cached one costs a file read. So
only renders are limited (cache hits are free):

- per client: an anonymous client address (its /64 for IPv6, as the other rate limits) may
  have ``SAFEYARD_RATE_LIMIT_REPORTS`` reports rendered per ``SAFEYARD_RATE_LIMIT_WINDOW_S``;
  more get 429 with Retry-After. Signed-in staff are not limited. The counters are the other
  rate limits' (in memory, or Redis with ``SAFEYARD_REDIS_URL``);
- the render gate: at most ``SAFEYARD_REPORT_RENDERS`` renders at once per worker; waiting
  staff always go before waiting anonymous requests, and an anonymous request that has not had
  its turn within ``SAFEYARD_REPORT_WAIT_S`` is answered 503 with Retry-After (its client may
  try again; staff wait as long as it takes).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio
from starlette.requests import Request

from app.platform.errors import Unavailable
from app.platform.security.ratelimit import Backend, Hit, client_key
from app.platform.translations import gettext

BUSY_RETRY_AFTER_S = 10


@dataclass(frozen=True)
class Requester:
    """Who asks for a report: staff (signed in, never limited, served first) or not."""

    staff: bool
    address: str


def requester(request: Request, *, staff: bool) -> Requester:
    """The request's client; ``staff``: signed-in staff (served first, never limited)."""
    return Requester(staff=staff, address=client_key(request.scope))


STAFF = Requester(staff=True, address="")  # the service itself (benchmarks, tests)


class RendersBusy(Unavailable):
    """503: every render slot stayed taken for the whole wait."""

    code = "reports_busy"
    retry_after_s = BUSY_RETRY_AFTER_S

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "Many reports are being made right now. Try again in a minute: your link "
                "stays valid."
            )
        )


class TooManyReports(Unavailable):
    """429 with Retry-After (an Unavailable, so the one handler adds the header)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        minutes = max(1, math.ceil(retry_after_s / 60))
        super().__init__(
            gettext(
                "Too many reports were made for your network in a short time. "
                "Try again in %(minutes)s minutes.",
                minutes=minutes,
            )
        )
        self.retry_after_s = retry_after_s


class RenderLimit:
    """The per-client count of renders (a bucket of the shared rate-limit store)."""

    def __init__(self, backend: Backend, *, count: int, window_s: int) -> None:
        self.backend = backend
        self.count = count
        self.window_s = window_s

    def check(self, who: Requester) -> None:
        """Count one render for ``who``; raise TooManyReports past the limit."""
        if who.staff or self.count <= 0:
            return
        key = f"reports:{who.address}"
        hit: Hit | None
        try:
            hit = anyio.from_thread.run(self.backend.hit, key, self.window_s)
        except RuntimeError:  # not in a request's worker thread (a script, a test)
            hit = anyio.run(self.backend.hit, key, self.window_s)
        if hit is not None and hit.count > self.count:
            raise TooManyReports(max(1, math.ceil(hit.reset_s)))


class RenderGate:
    """At most ``slots`` renders at once; staff waiters first, each class in arrival order."""

    def __init__(self, slots: int, *, anonymous_wait_s: float) -> None:
        self.slots = slots
        self.anonymous_wait_s = anonymous_wait_s
        self.running = 0
        self._changed = threading.Condition()
        self._staff: deque[int] = deque()
        self._anonymous: deque[int] = deque()
        self._tickets = itertools.count()

    def waiting(self) -> tuple[int, int]:
        """(staff, anonymous) requests waiting for a turn."""
        with self._changed:
            return len(self._staff), len(self._anonymous)

    def _may_start(self, ticket: int, staff: bool) -> bool:
        if self.running >= self.slots:
            return False
        if staff:
            return self._staff[0] == ticket
        return not self._staff and self._anonymous[0] == ticket

    @contextmanager
    def turn(self, who: Requester) -> Iterator[None]:
        """Wait for a render slot (raises RendersBusy for an anonymous wait that runs out)."""
        line = self._staff if who.staff else self._anonymous
        with self._changed:
            ticket = next(self._tickets)
            line.append(ticket)
            started = self._changed.wait_for(
                lambda: self._may_start(ticket, who.staff),
                timeout=None if who.staff else self.anonymous_wait_s,
            )
            line.remove(ticket)
            if not started:
                self._changed.notify_all()  # the next in line may be first now
                raise RendersBusy()
            self.running += 1
            self._changed.notify_all()  # with slots to spare, the next in line may start too
        try:
            yield
        finally:
            with self._changed:
                self.running -= 1
                self._changed.notify_all()
