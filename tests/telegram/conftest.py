"""The bot against the local Bot API server, driven by webhook updates as Telegram sends them."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.platform.config import Settings
from app.platform.db import Database
from tests.telegram.botapi_server import BotApiServer, Call

SECRET = "test-secret_123"
# Random bases: the test modules may import this file a second time (importlib mode), and
# a counter restarting at the same value would make a "redelivered" update of a new one.
_update_ids = itertools.count(secrets.randbelow(2**40) + 10_000, 1)
_chat_ids = itertools.count(secrets.randbelow(2**40) + 10**9, 1)


@pytest.fixture(scope="session")
def botapi() -> Iterator[BotApiServer]:
    server = BotApiServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bot_settings(settings: Settings, botapi: BotApiServer) -> Settings:
    return settings.model_copy(
        update={
            "telegram_token": botapi.token,
            "telegram_webhook_secret": SECRET,
            "telegram_api_url": botapi.url,
            "telegram_bot_username": "safeyard_test_bot",
            "telegram_rate_limit_per_minute": 100_000,
        }
    )


def make_client(settings: Settings) -> TestClient:
    from app.main import create_app

    return TestClient(create_app(settings))


@pytest.fixture(scope="session")
def bot_client(bot_settings: Settings) -> Iterator[TestClient]:
    with make_client(bot_settings) as client:
        yield client


class Resident:
    """One Telegram user in a private chat with the bot: sends updates to the webhook and
    makes the method the webhook's response carries, as Telegram does."""

    def __init__(self, client: TestClient, server: BotApiServer) -> None:
        self.client = client
        self.server = server
        self.chat_id = next(_chat_ids)
        self.last_update: dict[str, Any] = {}

    def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> Any:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        self.last_update = update
        response = self.client.post("/telegram/webhook", json=update, headers=headers)
        if response.status_code == 200 and response.content:
            body = response.json()
            method = body.pop("method")
            self.server.record(method, body)
        return response

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": "private", "first_name": "A"}

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {
            "update_id": next(_update_ids),
            "message": {
                "message_id": next(_update_ids),
                "date": 1_790_000_000,
                "chat": self._chat(),
                "from": {"id": self.chat_id, "is_bot": False, "first_name": "A"},
                **fields,
            },
        }

    def text(self, text: str) -> Any:
        return self.post(self._message(text=text))

    def location(self, lat: float, lon: float) -> Any:
        return self.post(self._message(location={"latitude": lat, "longitude": lon}))

    def photo(self, file_id: str) -> Any:
        size = {"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 600}
        return self.post(self._message(photo=[{**size, "width": 90, "height": 60}, size]))

    def keyboard(self) -> Call:
        """The last message of this chat with inline buttons."""
        for call in reversed(self.server.calls):
            if call.method not in ("sendMessage", "editMessageText"):
                continue
            if int(call.params["chat_id"]) != self.chat_id:
                continue
            markup = call.params.get("reply_markup") or {}
            if "inline_keyboard" in markup:
                return call
        raise AssertionError("no message with buttons")

    def buttons(self) -> list[tuple[str, str]]:
        markup = self.keyboard().params["reply_markup"]
        return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]

    def tap(self, data: str, *, message_id: int | None = None) -> Any:
        call = self.keyboard()
        message_id = message_id or int(call.result["message_id"])
        update = {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": str(next(_update_ids)),
                "from": {"id": self.chat_id, "is_bot": False, "first_name": "A"},
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": 1_790_000_000,
                    "chat": self._chat(),
                    "text": "…",
                },
            },
        }
        return self.post(update)

    def tap_label(self, startswith: str) -> Any:
        for text, data in self.buttons():
            if text.startswith(startswith):
                return self.tap(data)
        raise AssertionError(f"no button {startswith!r} in {self.buttons()}")

    def texts(self) -> list[str]:
        return self.server.texts(self.chat_id)


@pytest.fixture
def yard_id(db: Database) -> int:
    """A yard of its own, committed (in Medeu: Almaly's points run out in tests)."""
    from tests.factories import create_yard

    with db.write_session() as session:
        yard = create_yard(session, district="medeu")
        assert yard.id is not None
        return yard.id


@pytest.fixture
def resident(bot_client: TestClient, botapi: BotApiServer) -> Resident:
    return Resident(bot_client, botapi)
