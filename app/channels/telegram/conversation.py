"""The bot's state machine: one update in, the Bot API calls to make out.

It runs in one database transaction per update (``runtime`` opens it), so the conversation's
state, the update's id (handled once) and a submission are written together or not at all.
Nothing is stored for a chat until it chooses a language: garbage from a stranger costs a
reply, never a row. The conversation lives in ``chat_conversation``, not in memory: a restart
of the service loses nothing, and a conversation keeps the checklist version it started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.channels.telegram import places as bot_places
from app.channels.telegram import questions, store
from app.channels.telegram.store import AnyChat, ChatRow, Conversation
from app.channels.telegram.texts import (
    REMOVE_KEYBOARD,
    Markup,
    _,
    lang_of,
    language_keyboard,
    language_prompt,
)
from app.channels.telegram.updates import CallbackQuery, Message, Update
from app.checklists.loader import LoadedChecklist
from app.context import AppContext
from app.platform.languages import Lang
from app.platform.translations import current_lang
from app.yards.models import Yard

CHECKLIST = "checklist"
REPORT = "report"
# Steps of a checklist conversation.
LOCATION, YARD, QUESTION, DONE = "location", "yard", "question", "done"

# One Bot API call as Telegram takes it in a webhook's response: {"method": ..., **params}.
Call = dict[str, Any]
LAST_SEEN_STEP = timedelta(hours=1)


@dataclass(frozen=True)
class PhotosToStore:
    """A just-stored submission's photos, still on Telegram's side (their file ids)."""

    submission_id: str
    checklist_version: str
    files: dict[str, str]  # item id -> Telegram file id
    chat_id: int
    lang: Lang


@dataclass
class Outcome:
    calls: list[Call] = field(default_factory=list)
    changed: bool = False  # something was written: the update id is recorded with it
    photos: PhotosToStore | None = None
    report: Any = None  # report.ReportToSend: a problem report to send after this transaction

    def say(self, chat_id: int, text: str, **extra: Any) -> None:
        call = {"method": "sendMessage", "chat_id": chat_id, "text": text, "parse_mode": "HTML"}
        self.calls.append({**call, **extra})


@dataclass
class Turn:
    """What one handler needs: the app, the transaction, the time and the outcome so far."""

    app: AppContext
    tx: store.Transaction
    now: datetime
    out: Outcome

    @property
    def session(self) -> Session:
        """An ORM Session on the update's transaction, for the steps that need one (built
        on first use: most updates need only the store's statements on ``tx``)."""
        return self.tx.session


def handle(tx: store.Transaction, *, update: Update, app: AppContext, now: datetime) -> Outcome:
    """The calls answering ``update`` (state written in ``tx``, never committed here)."""
    turn = Turn(app, tx, now, Outcome())
    if update.message is not None:
        _message(turn, update.message)
    elif update.callback_query is not None:
        _callback(turn, update.callback_query)
    return turn.out


def loaded_checklist(turn: Turn, conversation: Conversation) -> LoadedChecklist:
    version = conversation.checklist_version
    loaded = turn.app.checklists.get(version) if version else None
    return loaded or turn.app.checklists.current


def _chat_and_conversation(
    turn: Turn, telegram_id: int
) -> tuple[ChatRow | None, Conversation | None, bool]:
    """The chat, its live conversation, and whether an expired one was just forgotten."""
    chat, conversation = store.chat_and_conversation(turn.tx, telegram_id)
    if chat is None:
        return None, None, False
    # Within the hour it is left alone: one UPDATE less on every button press.
    last = chat.last_seen_at
    if last.tzinfo is None:
        last = last.replace(tzinfo=turn.now.tzinfo)
    if turn.now - last > LAST_SEEN_STEP:
        store.mark_seen(turn.tx, chat, now=turn.now)
    turn.out.changed = True
    if conversation is not None and store.expired(conversation, turn.now):
        store.drop_conversation(turn.tx, conversation)
        return chat, None, True
    return chat, conversation, False


# --- messages -------------------------------------------------------------------------------


def _message(turn: Turn, message: Message) -> None:
    if message.chat.type != "private":
        return  # groups and channels: the bot is a one-to-one conversation
    chat_id = message.chat.id
    text = (message.text or "").strip()
    chat, conversation, forgotten = _chat_and_conversation(turn, chat_id)
    if chat is None or chat.lang is None:
        payload = text.split(maxsplit=1)[1] if text.startswith("/start ") else ""
        turn.out.say(chat_id, language_prompt(), reply_markup=language_keyboard(_clean(payload)))
        return
    lang = lang_of(chat.lang)
    current_lang.set(lang)
    if text.startswith("/start"):
        payload = text.split(maxsplit=1)[1] if " " in text else ""
        _start(turn, chat, conversation, lang, payload=_clean(payload))
    elif text.startswith("/report"):
        from app.channels.telegram import report

        report.start(turn, chat, lang)
    elif text.startswith("/link"):
        from app.channels.telegram import staff

        staff.link(turn, chat, text.split(maxsplit=1)[1] if " " in text else "")
    elif text.startswith("/digest"):
        from app.channels.telegram import staff

        staff.digest(turn, chat)
    elif text.startswith("/lang"):
        turn.out.say(chat_id, language_prompt(), reply_markup=language_keyboard())
    elif text.startswith("/cancel"):
        if conversation is not None:
            store.drop_conversation(turn.tx, conversation)
        turn.out.say(
            chat_id,
            _("Stopped. Send /start to begin again."),
            reply_markup=REMOVE_KEYBOARD,
        )
    elif conversation is not None and conversation.kind == REPORT:
        _report_message(turn, conversation, lang, message, text)
    elif message.location is not None:
        _location(turn, chat, conversation, lang, message)
    elif message.photo:
        from app.channels.telegram import question_photos

        question_photos.on_photo(turn, conversation, lang, message)
    elif forgotten:
        turn.out.say(chat_id, _expired_text(turn, lang))
    else:
        _hint(turn, chat_id, conversation, lang)


def _report_message(
    turn: Turn, conversation: Conversation, lang: Lang, message: Message, text: str
) -> None:
    from app.channels.telegram import report

    if message.location is not None:
        report.on_location(turn, conversation, message, lang)
    elif message.photo:
        report.on_photo(turn, conversation, message, lang)
    elif text and conversation.step == report.TEXT:
        report.on_text(turn, conversation, message.chat.id, text, lang)
    else:
        turn.out.say(message.chat.id, _("Please answer with the buttons under the question."))


def _clean(payload: str) -> str:
    """A deep link's payload we understand (``yard_<id>``), else nothing."""
    if payload.startswith("yard_") and payload[5:].isdigit() and len(payload) <= 16:
        return payload
    return ""


def _expired_text(turn: Turn, lang: Lang) -> str:
    hours = turn.app.settings.telegram_conversation_ttl_hours
    shown = f"{hours:g}"
    return _(
        "Your unfinished checklist was forgotten after %(hours)s hours without a message. "
        "Send /start to begin again.",
        hours=shown,
    )


def _hint(turn: Turn, chat_id: int, conversation: Conversation | None, lang: Lang) -> None:
    step = conversation.step if conversation is not None else None
    if step == LOCATION:
        text = _("Please send your location with the button below (or the paperclip → Location).")
        turn.out.say(chat_id, text, reply_markup=bot_places.location_keyboard_of(lang))
    elif step in (YARD, QUESTION):
        turn.out.say(chat_id, _("Please answer with the buttons under the question."))
    else:
        turn.out.say(chat_id, _("Send /start to check your yard's safety."))


def _start(
    turn: Turn, chat: AnyChat, conversation: Conversation | None, lang: Lang, *, payload: str
) -> None:
    if payload:
        _start_at_yard(turn, chat, lang, int(payload[5:]))
        return
    if (
        conversation is not None
        and conversation.kind == CHECKLIST
        and conversation.step == QUESTION
    ):
        # Resume: the question where the resident stopped, in a new message.
        _send_question(turn, chat.telegram_id, conversation, lang)
        return
    _start_checklist(turn, chat, lang)


def _start_checklist(turn: Turn, chat: AnyChat, lang: Lang) -> None:
    store.start_conversation(
        turn.tx,
        chat=chat,
        kind=CHECKLIST,
        step=LOCATION,
        checklist_version=turn.app.checklists.current.version,
        settings=turn.app.settings,
        now=turn.now,
    )
    turn.out.say(
        chat.telegram_id,
        _(
            "Let's check your yard: about 40 short questions, one at a time. First send your "
            "location (you must be in the yard), so we find the yard.",
        ),
        reply_markup=bot_places.location_keyboard_of(lang),
    )


def _start_at_yard(turn: Turn, chat: AnyChat, lang: Lang, yard_id: int) -> None:
    yard = turn.session.get(Yard, yard_id) if yard_id < 2**31 else None
    if yard is None:
        turn.out.say(chat.telegram_id, _("This yard is not known; send your location instead."))
        _start_checklist(turn, chat, lang)
        return
    conversation = store.start_conversation(
        turn.tx,
        chat=chat,
        kind=CHECKLIST,
        step=QUESTION,
        checklist_version=turn.app.checklists.current.version,
        settings=turn.app.settings,
        now=turn.now,
    )
    conversation.yard_id = yard.id
    turn.out.say(chat.telegram_id, bot_places.yard_intro(turn.session, yard, lang))
    _send_question(turn, chat.telegram_id, conversation, lang)


def _send_question(turn: Turn, chat_id: int, conversation: Conversation, lang: Lang) -> None:
    text, markup = _view(turn, conversation, lang)
    turn.out.say(chat_id, text, reply_markup=markup)


def _view(turn: Turn, conversation: Conversation, lang: Lang) -> tuple[str, Markup]:
    loaded = loaded_checklist(turn, conversation)
    photos = conversation.data.get("photos", {})
    if conversation.position >= len(questions.resident_items(loaded)):
        return questions.summary_view(
            loaded, answers=conversation.answers, photos=photos, lang=lang
        )
    return questions.question_view(
        loaded, conversation.position, answers=conversation.answers, photos=photos, lang=lang
    )


def _location(
    turn: Turn, chat: AnyChat, conversation: Conversation | None, lang: Lang, message: Message
) -> None:
    assert message.location is not None
    if (
        conversation is None
        or conversation.kind != CHECKLIST
        or conversation.step not in (LOCATION, YARD)
    ):
        _start_checklist(turn, chat, lang)
        conversation = store.conversation_of(turn.tx, chat)
        turn.out.calls.clear()  # the location is here already: no need to ask for it
    assert conversation is not None
    found = bot_places.nearby(
        turn.session,
        app=turn.app,
        lat=message.location.latitude,
        lon=message.location.longitude,
        accuracy_m=message.location.horizontal_accuracy,
        lang=lang,
    )
    if found.problem is not None:
        turn.out.say(
            chat.telegram_id, found.problem, reply_markup=bot_places.location_keyboard_of(lang)
        )
        return
    conversation.latitude = message.location.latitude
    conversation.longitude = message.location.longitude
    conversation.step = YARD
    conversation.data = {**conversation.data, "near": [p.yard_id for p in found.yards]}
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    turn.out.say(chat.telegram_id, _("Location received."), reply_markup=REMOVE_KEYBOARD)
    text, markup = bot_places.yard_choice(found, lang)
    turn.out.say(chat.telegram_id, text, reply_markup=markup)


# --- buttons --------------------------------------------------------------------------------


def _callback(turn: Turn, query: CallbackQuery) -> None:
    from app.channels.telegram import buttons

    message = query.message
    data = query.data or ""
    if message is None or not isinstance(message, Message) or message.chat.type != "private":
        answer(turn, query)
        return
    buttons.press(turn, query, message, data)


def answer(turn: Turn, query: CallbackQuery, text: str | None = None) -> None:
    """Every button press is answered (the client shows a spinner until then). The runtime
    sends it first, so the edit it goes with can ride in the webhook's response."""
    call: Call = {"method": "answerCallbackQuery", "callback_query_id": query.id}
    if text is not None:
        call["text"] = text
    turn.out.calls.append(call)


def edit(turn: Turn, message: Message, text: str, markup: Markup | None = None) -> None:
    call: Call = {
        "method": "editMessageText",
        "chat_id": message.chat.id,
        "message_id": message.message_id,
        "text": text,
        "parse_mode": "HTML",
    }
    if markup is not None:
        call["reply_markup"] = markup
    turn.out.calls.append(call)


def choose_language(turn: Turn, query: CallbackQuery, message: Message, value: str) -> None:
    lang_code, _sep, payload = value.partition(":")
    lang = lang_of(lang_code)
    current_lang.set(lang)
    chat = store.find_chat(turn.session, message.chat.id)
    if chat is None:
        chat = store.create_chat(turn.session, telegram_id=message.chat.id, lang=lang, now=turn.now)
    chat.lang = lang
    chat.last_seen_at = turn.now
    turn.out.changed = True
    edit(
        turn,
        message,
        _(
            "Language: %(name)s",
            name={"ru": "Русский", "kk": "Қазақша", "en": "English"}[lang],
        ),
    )
    conversation = store.conversation_of(turn.tx, chat)
    if conversation is not None and store.expired(conversation, turn.now):
        store.drop_conversation(turn.tx, conversation)
        conversation = None
    _start(turn, chat, conversation, lang, payload=_clean(payload))
    answer(turn, query)
