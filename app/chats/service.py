"""The chats of the bot: who they are (a Telegram chat id, nothing more), what they follow, and
the link of a staff account to one chat (a one-time code from the web profile).

Services are keyword-only and never commit. A link code is stored only as its SHA-256: the
code is looked up by its hash (no comparison of secrets in Python, so nothing to time), used
once, refused after ``LINK_CODE_TTL``; issuing a new one voids the user's earlier unused ones.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.models import User
from app.audit import service as audit
from app.chats.models import Chat, ChatConversation, ChatLinkCode, ChatSubscription, ChatUpdate
from app.platform.db import insert_once_statement, table_of, utcnow

_CHAT = table_of(Chat)
_CODE = table_of(ChatLinkCode)
_SUB = table_of(ChatSubscription)
_CONVERSATION = table_of(ChatConversation)
_UPDATE = table_of(ChatUpdate)

LINK_CODE_TTL = timedelta(minutes=15)
# Ten characters of an alphabet without look-alikes (0/O, 1/I/L): ~50 bits, typed by hand in
# a chat within 15 minutes, one try per message under the bot's per-chat rate limit.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
# A chat with nothing in progress, nothing followed and no staff link is forgotten after this.
CHAT_IDLE_DAYS = 30
# Redelivered updates come within minutes; a day is plenty to answer them once.
UPDATE_KEEP = timedelta(days=1)


def get_or_create_chat(session: Session, *, telegram_id: int, now: datetime | None = None) -> Chat:
    """The chat of ``telegram_id`` (made on first contact), its ``last_seen_at`` set to now.
    Two first updates at once make one row (insert-once on the unique chat id)."""
    now = now or utcnow()
    connection = session.connection()
    statement = insert_once_statement(_CHAT, "telegram_id", connection.dialect.name)
    connection.execute(
        statement, {"telegram_id": telegram_id, "created_at": now, "last_seen_at": now}
    )
    connection.execute(
        update(_CHAT).where(_CHAT.c.telegram_id == telegram_id).values(last_seen_at=now)
    )
    chat = session.execute(select(Chat).where(Chat.telegram_id == telegram_id)).scalar_one()  # type: ignore[arg-type]
    session.refresh(chat)
    return chat


def subscribe(session: Session, *, chat_id: int, finding_id: int) -> bool:
    """The chat follows the finding; False if it already did."""
    connection = session.connection()
    if connection.execute(
        select(_SUB.c.id).where(_SUB.c.chat_id == chat_id, _SUB.c.finding_id == finding_id)
    ).first():
        return False
    # A savepoint: two subscriptions at once leave one row and no failed transaction.
    savepoint = session.begin_nested()
    try:
        connection.execute(
            insert(_SUB).values(chat_id=chat_id, finding_id=finding_id, created_at=utcnow())
        )
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def subscribers(session: Session, *, finding_ids: list[int]) -> list[tuple[int, int, str | None]]:
    """(finding id, chat id, chat language) of the chats following these findings that have
    not blocked the bot."""
    if not finding_ids:
        return []
    rows = session.execute(
        select(_SUB.c.finding_id, _CHAT.c.id, _CHAT.c.lang)
        .join(_CHAT, _CHAT.c.id == _SUB.c.chat_id)
        .where(_SUB.c.finding_id.in_(finding_ids), _CHAT.c.blocked_at.is_(None))
        .order_by(_SUB.c.finding_id, _CHAT.c.id)
    )
    return [(r[0], r[1], r[2]) for r in rows]


def followed(session: Session, *, chat_id: int) -> list[int]:
    """The findings a chat follows, newest subscription first."""
    rows = session.execute(
        select(_SUB.c.finding_id).where(_SUB.c.chat_id == chat_id).order_by(_SUB.c.id.desc())
    )
    return list(rows.scalars())


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def issue_link_code(session: Session, *, user: User, now: datetime | None = None) -> str:
    """A new one-time code for ``user`` to send to the bot (valid ``LINK_CODE_TTL``); the
    user's earlier unused codes stop working. Only its hash is stored."""
    assert user.id is not None
    now = now or utcnow()
    session.execute(delete(_CODE).where(_CODE.c.user_id == user.id, _CODE.c.used_at.is_(None)))
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    session.execute(
        insert(_CODE).values(
            user_id=user.id, code_hash=_hash(code), created_at=now, expires_at=now + LINK_CODE_TTL
        )
    )
    return code


def redeem_link_code(
    session: Session, *, chat: Chat, code: str, now: datetime | None = None
) -> User | None:
    """Link ``chat`` to the account whose unused, unexpired code this is; None otherwise
    (unknown, used, expired, an inactive account). The code is spent either way once found.
    An account is linked to one chat: a link elsewhere is moved here."""
    now = now or utcnow()
    if not code or len(code.strip()) > 64:
        return None
    # Spent by the UPDATE itself: two chats sending one code at once, only one gets a row.
    spent = session.execute(
        update(_CODE)
        .where(_CODE.c.code_hash == _hash(code), _CODE.c.used_at.is_(None))
        .values(used_at=now)
        .returning(_CODE.c.user_id, _CODE.c.expires_at)
    ).first()
    if spent is None:
        return None
    expires_at = spent.expires_at
    if expires_at.tzinfo is None:  # SQLite gives naive UTC back through Core
        expires_at = expires_at.replace(tzinfo=now.tzinfo)
    if expires_at <= now:
        return None
    user = session.get(User, spent.user_id)
    if user is None or not user.active:
        return None
    session.execute(
        update(_CHAT)
        .where(_CHAT.c.user_id == user.id, _CHAT.c.id != chat.id)
        .values(user_id=None, linked_at=None)
    )
    session.execute(
        update(_CHAT).where(_CHAT.c.id == chat.id).values(user_id=user.id, linked_at=now)
    )
    session.refresh(chat)
    audit.record(
        session,
        user=user,
        action=audit.AuditAction.telegram_linked,
        target=audit.user_target(user.id),
    )
    return user


def linked_chat(session: Session, *, user: User) -> Chat | None:
    """The chat linked to ``user``, if any."""
    return session.execute(select(Chat).where(Chat.user_id == user.id)).scalar_one_or_none()  # type: ignore[arg-type]


def linked_user(session: Session, *, chat: Chat) -> User | None:
    """The active staff account linked to ``chat``; None for a resident's chat (or an account
    since deactivated: nothing staff-only for it)."""
    if chat.user_id is None:
        return None
    user = session.get(User, chat.user_id)
    return user if user is not None and user.active else None


def unlink(session: Session, *, user: User) -> bool:
    """Remove the link of ``user``'s account to a chat, and their unused codes; False if
    there was no link."""
    session.execute(delete(_CODE).where(_CODE.c.user_id == user.id, _CODE.c.used_at.is_(None)))
    done = session.execute(
        update(_CHAT).where(_CHAT.c.user_id == user.id).values(user_id=None, linked_at=None)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def mark_blocked(session: Session, *, chat_id: int, now: datetime | None = None) -> None:
    """The user blocked the bot (Telegram said 403): nothing more is sent to this chat."""
    session.execute(
        update(_CHAT)
        .where(_CHAT.c.id == chat_id, _CHAT.c.blocked_at.is_(None))
        .values(blocked_at=now or utcnow())
    )


def prune(session: Session, *, now: datetime | None = None, idle_days: int = CHAT_IDLE_DAYS) -> int:
    """Forget what is no longer needed: chats with no conversation, no subscription and no
    staff link not seen for ``idle_days`` (their Telegram id with them), handled update ids
    older than a day, and spent or expired link codes. Returns the chats deleted."""
    now = now or utcnow()
    idle = and_(
        _CHAT.c.last_seen_at < now - timedelta(days=idle_days),
        _CHAT.c.user_id.is_(None),
        ~exists().where(_CONVERSATION.c.chat_id == _CHAT.c.id),
        ~exists().where(_SUB.c.chat_id == _CHAT.c.id),
    )
    chats = session.execute(delete(_CHAT).where(idle))
    session.execute(delete(_UPDATE).where(_UPDATE.c.received_at < now - UPDATE_KEEP))
    session.execute(
        delete(_CODE).where(or_(_CODE.c.used_at.is_not(None), _CODE.c.expires_at < now))
    )
    return int(chats.rowcount or 0)  # type: ignore[attr-defined]
