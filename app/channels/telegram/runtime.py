"""Updates in, Bot API calls out: the part of the bot that speaks to Telegram (aiogram).

aiogram gives the Bot API's types and methods and its HTTP client (with a custom API server
for a local ``telegram-bot-api`` or the tests' server); the conversation's state is our own,
in the database (``conversation``), rather than aiogram's FSM storage, because it must be
written in the same transaction as the update's id and the submission.

In webhook mode the last call of an update rides in the webhook's response body, as the Bot
API allows: Telegram makes it, and the service saves one HTTP round trip per update.
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
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Update
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from app.channels.telegram import conversation, store
from app.channels.telegram.ratelimit import ChatBuckets
from app.channels.telegram.texts import _
from app.context import AppContext
from app.intake import photos as intake_photos
from app.platform.db import utcnow
from app.platform.translations import DEFAULT_LANG, current_lang

log = logging.getLogger("safeyard")


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
        self._bot: Bot | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def bot(self) -> Bot:
        loop = asyncio.get_running_loop()
        if self._bot is None or self._loop is not loop:
            self._bot = make_bot(self.token, self.app.settings.telegram_api_url)
            self._loop = loop
        return self._bot

    async def close(self) -> None:
        """Close the bot's aiohttp session (from the loop that made it; one made on another
        loop is gone with that loop)."""
        bot, self._bot = self._bot, None
        if bot is not None and self._loop is asyncio.get_running_loop():
            await bot.session.close()

    def parse(self, body: bytes | dict[str, Any]) -> Update | None:
        """The update, or None for anything that is not one (it is then ignored)."""
        try:
            raw = json.loads(body) if isinstance(body, bytes) else body
            if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
                return None
            return Update.model_validate(raw)
        except (ValueError, ValidationError, RecursionError):
            return None

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
            with self.app.db.write_session() as session:
                if store.seen(session, update.update_id):
                    return None
                now = utcnow()
                outcome = conversation.handle(session, update=update, app=self.app, now=now)
                if outcome.changed:
                    store.mark_handled(session, update.update_id, now=now)
            return outcome
        except IntegrityError:
            # The same update, handled a moment ago by another request: nothing was written.
            return None
        finally:
            current_lang.reset(token)

    def _slow_down(self, update: Update, chat_id: int) -> conversation.Outcome:
        out = conversation.Outcome()
        text = _("Too many messages at once. Wait a minute and try again.")
        if update.callback_query is not None:
            out.calls.append(
                AnswerCallbackQuery(callback_query_id=update.callback_query.id, text=text)
            )
        else:
            out.calls.append(SendMessage(chat_id=chat_id, text=text))
        return out

    async def process(
        self, body: bytes | dict[str, Any], *, webhook: bool
    ) -> dict[str, Any] | None:
        """Handle one update and make its calls; in webhook mode return the last call as the
        webhook's response body (None: answer an empty 200)."""
        update = self.parse(body)
        if update is None:
            return None
        outcome = await run_in_threadpool(self.handle, update)
        if outcome is None:
            return None
        calls = list(outcome.calls)
        later = outcome.photos is not None or outcome.report is not None
        reply = calls.pop() if webhook and calls and not later else None
        bot = self.bot()
        for call in calls:
            await self._call(bot, call)
        if outcome.photos is not None:
            await self._store_photos(bot, outcome.photos)
        if outcome.report is not None:
            await self._send_report(bot, outcome.report)
        if reply is None:
            return None
        return {
            "method": reply.__api_method__,
            **reply.model_dump(mode="json", exclude_unset=True, exclude_none=True),
        }

    async def _call(self, bot: Bot, call: Any) -> Any:
        try:
            return await bot(call)
        except TelegramAPIError as exc:
            # A reply that cannot be made (the chat blocked the bot, a message too old to
            # edit) loses that reply, never the update's stored state.
            log.warning("telegram %s failed: %s", call.__api_method__, exc.message)
            return None

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
                    return bot_report.send(session, app=self.app, report=report, photo=photo)
            finally:
                current_lang.reset(token)

        text = await run_in_threadpool(store_it)
        await self._call(bot, SendMessage(chat_id=report.telegram_id, text=text, parse_mode="HTML"))

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
        await self._call(bot, SendMessage(chat_id=photos.chat_id, text=text))

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
