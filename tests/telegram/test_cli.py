"""safeyard telegram set-webhook / delete-webhook / poll against the local Bot API server."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.channels.cli.main import cli
from app.platform.config import Settings, get_settings
from tests.telegram.botapi_server import BotApiServer
from tests.telegram.conftest import SECRET


@pytest.fixture
def bot_env(
    monkeypatch: pytest.MonkeyPatch, botapi: BotApiServer, settings: Settings
) -> Iterator[None]:
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SAFEYARD_TELEGRAM_TOKEN", botapi.token)
    monkeypatch.setenv("SAFEYARD_TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("SAFEYARD_TELEGRAM_API_URL", botapi.url)
    monkeypatch.setenv("SAFEYARD_PUBLIC_BASE_URL", "https://safeyard.example.kz")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def invoke(args: list[str]) -> Result:
    """The command as a shell runs it: in a thread of its own, so its ``asyncio.run`` never
    meets an event loop another test left running in this one (Playwright's sync API)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(CliRunner().invoke, cli, args).result()


class TestCommands:
    def test_set_and_delete_webhook(self, bot_env: None, botapi: BotApiServer) -> None:
        result = invoke(["telegram", "set-webhook"])
        assert result.exit_code == 0, result.output
        assert botapi.webhook["url"] == "https://safeyard.example.kz/telegram/webhook"
        assert botapi.webhook["secret_token"] == SECRET
        result = invoke(["telegram", "delete-webhook"])
        assert result.exit_code == 0, result.output
        assert botapi.webhook == {}

    def test_poll_handles_an_update_like_the_webhook(
        self, bot_env: None, botapi: BotApiServer
    ) -> None:
        chat = {"id": 990_000_001, "type": "private"}
        botapi.updates.append(
            {
                "update_id": 880_000_001,
                "message": {"message_id": 1, "date": 1, "chat": chat, "text": "/start"},
            }
        )
        try:
            result = invoke(["telegram", "poll", "--once", "--timeout", "0"])
        finally:
            botapi.updates.clear()
        assert result.exit_code == 0, result.output
        assert any("Выберите язык" in t for t in botapi.texts(990_000_001))

    def test_no_token_is_a_clear_refusal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("SAFEYARD_TELEGRAM_TOKEN", raising=False)
        get_settings.cache_clear()
        result = invoke(["telegram", "poll"])
        get_settings.cache_clear()
        assert result.exit_code == 2
        assert "SAFEYARD_TELEGRAM_TOKEN is not set" in result.output
