"""Connection limits uvicorn lacks: a deadline for the request head, and a cap on connections.

uvicorn's own keep-alive timer starts only after a response, so a connection that never sends
a request, or sends its head a byte at a time, stays open for ever; and it has no cap on open
connections short of the process's file-descriptor limit (1,100 idle sockets under
``ulimit -n 1024`` left no descriptor for /healthz). This h11 protocol, passed to uvicorn as
``http="app.platform.server:GuardedH11Protocol"``, adds:

- a header timeout: a request head (request line and headers) must be complete within
  ``SAFEYARD_HEADER_TIMEOUT_S`` of the connection opening, or of its first byte after a
  keep-alive wait; otherwise the connection is closed;
- a connection cap per worker (``SAFEYARD_MAX_CONNECTIONS``, kept below the descriptor limit):
  a connection past it closes the least recently active idle connection (one with no request in
  progress), as nginx reuses its idle keep-alive connections when it runs short; when every
  connection is busy, the new one is closed instead.

The request body and the response are not timed here (the reverse proxy's
``client_body_timeout`` and ``send_timeout`` are; see docs/OPERATIONS.md).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.platform.config import get_settings

log = logging.getLogger("safeyard.server")

PROTOCOL = "app.platform.server:GuardedH11Protocol"
# Descriptors kept for everything else a worker opens: the database, logs, photos, reports.
RESERVED_FDS = 64


def connection_cap(wanted: int) -> int:
    """``wanted``, or fewer when the process's descriptor limit would not hold that many."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - RESERVED_FDS))


def raise_fd_limit() -> None:
    """Lift the soft descriptor limit to the hard one (often 1024 of 1048576 by default)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit above %s", soft)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header timeout and a connection cap (see the module)."""

    header_timeout_s: float
    max_connections: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.header_timeout_s = settings.header_timeout_s
        self.max_connections = connection_cap(settings.max_connections)
        self._header_timer: asyncio.TimerHandle | None = None
        self.last_active = time.monotonic()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()
        if len(self.connections) > self.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE:
            self._arm_header_timer()  # a head under way (or a pipelined one) has its deadline
        else:
            self._cancel_header_timer()  # the head is complete: the app has the request

    def on_response_complete(self) -> None:
        self.last_active = time.monotonic()
        # uvicorn's keep-alive timer now runs; the header timer starts with the next byte.
        self._cancel_header_timer()
        super().on_response_complete()

    def idle(self) -> bool:
        """No request in progress: nothing is lost by closing the connection."""
        return self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        )

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_late)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.transport.close()

    def _make_room(self) -> None:
        others = [
            c
            for c in self.connections
            if c is not self and isinstance(c, GuardedH11Protocol) and not c.transport.is_closing()
        ]
        excess = len(others) + 1 - self.max_connections
        for connection in sorted(others, key=lambda c: c.last_active):
            if excess <= 0:
                return
            if connection.idle():
                connection.transport.close()
                excess -= 1
        if excess > 0:
            log.warning("connection limit %s reached, every connection busy", self.max_connections)
            self.transport.close()
