"""Bot API calls posted as JSON over kept-alive HTTP/1.1 connections.

A button press makes one call of its own (the answer that stops the client's spinner; the
edit rides in the webhook's response), so a 40-question conversation makes about 45.
aiohttp's client spends three times the CPU of the whole exchange on its request and
response machinery (URL, headers, cookies, timers, tracing): here a call is one write of a
prebuilt request, and the answer is read with httptools' parser (llhttp, in C: the one
uvicorn parses requests with), by length or in chunks (docs/PERFORMANCE.md, Telegram).
aiogram's session stays for what is not a JSON call (file downloads).
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any
from urllib.parse import urlsplit

import httptools

# What a Bot API answer may be at most (a getUpdates page is the largest; ours are small).
MAX_ANSWER_BYTES = 8 * 1024 * 1024
_Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class BotApiError(Exception):
    """The call got no answer that can be read (the connection failed or broke)."""


class BotApiPoster:
    """The calls of one event loop: idle connections are kept and reused."""

    def __init__(self, method_url: str, *, timeout_s: float) -> None:
        """``method_url``: a call's URL with ``{method}`` in place of the method's name."""
        parts = urlsplit(method_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {parts.scheme}://{parts.hostname}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        default_port = parts.port is None
        host_header = parts.netloc.rpartition("@")[2] if not default_port else self._host
        self._path = parts.path
        self._head = (
            f"Host: {host_header}\r\nContent-Type: application/json\r\n"
            "Accept: application/json\r\nConnection: keep-alive\r\n"
        )
        self._timeout_s = timeout_s
        self._idle: list[_Stream] = []
        self._ssl = ssl.create_default_context() if self._https else None

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """The decoded JSON answer (``{"ok": ..., ...}``); BotApiError, TimeoutError or
        ValueError when there is none."""
        body = json.dumps(params, ensure_ascii=False).encode()
        path = self._path.replace("{method}", method)
        request = (
            f"POST {path} HTTP/1.1\r\n{self._head}Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        async with asyncio.timeout(self._timeout_s):
            while self._idle:
                stream = self._idle.pop()
                try:
                    return await self._exchange(stream, request)
                except _StaleConnection:
                    # Closed by the server while it was idle (not a byte of an answer):
                    # sent again on a new connection, as HTTP clients do with kept ones.
                    continue
            try:
                stream = await asyncio.open_connection(
                    self._host, self._port, ssl=self._ssl, limit=64 * 1024
                )
            except OSError as exc:
                raise BotApiError(f"cannot connect: {exc!r}") from exc
            try:
                return await self._exchange(stream, request)
            except _StaleConnection as exc:
                raise BotApiError("the connection closed without an answer") from exc

    async def _exchange(self, stream: _Stream, request: bytes) -> Any:
        reader, writer = stream
        keep = False
        answer = _Answer()
        parser = answer.parser = httptools.HttpResponseParser(answer)
        received = False
        try:
            try:
                writer.write(request)
                while not answer.complete:
                    data = await reader.read(64 * 1024)
                    if not data:
                        if not received:
                            raise _StaleConnection
                        raise BotApiError("the answer broke off")
                    received = True
                    parser.feed_data(data)
                    if answer.size > MAX_ANSWER_BYTES:
                        raise BotApiError("an answer too large")
            except ConnectionError as exc:
                if not received:
                    raise _StaleConnection from exc
                raise BotApiError("the answer broke off") from exc
            except httptools.HttpParserError as exc:
                raise BotApiError(f"not an HTTP answer: {exc}") from exc
            keep = answer.keep_alive
            result = json.loads(b"".join(answer.body))
        except BaseException:
            keep = False
            raise
        finally:
            if keep:
                self._idle.append(stream)
            else:
                writer.close()
        return result

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for _reader, writer in idle:
            writer.close()


class _StaleConnection(Exception):
    pass


class _Answer:
    """The parser's callbacks (httptools: llhttp, the parser uvicorn uses for requests)."""

    def __init__(self) -> None:
        self.parser: httptools.HttpResponseParser | None = None
        self.body: list[bytes] = []
        self.size = 0
        self.keep_alive = False
        self.complete = False

    def on_headers_complete(self) -> None:
        # Only here does the parser know: after the message it has moved on.
        assert self.parser is not None
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, data: bytes) -> None:
        self.size += len(data)
        if self.size <= MAX_ANSWER_BYTES:
            self.body.append(data)

    def on_message_complete(self) -> None:
        self.complete = True
