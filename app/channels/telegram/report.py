""" "Report a problem": a section of the checklist, the resident's own words, the location
and an optional photo, stored by the intake (``app.intake.reports.submit_report``) as a
finding of kind ``report`` for the district inspector; the chat then follows it
(``app.chats.service.subscribe``) and is told when its state changes.

The report's id (``client_id``) is the conversation's submission id, chosen when the report
starts: a second "send" returns the stored report, never a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlmodel import Session

from app.channels.telegram import conversation as conv
from app.channels.telegram import places as bot_places
from app.channels.telegram import store
from app.channels.telegram.store import AnyChat, Conversation
from app.channels.telegram.texts import REMOVE_KEYBOARD, _, button, inline, location_keyboard
from app.channels.telegram.updates import CallbackQuery, Message
from app.chats import service as chats
from app.context import AppContext
from app.findings import reports as findings_reports
from app.intake import reports as intake_reports
from app.platform.errors import AppError
from app.platform.languages import Lang

SECTION, TEXT, LOCATION, PHOTO, SENDING = (
    "r_section",
    "r_text",
    "r_location",
    "r_photo",
    "r_sending",
)


@dataclass(frozen=True)
class ReportToSend:
    telegram_id: int
    photo_file_id: str | None
    lang: Lang


def start(turn: conv.Turn, chat: AnyChat, lang: Lang) -> None:
    store.start_conversation(
        turn.tx,
        chat=chat,
        kind=conv.REPORT,
        step=SECTION,
        checklist_version=turn.app.checklists.current.version,
        settings=turn.app.settings,
        now=turn.now,
    )
    sections = turn.app.checklists.current.checklist.sections
    rows = [[button(s.title.get(lang), f"c:{s.id}")] for s in sections]
    turn.out.say(
        chat.telegram_id, _("Report a problem. What is it about?"), reply_markup=inline(rows)
    )


def on_section(
    turn: conv.Turn, conversation: Conversation, message: Message, value: str, lang: Lang
) -> None:
    section = next(
        (s for s in turn.app.checklists.current.checklist.sections if s.id == value), None
    )
    if conversation.step != SECTION or section is None:
        return
    conversation.data = {**conversation.data, "section": section.id}
    conversation.step = TEXT
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    conv.edit(
        turn,
        message,
        f"<b>{escape(section.title.get(lang))}</b>\n\n"
        + _(
            "Describe the problem in your own words (at least %(min)s characters). Do not "
            "write names or phone numbers.",
            min=findings_reports.TEXT_MIN,
        ),
    )


def on_text(
    turn: conv.Turn, conversation: Conversation, chat_id: int, text: str, lang: Lang
) -> None:
    if len(text) < findings_reports.TEXT_MIN or len(text) > findings_reports.TEXT_MAX:
        turn.out.say(
            chat_id,
            _(
                "Please write between %(min)s and %(max)s characters.",
                min=findings_reports.TEXT_MIN,
                max=findings_reports.TEXT_MAX,
            ),
        )
        return
    conversation.data = {**conversation.data, "text": text}
    conversation.step = LOCATION
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    turn.out.say(
        chat_id,
        _("Now send the location of the problem."),
        reply_markup=location_keyboard(lang),
    )


def on_location(turn: conv.Turn, conversation: Conversation, message: Message, lang: Lang) -> None:
    assert message.location is not None
    chat_id = message.chat.id
    if conversation.step != LOCATION:
        turn.out.say(chat_id, _("Please answer with the buttons under the question."))
        return
    lat, lon = message.location.latitude, message.location.longitude
    found = bot_places.nearby(
        turn.session, app=turn.app, lat=lat, lon=lon, accuracy_m=None, lang=lang
    )
    if found.problem is not None:
        turn.out.say(chat_id, found.problem, reply_markup=location_keyboard(lang))
        return
    conversation.latitude, conversation.longitude = lat, lon
    conversation.step = PHOTO
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    turn.out.say(chat_id, _("Location received."), reply_markup=REMOVE_KEYBOARD)
    turn.out.say(
        chat_id,
        _("Send a photo of the problem, or send the report without one."),
        reply_markup=inline([[button(_("Send without a photo"), "rp")]]),
    )


def on_photo(turn: conv.Turn, conversation: Conversation, message: Message, lang: Lang) -> None:
    if conversation.step != PHOTO or not message.photo:
        turn.out.say(message.chat.id, _("Please answer with the buttons under the question."))
        return
    _ready(turn, conversation, message.chat.id, message.photo[-1].file_id, lang)


def on_no_photo(
    turn: conv.Turn,
    query: CallbackQuery,
    conversation: Conversation,
    message: Message,
    lang: Lang,
) -> None:
    if conversation.step != PHOTO:
        conv.answer(turn, query, _("This button is no longer active."))
        return
    conv.edit(turn, message, _("Sending the report…"))
    _ready(turn, conversation, message.chat.id, None, lang)
    conv.answer(turn, query)


def _ready(
    turn: conv.Turn, conversation: Conversation, chat_id: int, file_id: str | None, lang: Lang
) -> None:
    # Sent by the runtime after this transaction: a photo must be fetched from Telegram first.
    conversation.step = SENDING
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    turn.out.report = ReportToSend(chat_id, file_id, lang)


def send(session: Session, *, app: AppContext, report: ReportToSend, photo: bytes | None) -> str:
    """Store the report (once) and subscribe the chat to it; the reply to send."""
    chat = store.find_chat(session, report.telegram_id)
    conversation = store.conversation_of(session, chat) if chat is not None else None
    if chat is None or conversation is None or conversation.kind != conv.REPORT:
        return _("Send /start to check your yard's safety.")
    data = conversation.data
    assert (
        chat.id is not None
        and conversation.latitude is not None
        and conversation.longitude is not None
    )
    try:
        stored = intake_reports.submit_report(
            session,
            client_id=str(conversation.submission_id),
            channel="telegram",
            section_id=str(data.get("section", "")),
            text=str(data.get("text", "")),
            latitude=conversation.latitude,
            longitude=conversation.longitude,
            photo=photo,
            registry=app.checklists,
            areas=app.areas,
            settings=app.settings,
        )
    except AppError as exc:
        conversation.step = PHOTO
        return _("The report could not be sent: %(reason)s", reason=exc.message)
    chats.subscribe(session, chat_id=chat.id, finding_id=stored.finding_id)
    store.drop_conversation(session, conversation)
    return _(
        "Thank you: report no. %(number)s is with the district inspector. It becomes public once "
        "the inspector accepts it; this chat is told when its state changes.",
        number=stored.finding_id,
    )
