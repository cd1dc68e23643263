"""Staff in the chat: a one-time code from the web profile links the chat to the account
(``app.chats.service.redeem_link_code``). Nothing staff-only is reachable without that link;
the staff buttons (mark a fix reported, request a re-audit) are to come, with the linked
user's permissions (``app.findings.permissions``)."""

from __future__ import annotations

from app.channels.telegram import conversation as conv
from app.channels.telegram.texts import _
from app.chats.models import Chat


def link(turn: conv.Turn, chat: Chat, code: str) -> None:
    """A staff member's one-time code from their web profile links this chat to the account
    (staff actions in the bot need that link; a resident's chat has none)."""
    from app.chats import service as chats

    user = chats.redeem_link_code(turn.session, chat=chat, code=code.strip().upper())
    if user is None:
        text = _("This code is unknown, used or expired. Get a new one on your profile page.")
    else:
        text = _("This chat is now linked to your SafeYard account.")
    turn.out.say(chat.telegram_id, text)
