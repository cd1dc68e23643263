"""Staff digests to Telegram as well as by e-mail: for each digest of the latest slot (the
e-mail one, just enqueued by ``schedule.enqueue_digests``), the same figures to the chat
linked to the inspector's account, or to the chats linked to the accounts of the body's
members (a cooperative's, an official's). One per account and slot
(``telegram:digest:{user}:{slot}``); an empty digest is recorded and not sent, as by e-mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from app.bodies.models import BodyMember
from app.chats.models import Chat
from app.notifications.compose import DIGEST_BODY, DIGEST_INSPECTOR
from app.notifications.telegram import DIGEST
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.platform.db import table_of

_CHAT = table_of(Chat)
_MEMBER = table_of(BodyMember)
_OUTBOX = table_of(OutboxMessage)


def enqueue_chat_digests(session: Session, *, period: str) -> int:
    """Enqueue the Telegram copies of the slot ``period``'s digests (``2026-12-07T09``);
    returns how many were enqueued."""
    digests = session.execute(
        select(_OUTBOX.c.kind, _OUTBOX.c.payload).where(
            _OUTBOX.c.kind.in_([DIGEST_BODY, DIGEST_INSPECTOR]),
            _OUTBOX.c.dedupe_key.like(f"digest:%:{period}"),
        )
    ).all()
    if not digests:
        return 0
    chats = {
        row.user_id: row
        for row in session.execute(
            select(_CHAT.c.id, _CHAT.c.user_id, _CHAT.c.lang).where(
                _CHAT.c.user_id.is_not(None), _CHAT.c.blocked_at.is_(None)
            )
        )
    }
    if not chats:
        return 0
    members: dict[str, list[int]] = {}
    for body_id, user_id in session.execute(select(_MEMBER.c.body_id, _MEMBER.c.user_id)):
        members.setdefault(body_id, []).append(user_id)
    made = 0
    for kind, payload in digests:
        if kind == DIGEST_INSPECTOR:
            users = [payload["user_id"]]
        else:
            users = members.get(payload["body_id"], [])
        for user_id in users:
            chat = chats.get(user_id)
            if chat is None:
                continue
            made += outbox.enqueue(
                session,
                kind=DIGEST,
                payload={**payload, "user_id": user_id, "chat_id": chat.id, "lang": chat.lang},
                dedupe_key=f"telegram:digest:{user_id}:{period}",
            )
    return made


def slot_period(slot: datetime) -> str:
    """The slot's part of a digest key, as ``schedule.enqueue_digests`` writes it."""
    return slot.strftime("%Y-%m-%dT%H")
