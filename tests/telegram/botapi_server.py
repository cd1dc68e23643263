"""A local HTTP server that speaks the Bot API methods the bot uses and records every call.

Telegram cannot be reached from the tests, so the bot is pointed at this server
(SAFEYARD_TELEGRAM_API_URL): aiohttp in a thread of its own, on a free port. It answers
sendMessage, editMessageText, answerCallbackQuery, getFile (and the file download), setWebhook,
deleteWebhook, getWebhookInfo, getMe and getUpdates (from a queue the test fills) as Telegram
would, with the results aiogram parses.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass
class BotApiServer:
    token: str = "123456:TEST-token"
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # file id -> bytes
    updates: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    port: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what the tests read ---------------------------------------------------------------

    def of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Every text the bot sent or edited, in order."""
        with self._lock:
            return [
                c.params["text"]
                for c in self.calls
                if c.method in ("sendMessage", "editMessageText")
                and (chat_id is None or int(c.params["chat_id"]) == chat_id)
            ]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def record(self, method: str, params: dict[str, Any]) -> Any:
        """Record a call (also one the webhook's response carried) and make its result."""
        result = self._result(method, params)
        with self._lock:
            self.calls.append(Call(method, params, result))
        return result

    # --- the Bot API --------------------------------------------------------------------------

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        return {
            "message_id": message_id or next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "text": params.get("text", ""),
        }

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage":
            return self._message(params)
        if method == "editMessageText":
            return self._message(params, int(params["message_id"]))
        if method in ("answerCallbackQuery", "deleteWebhook", "sendChatAction"):
            if method == "deleteWebhook":
                self.webhook = {}
            return True
        if method == "setWebhook":
            self.webhook = dict(params)
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        if method == "getMe":
            return {
                "id": 123456,
                "is_bot": True,
                "first_name": "SafeYard",
                "username": "safeyard_test_bot",
            }
        if method == "getFile":
            file_id = params["file_id"]
            if file_id not in self.files:
                raise KeyError(file_id)
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg",
            }
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
            return pending
        raise LookupError(method)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                text = value if isinstance(value, str) else ""
                try:
                    params[key] = json.loads(text) if text[:1] in "{[" else text
                except ValueError:
                    params[key] = text
        params.update({k: v for k, v in request.query.items() if k not in params})
        try:
            result = self.record(method, params)
        except KeyError:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                status=400,
            )
        except LookupError:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        if method == "getUpdates" and not result:
            # Long polling: wait a little for an update, as Telegram does (briefly, for tests).
            await asyncio.sleep(min(float(params.get("timeout") or 0), 0.2))
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["name"].removesuffix(".jpg")
        data = self.files.get(file_id)
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/jpeg")

    # --- running ------------------------------------------------------------------------------

    def start(self) -> BotApiServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            app = web.Application()
            app.router.add_route("*", "/bot{token}/{method}", self._api)
            app.router.add_get("/file/bot{token}/photos/{name}", self._file)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True, name="botapi")
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        async def cleanup() -> None:
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def main() -> None:  # pragma: no cover - run by hand or by bench/telegram.py
    """Serve until stopped, printing the port (for the benchmark's separate process)."""
    import sys

    server = BotApiServer().start()
    print(server.port, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
