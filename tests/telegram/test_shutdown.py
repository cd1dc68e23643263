"""The app's shutdown closes the bot's HTTP connections, and a service
that never made a bot imports no aiogram to shut down."""

from __future__ import annotations

import subprocess
import sys

from app.platform.config import Settings
from tests.telegram.botapi_server import BotApiServer
from tests.telegram.conftest import Resident, make_client


class TestShutdown:
    def test_the_bots_session_is_closed_with_the_app(
        self, bot_settings: Settings, botapi: BotApiServer
    ) -> None:
        from app.channels.telegram import runtime

        with make_client(bot_settings) as client:
            resident = Resident(client, botapi)
            resident.text("/start")
            resident.tap("l:ru")  # two calls: the first is posted on a kept connection
            context = client.app.state.context  # type: ignore[attr-defined]
            channel = runtime.channel_of(context)
            assert channel is not None and channel._poster is not None
            kept = list(channel._poster._idle)
            assert kept and not any(writer.is_closing() for _reader, writer in kept)
        assert all(writer.is_closing() for _reader, writer in kept)
        assert context not in runtime._CHANNELS

    def test_an_app_without_a_bot_does_not_import_aiogram(self) -> None:
        code = (
            "import sys\n"
            "import app.main\n"
            "assert 'aiogram' not in sys.modules, 'aiogram imported by app.main'\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
