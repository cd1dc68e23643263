"""Per-client rate limits on what anyone may post: submissions, photos and logins.

A fixed-window counter per (limit, client): ``limit`` requests per ``window_s`` seconds, then
``429 Too Many Requests`` with ``Retry-After`` (the seconds left in the window) until the
window turns. The client is its IP address as uvicorn gives it (the proxy's
``X-Forwarded-For`` only when the proxy is in ``--forwarded-allow-ips``); IPv6 clients are
counted by their /64, which one household or phone holds whole.

Counters live in memory (one process) unless ``SAFEYARD_REDIS_URL`` is set; then every worker
and host shares them in Redis (an atomic INCR + EXPIRE in one Lua script). When Redis cannot
be reached the request is let through and a warning logged (fail open): losing a resident's
checklist to a cache outage is worse than a few minutes without a spam limit.

A pure ASGI middleware: a refused request costs no body parsing and no database work. Signed-in
inspectors and admins, who enter many audits from one office address, are not limited on
submissions and photos (their session is looked up only when a limit would refuse them).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("safeyard.security")

SUBMISSIONS = "submissions"
PHOTOS = "photos"
LOGIN = "login"
# Buckets a signed-in inspector or admin is not held to.
STAFF_FREE = frozenset({SUBMISSIONS, PHOTOS})
PHOTO_PATH = re.compile(r"^/api/v1/submissions/[^/]+/photos$")
WARN_EVERY_S = 60.0


def bucket_of(method: str, path: str) -> str | None:
    """The limit a request counts against, or None for requests that are not limited."""
    if method != "POST":
        return None
    if path in ("/api/v1/submissions", "/checklist"):
        return SUBMISSIONS
    # The code steps too: their lock-out counts per exact address, which a client rotating
    # addresses in its /64 would escape; this limit holds the whole /64.
    if path in ("/login", "/login/code", "/login/enrol"):
        return LOGIN
    if PHOTO_PATH.match(path):
        return PHOTOS
    return None


def client_key(scope: Scope) -> str:
    """The client's address (an IPv6 address by its /64 network)."""
    client = scope.get("client")
    host = client[0] if client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class Limit:
    count: int
    window_s: int


@dataclass(frozen=True)
class Hit:
    count: int
    reset_s: float  # seconds until the window turns


class Backend(Protocol):
    async def hit(self, key: str, window_s: int) -> Hit | None:
        """Count one request; None when the count is unknown (the store is down)."""


class MemoryBackend:
    """Counters in this process: right for one worker, and for tests."""

    MAX_KEYS = 100_000

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    async def hit(self, key: str, window_s: int) -> Hit:
        now = self.clock()
        window = int(now // window_s)
        if len(self._counts) >= self.MAX_KEYS:
            # Many clients at once: forget the ones whose window has passed.
            self._counts = {k: v for k, v in self._counts.items() if v[0] >= window}
        seen_window, count = self._counts.get(key, (window, 0))
        count = count + 1 if seen_window == window else 1
        self._counts[key] = (window, count)
        return Hit(count, (window + 1) * window_s - now)


# INCR and the first EXPIRE in one step: a crash between the two can never leave a key
# without an expiry (a client locked out for good).
INCR_EXPIRE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisBackend:
    """Counters in Redis, shared by every worker and host; fails open when Redis is down."""

    def __init__(
        self, url: str, *, prefix: str = "safeyard:rl:", clock: Callable[[], float] = time.time
    ) -> None:
        import redis

        self.prefix = prefix
        self.clock = clock
        self._redis_error: type[Exception] = redis.RedisError
        self._client = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=30
        )
        self._incr = self._client.register_script(INCR_EXPIRE)
        self._warned_at = -math.inf

    def _count(self, key: str, window_s: int) -> int:
        return int(self._incr(keys=[key], args=[window_s + 1]))

    async def hit(self, key: str, window_s: int) -> Hit | None:
        now = self.clock()
        window = int(now // window_s)
        try:
            # redis-py's blocking client in a worker thread: it works under any event loop
            # (each TestClient has its own), where an asyncio pool is bound to one.
            count = await anyio.to_thread.run_sync(
                partial(self._count, f"{self.prefix}{key}:{window}", window_s)
            )
        except self._redis_error as exc:
            if now - self._warned_at >= WARN_EVERY_S:
                self._warned_at = now
                log.warning(
                    "rate limits off: Redis unreachable (%s); requests are let through",
                    type(exc).__name__,
                )
            return None
        return Hit(count, (window + 1) * window_s - now)

    def close(self) -> None:
        self._client.close()


def make_backend(redis_url: str | None) -> Backend:
    return RedisBackend(redis_url) if redis_url else MemoryBackend()


def _refusal_text(bucket: str, minutes: int) -> str:
    from app.platform.translations import gettext

    if bucket == LOGIN:
        return gettext(
            "Too many login attempts from your network. Try again in %(minutes)s minutes.",
            minutes=minutes,
        )
    if bucket == PHOTOS:
        return gettext(
            "Too many photos were sent from your network in a short time. "
            "Try again in %(minutes)s minutes.",
            minutes=minutes,
        )
    return gettext(
        "Too many checklists were sent from your network in a short time. Go back: your "
        "answers are still in the form. Send it again in %(minutes)s minutes.",
        minutes=minutes,
    )


API_MESSAGES = {
    SUBMISSIONS: "Too many submissions from this address",
    PHOTOS: "Too many photo uploads from this address",
    LOGIN: "Too many login attempts from this address",
}


class RateLimit:
    """Answers 429 to a client over its limit; ``limits`` maps a bucket to its Limit
    (a bucket left out, or with count 0, is not limited)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: dict[str, Limit],
        backend: Backend,
        is_staff: Callable[[Scope], bool],
    ) -> None:
        self.app = app
        self.limits = {bucket: limit for bucket, limit in limits.items() if limit.count > 0}
        self.backend = backend
        # Who is signed-in staff (exempt from the submission limits) is the web channel's to say.
        self.is_staff = is_staff

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bucket = bucket_of(scope["method"], scope["path"])
        limit = self.limits.get(bucket) if bucket else None
        if bucket is None or limit is None:
            await self.app(scope, receive, send)
            return
        hit = await self.backend.hit(f"{bucket}:{client_key(scope)}", limit.window_s)
        if (
            hit is None
            or hit.count <= limit.count
            or (bucket in STAFF_FREE and await anyio.to_thread.run_sync(self.is_staff, scope))
        ):
            await self.app(scope, receive, send)
            return
        await self._refuse(scope, receive, send, bucket, max(1, math.ceil(hit.reset_s)))

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, bucket: str, retry_after: int
    ) -> None:
        headers = {"Retry-After": str(retry_after)}
        response: Any
        if scope["path"].startswith("/api/"):
            from starlette.responses import Response

            body = {
                "error": "rate_limited",
                "message": f"{API_MESSAGES[bucket]}; try again in {retry_after} seconds. "
                "Nothing was stored.",
                "details": [],
            }
            response = Response(
                json.dumps(body), status_code=429, headers=headers, media_type="application/json"
            )
        else:
            from starlette.requests import Request

            from app.platform.errors import error_page

            message = _refusal_text(bucket, max(1, math.ceil(retry_after / 60)))
            response = error_page(Request(scope), 429, message, headers)
        # The body is never read: drain nothing, answer at once.
        await response(scope, receive, send)


def limits_of(settings: Any) -> dict[str, Limit]:
    window = settings.rate_limit_window_s
    return {
        SUBMISSIONS: Limit(settings.rate_limit_submissions, window),
        PHOTOS: Limit(settings.rate_limit_photos, window),
        LOGIN: Limit(settings.rate_limit_login, window),
    }
