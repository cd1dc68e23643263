"""The inline buttons: language, yard, answer, why, back, skip, send.

Each press names the question's position; a press on any other position than the current
one (an old message, a second tap) changes nothing and is only acknowledged.
"""

from __future__ import annotations

from app.channels.telegram import conversation as conv
from app.channels.telegram import finish, questions, store
from app.channels.telegram.store import Conversation
from app.channels.telegram.texts import _, lang_of
from app.channels.telegram.updates import CallbackQuery, Message
from app.platform.errors import AppError
from app.platform.languages import Lang
from app.platform.translations import current_lang


def press(turn: conv.Turn, query: CallbackQuery, message: Message, data: str) -> None:
    kind, _sep, value = data.partition(":")
    if kind == "l":
        conv.choose_language(turn, query, message, value)
        return
    chat, conversation, forgotten = conv._chat_and_conversation(turn, message.chat.id)
    if kind == "sf":
        # Staff buttons: refused to any chat not linked to a staff account.
        from app.channels.telegram import staff

        staff.press(turn, query, message, chat, value)
        return
    if chat is None or chat.lang is None:
        conv.answer(turn, query)
        return
    lang = lang_of(chat.lang)
    current_lang.set(lang)
    if conversation is not None and conversation.kind == conv.REPORT and kind in ("c", "rp"):
        from app.channels.telegram import report

        if kind == "rp":
            report.on_no_photo(turn, query, conversation, message, lang)
            return
        report.on_section(turn, conversation, message, value, lang)
        conv.answer(turn, query)
        return
    if conversation is None or conversation.kind != conv.CHECKLIST:
        text = (
            conv._expired_text(turn, lang)
            if forgotten
            else _("Send /start to check your yard's safety.")
        )
        conv.edit(turn, message, text)
        conv.answer(turn, query)
        return
    if kind == "y" and conversation.step == conv.YARD:
        _yard(turn, conversation, message, value, lang)
    elif kind in ("a", "w", "b", "s") and conversation.step == conv.QUESTION:
        _question(turn, query, conversation, message, kind, value, lang)
    elif kind == "f":
        _send(turn, query, conversation, message, lang)
        return
    else:
        conv.answer(turn, query, _("This button is no longer active."))
        return
    conv.answer(turn, query)


def _yard(
    turn: conv.Turn, conversation: Conversation, message: Message, value: str, lang: Lang
) -> None:
    if value != "new":
        # Only a yard the nearby search offered: a forged button names no other yard.
        if not value.isdigit() or int(value) not in conversation.data.get("near", []):
            return
        conversation.yard_id = int(value)
    conversation.step = conv.QUESTION
    conversation.position = 0
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    text, markup = conv._view(turn, conversation, lang)
    conv.edit(turn, message, text, markup)


def _question(
    turn: conv.Turn,
    query: CallbackQuery,
    conversation: Conversation,
    message: Message,
    kind: str,
    value: str,
    lang: Lang,
) -> None:
    position_text, _sep, choice = value.partition(":")
    if not position_text.isdigit() or int(position_text) != conversation.position:
        return  # stale: an older message or a second tap
    loaded = conv.loaded_checklist(turn, conversation)
    items = questions.resident_items(loaded)
    position = conversation.position
    if kind == "w":
        if position < len(items):
            turn.out.say(message.chat.id, questions.why_text(loaded, position, lang))
        return
    if kind == "a":
        if position >= len(items):
            return
        item = items[position][1]
        chosen = questions.chosen_value(item, choice)
        if chosen is None:
            return
        conversation.answers = {**conversation.answers, item.id: chosen}
        conversation.position = position + 1
    elif kind == "s":
        conversation.position = min(position + 1, len(items))
    elif kind == "b":
        conversation.position = max(position - 1, 0)
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    text, markup = conv._view(turn, conversation, lang)
    conv.edit(turn, message, text, markup)


def _send(
    turn: conv.Turn,
    query: CallbackQuery,
    conversation: Conversation,
    message: Message,
    lang: Lang,
) -> None:
    if conversation.step == conv.DONE:
        # A second tap: the checklist is stored already, once.
        conv.answer(turn, query, _("Already sent."))
        return
    loaded = conv.loaded_checklist(turn, conversation)
    if conversation.step != conv.QUESTION or conversation.position < len(
        questions.resident_items(loaded)
    ):
        conv.answer(turn, query, _("This button is no longer active."))
        return
    try:
        sent = finish.send(
            turn.session, conversation=conversation, loaded=loaded, app=turn.app, lang=lang
        )
    except AppError as exc:
        _fail(turn, message.chat.id, lang, exc)
        conv.answer(turn, query)
        return
    conv.edit(turn, message, _("✅ The checklist is sent. Thank you!"))
    _finished(turn, message.chat.id, conversation, sent, lang)
    conv.answer(turn, query)


def _fail(turn: conv.Turn, chat_id: int, lang: Lang, exc: AppError) -> None:
    turn.out.say(chat_id, _("The checklist could not be sent: %(reason)s", reason=exc.message))


def _finished(
    turn: conv.Turn, chat_id: int, conversation: Conversation, sent: finish.Sent, lang: Lang
) -> None:
    loaded = conv.loaded_checklist(turn, conversation)
    conversation.step = conv.DONE
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    turn.out.say(
        chat_id,
        finish.result_text(sent.result, base_url=turn.app.settings.public_base_url, lang=lang),
        link_preview_options={"is_disabled": True},
    )
    photos = conversation.data.get("photos", {})
    if sent.created and photos:
        turn.out.photos = conv.PhotosToStore(
            str(conversation.submission_id), loaded.version, dict(photos), chat_id, lang
        )
