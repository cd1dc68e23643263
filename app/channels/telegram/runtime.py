"""Updates in, Bot API calls out: the part of the bot that speaks to Telegram (aiogram).

aiogram gives the Bot API's types and methods and its HTTP client (with a custom API server
for a local ``telegram-bot-api`` or the tests' server); the conversation's state is our own,
in the database (``conversation``), rather than aiogram's FSM storage, because it must be
written in the same transaction as the update's id and the submission.

In webhook mode one call of an update rides in the webhook's response body, as the Bot API
allows: Telegram makes it, and the service saves one HTTP round trip per update. A button
press needs two (the answer that stops the client's spinner, and the edited question): the
small answer is posted, first, and the edit rides in the response. Calls are plain dicts,
posted as JSON over kept-alive connections (``botapi``): aiogram's own call path builds a
pydantic method, posts it as multipart form data and parses the result into its types, and
even a plain aiohttp post costs three times the whole exchange, for no use here
(docs/PERFORMANCE.md, the Telegram section). aiogram's Bot stays for file downloads.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
import weakref
from dataclasses import dataclass
from typing import Any, BinaryIO

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from app.channels.telegram import conversation, store, updates
from app.channels.telegram.botapi import BotApiError, BotApiPoster
from app.channels.telegram.ratelimit import ChatBuckets
from app.channels.telegram.texts import _
from app.channels.telegram.updates import Update
from app.context import AppContext
from app.intake import photos as intake_photos
from app.platform.db import utcnow
from app.platform.translations import DEFAULT_LANG, current_lang

log = logging.getLogger("safeyard")
# How long one Bot API call may take (aiogram's default for its own calls).
CALL_TIMEOUT_S = 60.0


@dataclass
class _PhotoFile:
    filename: str | None
    file: BinaryIO


def make_bot(token: str, api_url: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))


def _chat_of(update: Update) -> int | None:
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return None


class TelegramChannel:
    """The bot of one service process: its rate limits and its aiogram Bot (one per event
    loop: aiohttp's session belongs to the loop that made it)."""

    def __init__(self, app: AppContext) -> None:
        settings = app.settings
        assert settings.telegram_token
        self.app = app
        self.token = settings.telegram_token
        self.buckets = ChatBuckets(settings.telegram_rate_limit_per_minute)
        self._driver_integrity_error: type[Exception] = (
            app.db.write_engine.dialect.loaded_dbapi.IntegrityError
        )
        self._bot: Bot | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._poster: BotApiPoster | None = None
        self._poster_loop: asyncio.AbstractEventLoop | None = None

    def bot(self) -> Bot:
        loop = asyncio.get_running_loop()
        if self._bot is None or self._loop is not loop:
            self._bot = make_bot(self.token, self.app.settings.telegram_api_url)
            self._loop = loop
        return self._bot

    def poster(self) -> BotApiPoster:
        """The calls' connections (one set per event loop, as the bot's session)."""
        loop = asyncio.get_running_loop()
        if self._poster is None or self._poster_loop is not loop:
            api = TelegramAPIServer.from_base(self.app.settings.telegram_api_url)
            url = api.api_url(token=self.token, method="{method}")
            self._poster = BotApiPoster(url, timeout_s=CALL_TIMEOUT_S)
            self._poster_loop = loop
        return self._poster

    async def close(self) -> None:
        """Close the bot's aiohttp session and the calls' connections (from the loop that
        made them; those made on another loop are gone with that loop)."""
        bot, self._bot = self._bot, None
        if bot is not None and self._loop is asyncio.get_running_loop():
            await bot.session.close()
        poster, self._poster = self._poster, None
        if poster is not None and self._poster_loop is asyncio.get_running_loop():
            await poster.close()

    def parse(self, body: bytes | dict[str, Any]) -> Update | None:
        """The update, or None for anything that is not one (it is then ignored)."""
        try:
            raw = json.loads(body) if isinstance(body, bytes) else body
        except (ValueError, RecursionError):
            return None
        return updates.parse(raw)

    def handle(self, update: Update) -> conversation.Outcome | None:
        """Run the conversation for one update in one write transaction (blocking: call it
        in a thread). None: a redelivered update, handled before."""
        chat_id = _chat_of(update)
        if chat_id is not None:
            allowed, warn = self.buckets.take(chat_id)
            if not allowed:
                return self._slow_down(update, chat_id) if warn else conversation.Outcome()
        token = current_lang.set(DEFAULT_LANG)
        try:
            with store.write(self.app.db) as tx:
                now = utcnow()
                if not store.claim_update(tx, update.update_id, now=now):
                    return None
                outcome = conversation.handle(tx, update=update, app=self.app, now=now)
                if outcome.changed:
                    store.save_conversations(tx)
                else:
                    store.unclaim_update(tx, update.update_id)
            return outcome
        except (IntegrityError, self._driver_integrity_error):
            # The same update, handled a moment ago by another request: nothing was written.
            # (The usual statements run as driver SQL: their errors are the driver's own.)
            return None
        finally:
            current_lang.reset(token)

    def _slow_down(self, update: Update, chat_id: int) -> conversation.Outcome:
        out = conversation.Outcome()
        text = _("Too many messages at once. Wait a minute and try again.")
        if update.callback_query is not None:
            out.calls.append(
                {
                    "method": "answerCallbackQuery",
                    "callback_query_id": update.callback_query.id,
                    "text": text,
                }
            )
        else:
            out.calls.append({"method": "sendMessage", "chat_id": chat_id, "text": text})
        return out

    async def process(
        self, body: bytes | dict[str, Any], *, webhook: bool
    ) -> conversation.Call | None:
        """Handle one update and make its calls; in webhook mode return one of them as the
        webhook's response body (None: answer an empty 200)."""
        update = self.parse(body)
        if update is None:
            return None
        outcome = await run_in_threadpool(self.handle, update)
        if outcome is None:
            return None
        # The answer to a button press first (it stops the spinner); the order of the rest
        # is the order the resident reads them in, the last one after all the others.
        calls = sorted(outcome.calls, key=lambda call: call["method"] != "answerCallbackQuery")
        later = outcome.photos is not None or outcome.report is not None
        reply = calls.pop() if webhook and calls and not later else None
        for call in calls:
            await self._call(call)
        if outcome.photos is not None:
            await self._store_photos(self.bot(), outcome.photos)
        if outcome.report is not None:
            await self._send_report(self.bot(), outcome.report)
        return reply

    async def _call(self, call: conversation.Call) -> Any:
        """Make one call: its JSON posted; the call's result, or None when Telegram
        refused it or gave no answer."""
        params = dict(call)
        method = params.pop("method")
        try:
            answer = await self.poster().call(method, params)
        except (TimeoutError, BotApiError, OSError, ValueError) as exc:
            answer = {"ok": False, "description": repr(exc)}
        if not isinstance(answer, dict) or not answer.get("ok"):
            # A reply that cannot be made (the chat blocked the bot, a message too old to
            # edit) loses that reply, never the update's stored state.
            description = answer.get("description") if isinstance(answer, dict) else answer
            log.warning("telegram %s failed: %s", method, description)
            return None
        return answer.get("result")

    async def _download(self, bot: Bot, file_id: str) -> bytes | None:
        try:
            found = await bot.get_file(file_id)
            if found.file_path is None:
                return None
            data = await bot.download_file(found.file_path)
        except (TelegramAPIError, OSError) as exc:
            log.warning("telegram photo not fetched: %s", exc)
            return None
        return data.read() if data is not None else None

    async def _send_report(self, bot: Bot, report: Any) -> None:
        """A problem report, once its photo is fetched: stored in a transaction of its own."""
        from app.channels.telegram import report as bot_report

        photo = await self._download(bot, report.photo_file_id) if report.photo_file_id else None

        def store_it() -> str:
            token = current_lang.set(report.lang)
            try:
                with self.app.db.write_session() as session:
                    text = bot_report.send(session, app=self.app, report=report, photo=photo)
                    store.save_conversations(session)
                    return text
            finally:
                current_lang.reset(token)

        text = await run_in_threadpool(store_it)
        await self._call(
            {
                "method": "sendMessage",
                "chat_id": report.telegram_id,
                "text": text,
                "parse_mode": "HTML",
            },
        )

    async def _store_photos(self, bot: Bot, photos: conversation.PhotosToStore) -> None:
        """A sent checklist's photos, fetched from Telegram and stored by the intake's photo
        path (re-encoded, EXIF stripped, pending moderation), one by one."""
        files: dict[str, intake_photos.PhotoFile] = {}
        for item_id, file_id in photos.files.items():
            data = await self._download(bot, file_id)
            if data is not None:
                files[item_id] = _PhotoFile("telegram.jpg", io.BytesIO(data))
        refused = await run_in_threadpool(
            intake_photos.receive_photos,
            self.app.db,
            settings=self.app.settings,
            registry=self.app.checklists,
            secret=self.app.secret_key,
            submission_id=uuid.UUID(photos.submission_id),
            checklist_version=photos.checklist_version,
            photos=files,
        )
        saved = len(files) - len(refused)
        lost = len(photos.files) - saved
        token = current_lang.set(photos.lang)
        try:
            text = self._photos_text(saved, lost)
        finally:
            current_lang.reset(token)
        await self._call({"method": "sendMessage", "chat_id": photos.chat_id, "text": text})

    @staticmethod
    def _photos_text(saved: int, lost: int) -> str:
        text = _(
            "Photos saved: %(saved)s. They are shown after a moderator checks them.",
            saved=saved,
        )
        if lost:
            text += "\n" + _("Photos not saved: %(lost)s.", lost=lost)
        return text


_CHANNELS: weakref.WeakKeyDictionary[AppContext, TelegramChannel] = weakref.WeakKeyDictionary()


def channel_of(app: AppContext) -> TelegramChannel | None:
    """The process's bot, or None when SAFEYARD_TELEGRAM_TOKEN is unset."""
    if not app.settings.telegram_token:
        return None
    channel = _CHANNELS.get(app)
    if channel is None:
        channel = _CHANNELS[app] = TelegramChannel(app)
    return channel


async def close_channel(app: AppContext) -> None:
    """The process's bot is done with (the app's shutdown): its HTTP session closed."""
    channel = _CHANNELS.pop(app, None)
    if channel is not None:
        await channel.close()
