"""The outermost middleware: a request id, one access-log line, the HTTP metrics and gzip.

A plain ASGI middleware (not BaseHTTPMiddleware): it adds no task or copy of the body to the
hottest route, and it sees the status of every answer, errors included. Every request pays
for it, so it is kept cheap (docs/PERFORMANCE.md, "The envelope"): one pass over the request
headers, one ``send`` wrapper that also compresses (``app.platform.compression``, formerly a
GZip middleware of its own), the metric series of a route looked up once, and the access
line written without a LogRecord when nothing but our JSON handler reads it.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.platform.compression import Compressor
from app.platform.observability import metrics
from app.platform.observability.logging import log_info, request_id_var

access_log = logging.getLogger("safeyard.access")

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from a proxy or client is kept when it is short and plain (no spaces, quotes or
# control characters that could forge log lines); anything else is replaced.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# Any other method a client invents is counted as OTHER: one series, not one per invention.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Not only a well-formed UUID: uuid.UUID reads one with hyphens anywhere, and a link cut short
# by a digit or two (a 422) still holds all but a few bits of the key. Any run of 20+ hex digits
# and hyphens goes (an H3 cell id has 15; dates and row ids are shorter).
_UUID_IN_PATH = re.compile(r"[0-9a-fA-F][0-9a-fA-F-]{19,}")
UNMATCHED = "<unmatched>"  # 404s: raw paths would give every scanner's guess its own series

# Routes that take a submission: how their answers count in the submission metrics.
_SUBMISSION_ROUTES = {("POST", "/api/v1/submissions"), ("POST", "/checklist")}
_PHOTO_ROUTE = ("POST", "/api/v1/submissions/{submission_id}/photos")


def request_id_from(scope: Scope) -> str:
    """The client's X-Request-ID when it is sane, else a new random one."""
    return _read_headers(scope)[0]


def _new_id() -> str:
    return os.urandom(16).hex()  # 32 hex digits, as uuid4().hex gave, at a tenth of its cost


def _read_headers(scope: Scope) -> tuple[str, bool]:
    """The request id (the client's when sane) and whether the client accepts gzip, in one
    pass over the headers (the first of each name counts, as Starlette's Headers.get)."""
    request_id: str | None = None
    gzip: bool | None = None
    for name, value in scope.get("headers", ()):
        if request_id is None and name == b"x-request-id":
            candidate = value.decode("latin-1")
            request_id = candidate if _SANE_ID.fullmatch(candidate) else ""
        elif gzip is None and name == b"accept-encoding":
            gzip = b"gzip" in value
    return request_id or _new_id(), bool(gzip)


def without_capabilities(path: str) -> str:
    """The path with every UUID masked: submission and photo ids open results and photos, so
    whoever reads the logs must not hold them."""
    return _UUID_IN_PATH.sub("{uuid}", path)


def route_template(scope: Scope, requested: str) -> str:
    """The template of the route that answered ("/api/v1/yards/{yard_id}"), never the raw path."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    # FastAPI's router does not name a mount in the scope: find the static mount by prefix.
    for prefix in _mount_prefixes(scope.get("app")):
        if requested.startswith(prefix + "/"):
            return prefix
    return UNMATCHED


_mounts: dict[int, tuple[int, list[str]]] = {}  # id(app) -> (its number of routes, prefixes)


def _mount_prefixes(app: Any) -> list[str]:
    """The app's mount prefixes, longest first; read again only if its routes change."""
    routes = getattr(app, "routes", ())
    known = _mounts.get(id(app))
    if known is None or known[0] != len(routes):
        prefixes = sorted((r.path for r in routes if isinstance(r, Mount)), key=len, reverse=True)
        known = _mounts[id(app)] = (len(routes), prefixes)
    return known[1]


def submission_counter(method: str, route: str, status: int) -> Any:
    """The submission or photo counter an answer counts in, or None."""
    if (method, route) in _SUBMISSION_ROUTES:
        if status == 201:
            return metrics.SUBMISSIONS_ACCEPTED.labels(outcome="created")
        if status == 200 and route.startswith("/api/"):
            return metrics.SUBMISSIONS_ACCEPTED.labels(outcome="replay")
        if status == 303:
            # The no-JavaScript form redirects to the result either way.
            return metrics.SUBMISSIONS_ACCEPTED.labels(outcome="form")
        if status >= 400:
            return metrics.SUBMISSIONS_REJECTED.labels(status=str(status))
    elif (method, route) == _PHOTO_ROUTE and status == 201:
        return metrics.PHOTOS_STORED
    return None


# The metric series of a (method, route, status): labels() costs a lock and a tuple each time.
_Series = tuple[Any, Any, Any]
_series: dict[tuple[str, str, int], _Series] = {}


def _series_of(method: str, route: str, status: int) -> _Series:
    key = (method, route, status)
    found = _series.get(key)
    if found is None:
        found = _series[key] = (
            metrics.REQUESTS.labels(method, route, str(status)),
            metrics.REQUEST_SECONDS.labels(method, route),
            submission_counter(method, route, status),
        )
    return found


class RequestObservability:
    """Request id (X-Request-ID in and out), access log, metrics and gzip for every HTTP
    request (``compress=False``: nothing is compressed)."""

    def __init__(self, app: ASGIApp, *, compress: bool = True) -> None:
        self.app = app
        self.compress = compress

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id, accepts_gzip = _read_headers(scope)
        # Read now: routing into a mount rewrites the scope's path and root_path.
        path = scope.get("root_path", "") + scope["path"]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        id_header = (b"x-request-id", request_id.encode("latin-1"))
        compressor: Compressor | None = None
        compress = self.compress

        async def send_with_id(message: Message) -> None:
            nonlocal status, compressor
            if compressor is not None:
                await compressor(message)
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                # A copy: a response object may send its own header list again.
                message["headers"] = [*message.get("headers", ()), id_header]
                if compress and Compressor.wanted(message):
                    compressor = Compressor(send, gzip=accepts_gzip)
                    await compressor(message)
                    return
            await send(message)

        metrics.REQUESTS_IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            access_log.exception(
                "unhandled error", extra=self._fields(scope, path, status, started)
            )
            raise
        finally:
            metrics.REQUESTS_IN_PROGRESS.dec()
            fields = self._fields(scope, path, status, started)
            requests, seconds, submissions = _series_of(method, fields["route"], status)
            requests.inc()
            seconds.observe(fields["duration_ms"] / 1000)
            if submissions is not None:
                submissions.inc()
            log_info(access_log, "%s %s %s", (scope["method"], fields["path"], status), fields)
            request_id_var.reset(token)

    @staticmethod
    def _fields(scope: Scope, path: str, status: int, started: float) -> dict[str, Any]:
        # The path only: a query string can hold a resident's coordinates.
        return {
            "method": scope["method"],
            "path": without_capabilities(path),
            "route": route_template(scope, path),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
