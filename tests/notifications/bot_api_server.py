"""A local HTTP server that speaks the Bot API's ``sendMessage`` as Telegram does (the JSON
envelope, 403 for a bot the user blocked, 429 with ``retry_after``) and records every request:
Telegram itself cannot be reached from the tests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

TOKEN = "123456:TEST-token_for-the-local-server"


@dataclass
class Recorded:
    path: str
    body: dict[str, Any]


@dataclass
class BotApiServer:
    """``with BotApiServer() as server``: ``server.url`` for SAFEYARD_TELEGRAM_API_URL;
    ``script(chat_id, status, body)`` queues an answer for a chat (else 200 ok)."""

    requests: list[Recorded] = field(default_factory=list)
    _scripted: dict[int, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)

    def script(self, chat_id: int, status: int, body: dict[str, Any]) -> None:
        self._scripted.setdefault(chat_id, []).append((status, body))

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.body.get("chat_id") == chat_id]

    def __enter__(self) -> BotApiServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                length = int(self.headers.get("Content-Length", "0"))
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                server.requests.append(Recorded(self.path, body))
                status, answer = self._answer(body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
                if self.path != f"/bot{TOKEN}/sendMessage":
                    return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
                if not body.get("chat_id") or not body.get("text"):
                    return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
                queued = server._scripted.get(body["chat_id"])
                if queued:
                    return queued.pop(0)
                message = {
                    "message_id": len(server.requests),
                    "date": 1765000000,
                    "chat": {"id": body["chat_id"], "type": "private"},
                    "text": body["text"],
                }
                return 200, {"ok": True, "result": message}

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def blocked() -> tuple[int, dict[str, Any]]:
    return 403, {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }


def too_many(seconds: int) -> tuple[int, dict[str, Any]]:
    return 429, {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {seconds}",
        "parameters": {"retry_after": seconds},
    }


def server_error() -> tuple[int, dict[str, Any]]:
    return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
