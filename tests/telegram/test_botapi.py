"""The Bot API calls' own HTTP client: answers by length or in chunks, kept connections
reused, one the server closed while idle replaced without losing the call."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from app.channels.telegram.botapi import BotApiError, BotApiPoster
from tests.loops import run_in_own_loop


async def _serve(answers: list[bytes], seen: list[bytes]) -> tuple[asyncio.Server, int]:
    """A server that reads one request per answer, in order; an empty answer closes the
    connection without one."""

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            seen.append(head.split(b" ")[1] + b" " + await reader.readexactly(length))
            answer = answers.pop(0)
            if not answer:
                break
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def _by_length(result: Any, close: bool = False) -> bytes:
    body = json.dumps({"ok": True, "result": result}).encode()
    extra = b"Connection: close\r\n" if close else b""
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def _chunked(result: Any) -> bytes:
    body = json.dumps({"ok": True, "result": result}).encode()
    half = len(body) // 2
    chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        half,
        body[:half],
        len(body) - half,
        body[half:],
    )
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks


def _run(answers: list[bytes], calls: int) -> tuple[list[Any], list[bytes]]:
    seen: list[bytes] = []

    async def main() -> list[Any]:
        server, port = await _serve(answers, seen)
        poster = BotApiPoster(f"http://127.0.0.1:{port}/bot1:T/{{method}}", timeout_s=5)
        try:
            return [
                await poster.call("sendMessage", {"chat_id": 1, "text": f"привет {n}"})
                for n in range(calls)
            ]
        finally:
            await poster.close()
            server.close()

    return run_in_own_loop(main()), seen


class TestBotApiPoster:
    def test_answers_by_length_and_in_chunks_on_one_connection(self) -> None:
        answers, seen = _run([_by_length(1), _chunked({"a": "б"}), _by_length(3)], 3)
        assert [a["result"] for a in answers] == [1, {"a": "б"}, 3]
        assert seen[0].startswith(b"/bot1:T/sendMessage ")
        assert json.loads(seen[0].split(b" ", 1)[1]) == {"chat_id": 1, "text": "привет 0"}

    def test_a_connection_closed_while_idle_is_replaced(self) -> None:
        # The second request finds its kept connection closed (no answer): it is sent again.
        answers, seen = _run([_by_length(1), b"", _by_length(2)], 2)
        assert [a["result"] for a in answers] == [1, 2]
        assert len(seen) == 3

    def test_connection_close_is_honoured(self) -> None:
        answers, _seen = _run([_by_length(1, close=True), _by_length(2)], 2)
        assert [a["result"] for a in answers] == [1, 2]

    def test_no_server_is_an_error(self) -> None:
        async def main() -> None:
            poster = BotApiPoster("http://127.0.0.1:9/bot1:T/{method}", timeout_s=5)
            await poster.call("getMe", {})

        with pytest.raises(BotApiError):
            run_in_own_loop(main())

    def test_an_answer_that_is_not_http_is_an_error(self) -> None:
        with pytest.raises(BotApiError, match="not an HTTP answer"):
            _run([b"SSH-2.0-OpenSSH_9.2\r\n\r\n"], 1)
