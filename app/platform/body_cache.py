"""Response bodies built once and served until what they show changes (the map's JSON)."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

# Bodies are gzip-compressed once, when first asked for compressed (the map is ~0.7 MB of
# JSON; the GZip middleware compressed it on every request at level 9, ~40 ms). Level 1:
# a body rebuilt after a write is compressed in a few milliseconds, ~30% larger than at 6.
GZIP_LEVEL = 1
GZIP_MIN_SIZE = 500


@dataclass
class CachedBody:
    raw: bytes
    gzipped: bytes | None = None

    def response(self, request: Request, media_type: str) -> Response:
        """The body, gzip-compressed when the client accepts it (the GZip middleware leaves a
        response that has a Content-Encoding alone)."""
        headers = {"Vary": "Accept-Encoding"}
        if len(self.raw) < GZIP_MIN_SIZE or "gzip" not in request.headers.get(
            "accept-encoding", ""
        ):
            return Response(self.raw, media_type=media_type, headers=headers)
        if self.gzipped is None:
            self.gzipped = gzip.compress(self.raw, compresslevel=GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
        return Response(self.gzipped, media_type=media_type, headers=headers)


class BodyCache:
    """Bodies of one process, all dropped when ``state`` changes or ``max_age_s`` passes."""

    def __init__(self, *, max_age_s: float) -> None:
        self.max_age_s = max_age_s
        self._state: Hashable = None
        self._built = 0.0
        self._bodies: dict[Hashable, CachedBody] = {}
        self._lock = threading.Lock()

    def get(self, state: Hashable, key: Hashable, build: Callable[[], bytes]) -> CachedBody:
        """The body for ``key`` while ``state`` holds, else ``build()`` it."""
        now = time.monotonic()
        with self._lock:
            if self._state != state or now - self._built > self.max_age_s:
                self._state, self._built, self._bodies = state, now, {}
            found = self._bodies.get(key)
        if found is None:
            found = CachedBody(build())
            with self._lock:
                if self._state == state:
                    self._bodies[key] = found
        return found
