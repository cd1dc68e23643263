"""Staff in the chat: a one-time code from the web profile links the chat to the account
(``app.chats.service.redeem_link_code``); a linked chat then gets its digest on demand
(``/digest``, the scheduled digest's figures and text: ``app.notifications.on_demand``) with a
button per finding to report a fix or ask for a re-audit.

Nothing staff-only is reachable without that link: every press looks the account up from the
chat again, rebuilds its permissions (``app.findings.permissions``) and goes through the web's
own actions (``app.findings.actions``: the same checks and history rows). A button names its
finding and the moment it was shown: a forged one acts only where the account may act anyway,
and a second tap finds the action already done after that moment, so it acts once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from app.accounts.models import User
from app.accounts.scope import Scope
from app.channels.telegram import conversation as conv
from app.channels.telegram.store import AnyChat
from app.channels.telegram.texts import _, button, inline, lang_of
from app.channels.telegram.updates import CallbackQuery, Message
from app.chats import service as chats
from app.chats.models import Chat
from app.findings import actions
from app.findings.models import Finding, FindingState
from app.findings.permissions import Action, Actor, allowed
from app.notifications import on_demand
from app.platform.errors import AppError, NotFound
from app.platform.translations import current_lang

# At most this many findings get buttons per /digest (the rest are on the web pages).
MAX_BUTTONS = 10
_CODES = {"f": Action.report_fix, "r": Action.request_reaudit}
_NO_PREVIEW = {"is_disabled": True}


def link(turn: conv.Turn, row: AnyChat, code: str) -> None:
    """A staff member's one-time code from their web profile links this chat to the account
    (staff actions in the bot need that link; a resident's chat has none)."""
    chat = _orm(turn, row)
    user = chats.redeem_link_code(turn.session, chat=chat, code=code.strip().upper())
    if user is None:
        text = _("This code is unknown, used or expired. Get a new one on your profile page.")
    else:
        text = _("This chat is now linked to your SafeYard account.")
        text += "\n" + _("Send /digest for the findings that need you.")
    turn.out.say(chat.telegram_id, text)


def _not_linked() -> str:
    return _(
        "This is for SafeYard staff whose account is linked to this chat: send /link and the "
        "code from your profile page."
    )


def _orm(turn: conv.Turn, chat: AnyChat) -> Chat:
    """The chat as the ORM object the chats service takes (an update reads a plain row)."""
    if isinstance(chat, Chat):
        return chat
    found = turn.session.get(Chat, chat.id)
    assert found is not None  # read in this transaction, locked
    return found


def _actor(turn: conv.Turn, chat: AnyChat | None) -> tuple[User, Actor] | None:
    """The linked account and its actor, or None (no chat, no link, an inactive account)."""
    user = chats.linked_user(turn.session, chat=_orm(turn, chat)) if chat is not None else None
    if user is None:
        return None
    return user, Actor.of(turn.session, user=user, scope=Scope.of(turn.session, user))


def digest(turn: conv.Turn, chat: AnyChat) -> None:
    """/digest: the linked account's digest now, then its findings it may act on, each with
    its buttons."""
    linked = _actor(turn, chat)
    if linked is None:
        turn.out.say(chat.telegram_id, _not_linked())
        return
    user, actor = linked
    app = turn.app
    found = on_demand.digests_for(
        turn.session,
        chat=_orm(turn, chat),
        user=user,
        settings=app.settings,
        registry=app.checklists,
        now=turn.now,
    )
    if not found:
        turn.out.say(chat.telegram_id, _("Nothing needs you now: no new or overdue findings."))
        return
    for one in found:
        turn.out.say(chat.telegram_id, escape(one.text), link_preview_options=_NO_PREVIEW)
    stamp = int(turn.now.timestamp())
    actionable: list[tuple[int, list[Action]]] = []
    for finding_id in dict.fromkeys(i for one in found for i in one.finding_ids):
        finding = turn.session.get(Finding, finding_id)
        may = allowed(actor, finding) if finding is not None else frozenset()
        chosen = [a for a in _CODES.values() if a in may]
        if chosen:
            actionable.append((finding_id, chosen))
    for finding_id, chosen in actionable[:MAX_BUTTONS]:
        code = {a: c for c, a in _CODES.items()}
        labels = {
            Action.report_fix: _("✅ Fix reported"),
            Action.request_reaudit: _("🔁 Ask for a re-audit"),
        }
        row = [button(labels[a], f"sf:{code[a]}:{finding_id}:{stamp}") for a in chosen]
        turn.out.say(
            chat.telegram_id,
            escape(_line(turn, finding_id)),
            reply_markup=inline([row]),
            link_preview_options=_NO_PREVIEW,
        )
    if len(actionable) > MAX_BUTTONS:
        more = len(actionable) - MAX_BUTTONS
        turn.out.say(chat.telegram_id, _("Other findings (%(n)s): on the web pages.", n=more))


def _line(turn: conv.Turn, finding_id: int) -> str:
    return on_demand.finding_line(
        turn.session,
        settings=turn.app.settings,
        registry=turn.app.checklists,
        now=turn.now,
        finding_id=finding_id,
    )


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive times; they are UTC.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _done_since(finding: Finding, action: Action, shown: datetime) -> bool:
    """Whether ``action`` was done to ``finding`` after its button was shown (a second tap)."""
    if action == Action.report_fix:
        at = _aware(finding.fix_reported_at)
        return finding.state == FindingState.fix_reported and at is not None and at >= shown
    at = _aware(finding.reaudit_requested_at)
    return at is not None and at >= shown


def press(
    turn: conv.Turn, query: CallbackQuery, message: Message, chat: AnyChat | None, value: str
) -> None:
    """A staff button (``sf:<f|r>:<finding id>:<shown at>``), from any chat: refused unless
    the chat is linked and the account may take that action on that finding now."""
    if chat is not None and chat.lang is not None:
        current_lang.set(lang_of(chat.lang))
    linked = _actor(turn, chat)
    if linked is None:
        conv.answer(turn, query, _not_linked())
        return
    actor = linked[1]
    code, _sep, rest = value.partition(":")
    id_text, _sep, stamp_text = rest.partition(":")
    action = _CODES.get(code)
    if (
        action is None
        or not id_text.isdigit()
        or int(id_text) >= 2**31
        or not stamp_text.isdigit()
        or int(stamp_text) > turn.now.timestamp()
    ):
        conv.answer(turn, query, _("This button is no longer active."))
        return
    try:
        finding = actions.get_finding(turn.session, actor=actor, finding_id=int(id_text))
    except NotFound:
        conv.answer(turn, query, _("This finding is not one of yours."))
        return
    shown = datetime.fromtimestamp(int(stamp_text), UTC)
    if _done_since(finding, action, shown):
        conv.answer(turn, query, _("Already done."))
        return
    if action not in allowed(actor, finding):
        conv.answer(turn, query, _("This can no longer be done to this finding."))
        return
    line = _line(turn, finding.id or 0)
    try:
        if action == Action.report_fix:
            actions.report_fix(
                turn.session,
                actor=actor,
                finding_id=int(id_text),
                fixed_on=turn.now.date(),
                note=None,
                now=turn.now,
            )
            done = _("✅ Fix reported. An inspector will check the yard.")
        else:
            marked = actions.request_reaudit(
                turn.session, actor=actor, yard_id=finding.yard_id, now=turn.now
            )
            done = _("🔁 Re-audit requested for this yard (open findings marked: %(n)s).", n=marked)
    except AppError:
        conv.answer(turn, query, _("This can no longer be done to this finding."))
        return
    conv.edit(turn, message, f"{escape(line)}\n\n{done}")
    conv.answer(turn, query)
