"""Gzip for answers that gain from it, decided with one look at the response's headers.

The same decisions as Starlette's ``GZipMiddleware`` (level 9, its list of types
never compressed, ``Vary: Accept-Encoding`` on every answer large enough to be compressed),
made in the request middleware's own ``send`` (``app.platform.observability.middleware``)
instead of a layer of its own that built two header objects per request. One difference: an
answer whose ``Content-Length`` is under the minimum is sent on at once, even in several
pieces (Starlette compressed such a rare streamed one; gzip's 18-byte frame made it larger).
The minimum is 1,400 bytes, not Starlette's 500: an answer that fits in one TCP segment
arrives no sooner compressed, and gzip's set-up cost a twentieth of a Telegram update's CPU.
"""

from __future__ import annotations

import zlib

import anyio
import anyio.lowlevel
import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES
from starlette.types import Message, Send

MINIMUM_SIZE = 1400  # one TCP segment's payload, headers included
LEVEL = 9
# Larger bodies are compressed in a worker thread (the event loop would stall meanwhile),
# with a limiter of their own so they never take the thread pool's places.
THREAD_MINIMUM_SIZE = 128 * 1024
_EXCLUDED = frozenset(DEFAULT_EXCLUDED_CONTENT_TYPES)
_limiter: anyio.lowlevel.RunVar[anyio.CapacityLimiter] = anyio.lowlevel.RunVar(
    "safeyard_gzip_limiter"
)
_excluded_types: dict[bytes, bool] = {}  # content-type header -> never compressed


def excluded(content_type: bytes) -> bool:
    """Starlette's rule: the media type, its ``major/*`` and gRPC's ``+`` forms."""
    known = _excluded_types.get(content_type)
    if known is not None:
        return known
    media = content_type.decode("latin-1").partition(";")[0].strip().lower()
    kinds = {media, media.partition("/")[0] + "/*"}
    if media.startswith("application/grpc+"):
        kinds.add("application/grpc")
    found = not kinds.isdisjoint(_EXCLUDED)
    if len(_excluded_types) < 256:
        _excluded_types[content_type] = found
    return found


def window_bits(size: int) -> int:
    """The smallest deflate window (9-15 bits) that lets every match of a ``size``-byte input
    reach back to its start, as the 32 KB one does: zlib allows distances up to the window
    less 262 bytes (MIN_LOOKAHEAD)."""
    return min(zlib.MAX_WBITS, max(9, (size + 261).bit_length()))


def _thread_limiter() -> anyio.CapacityLimiter:
    try:
        return _limiter.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(40)
        _limiter.set(limiter)
        return limiter


class Compressor:
    """One response's compression: holds the start until the first body says the size."""

    __slots__ = ("send", "gzip", "start", "streaming", "_zlib")

    def __init__(self, send: Send, *, gzip: bool) -> None:
        self.send = send
        self.gzip = gzip  # the client accepts it; else only Vary is added, as Starlette does
        self.start: Message | None = None
        self.streaming = False
        self._zlib: zlib._Compress | None = None

    @staticmethod
    def wanted(start: Message) -> bool:
        """Whether the response may be compressed at all, from its start message alone."""
        if start["status"] == 206:
            return False
        for name, value in start.get("headers", ()):
            if name == b"content-encoding":
                return False
            if name == b"content-type" and excluded(value):
                return False
            if name == b"content-length" and value.isdigit() and int(value) < MINIMUM_SIZE:
                return False
        return True

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            message.setdefault("headers", [])
            self.start = message
        elif kind == "http.response.body" and self.start is not None:
            start, self.start = self.start, None
            await self._first_body(start, message)
        elif kind == "http.response.body" and self.streaming:
            more = message.get("more_body", False)
            message["body"] = await self._compress(message.get("body", b""), more=more)
            await self.send(message)
        elif kind == "http.response.pathsend" and self.start is not None:
            start, self.start = self.start, None
            await self.send(start)
            await self.send(message)
        else:
            await self.send(message)

    async def _first_body(self, start: Message, message: Message) -> None:
        body = message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) < MINIMUM_SIZE and not more:
            await self.send(start)
            await self.send(message)
            return
        if not self.gzip and all(name != b"vary" for name, _ in start["headers"]):
            # What add_vary_header does to a response without Vary, without its header object.
            start["headers"].append((b"vary", b"Accept-Encoding"))
            await self.send(start)
            await self.send(message)
            return
        headers = MutableHeaders(raw=start["headers"])
        headers.add_vary_header("Accept-Encoding")
        if self.gzip:
            self.streaming = more
            message["body"] = await self._compress(body, more=more)
            headers["Content-Encoding"] = "gzip"
            if more or start.get("trailers", False):
                del headers["Content-Length"]
            else:
                headers["Content-Length"] = str(len(message["body"]))
        await self.send(start)
        await self.send(message)

    async def _compress(self, body: bytes, *, more: bool) -> bytes:
        if len(body) >= THREAD_MINIMUM_SIZE:
            return await anyio.to_thread.run_sync(
                self._compress_now, body, more, limiter=_thread_limiter()
            )
        return self._compress_now(body, more)

    def _compress_now(self, body: bytes, more: bool) -> bytes:
        if self._zlib is None:
            # A whole answer: a window just large enough for it gives the same bytes as
            # zlib's 32 KB one, and setting up the 32 KB one took most of the time (a 3.7 KB
            # submission result: 122 -> 43 us). A stream of unknown length gets the full one.
            wbits = zlib.MAX_WBITS if more else window_bits(len(body))
            self._zlib = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + wbits)
        head = self._zlib.compress(body)
        return head + self._zlib.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
