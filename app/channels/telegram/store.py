"""The bot's rows: the chat, its one conversation, the updates already handled.

Every update runs one transaction of a few Core statements built once (the ORM's identity
map and unit of work cost more than the queries themselves): the update id claimed, the chat
and its conversation read in one query, the conversation written back if it changed. The
conversation is a plain ``Conversation`` row, not an ORM object; its handlers replace its
``answers`` and ``data`` dicts rather than change them in place, and ``save_conversations``
writes what changed before the transaction commits.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from app.chats.models import Chat, ChatConversation, ChatUpdate
from app.platform.config import Settings
from app.platform.db import Database, table_of

_UPDATE = table_of(ChatUpdate)
_CHAT = table_of(Chat)
_CONVERSATION = table_of(ChatConversation)
_CHAT_COLUMNS = tuple(
    _CHAT.c[name] for name in ("id", "telegram_id", "lang", "user_id", "last_seen_at")
)
# The chat and its conversation in one query. FOR UPDATE OF the chat (PostgreSQL): two taps
# of one chat are handled one after the other.
_CHAT_AND_CONVERSATION = (
    select(*_CHAT_COLUMNS, *_CONVERSATION.c)
    .outerjoin(_CONVERSATION, _CONVERSATION.c.chat_id == _CHAT.c.id)
    .where(_CHAT.c.telegram_id == bindparam("telegram_id"))
    .with_for_update(of=_CHAT)
)
_SEEN_NOW = update(_CHAT).where(_CHAT.c.id == bindparam("row_id"))
_CONVERSATION_OF = select(*_CONVERSATION.c).where(_CONVERSATION.c.chat_id == bindparam("chat"))
_INSERT_CONVERSATION = insert(_CONVERSATION).returning(_CONVERSATION.c.id)
_DELETE_CONVERSATION = delete(_CONVERSATION).where(_CONVERSATION.c.chat_id == bindparam("chat"))
# The SET clause follows the keys of the parameters: only what changed is written.
_UPDATE_CONVERSATION = update(_CONVERSATION).where(_CONVERSATION.c.id == bindparam("row_id"))
_FORGET_UPDATE = delete(_UPDATE).where(_UPDATE.c.update_id == bindparam("update_id"))
# The conversations a transaction read or started, by chat id (``session.info``).
_LOADED = "safeyard.telegram.conversations"


class Transaction:
    """One update's write transaction on a plain Connection: the ORM Session (its
    construction, events and unit of work cost more than an update's few statements) is
    built only for the steps that need one (a language choice, the intake, the chats
    service), on the same connection and transaction."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.info: dict[str, Any] = {_LOADED: {}}
        self._session: Session | None = None

    def connection(self) -> Connection:
        return self._connection

    @property
    def session(self) -> Session:
        if self._session is None:
            # Joins the connection's transaction: it never commits it (``write`` does).
            session = Session(bind=self._connection, expire_on_commit=False)
            # The same conversations whichever of the two a step is handed.
            session.info[_LOADED] = self.info.setdefault(_LOADED, {})
            self._session = session
        return self._session

    def flush(self) -> None:
        """What the ORM steps changed, written before the commit."""
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


@contextlib.contextmanager
def write(db: Database) -> Iterator[Transaction]:
    """One update's write transaction, in its turn at the write gate (as
    ``Database.write_session``): committed on success, rolled back on error."""
    with db.write_connection() as connection:
        tx = Transaction(connection)
        try:
            yield tx
            tx.flush()
        finally:
            tx.close()


# Where the store's functions run their statements: an update's Transaction, or a Session.
Tx = Transaction | Session


@dataclass(eq=False)
class ChatRow:
    """What an update needs of its ``chat`` row (read without the ORM)."""

    id: int
    telegram_id: int
    lang: str | None
    user_id: int | None
    last_seen_at: datetime


# A chat as the handlers see it: the row an update read, or the ORM object a language
# choice made or read (both have the fields the handlers use).
AnyChat = Chat | ChatRow


@dataclass(eq=False)
class Conversation:
    """A ``chat_conversation`` row (the same fields as ``ChatConversation``)."""

    id: int
    chat_id: int
    kind: str
    submission_id: uuid.UUID
    step: str
    position: int
    checklist_version: str | None
    yard_id: int | None
    latitude: float | None
    longitude: float | None
    answers: dict[str, Any]
    data: dict[str, Any]
    started_at: datetime
    updated_at: datetime
    expires_at: datetime
    # The values as read or last written; what differs is written by save_conversations.
    stored: dict[str, Any] = field(default_factory=dict, repr=False)
    dropped: bool = field(default=False, repr=False)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _COLUMNS}


_COLUMNS = tuple(f.name for f in fields(Conversation) if f.name not in ("stored", "dropped"))
assert tuple(_CONVERSATION.c.keys()) == _COLUMNS, "Conversation and chat_conversation differ"


def _kept(session: Tx, values: dict[str, Any]) -> Conversation:
    conversation = Conversation(**values)
    conversation.stored = dict(values)
    session.info.setdefault(_LOADED, {})[conversation.chat_id] = conversation
    return conversation


@cache
def _claim_statement(dialect: str) -> Any:
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_(_UPDATE)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(_UPDATE.c.update_id)
    )


def claim_update(session: Tx, update_id: int, *, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was handled before
    (Telegram redelivers what got no 200). A concurrent redelivery waits for this
    transaction (PostgreSQL) or its turn (SQLite) and then finds the row."""
    connection = session.connection()
    statement = _claim_statement(connection.dialect.name)
    claimed = connection.execute(statement, {"update_id": update_id, "received_at": now})
    return claimed.first() is not None


def unclaim_update(session: Tx, update_id: int) -> None:
    """An update that changed nothing leaves no row (a stranger's garbage costs no row)."""
    session.connection().execute(_FORGET_UPDATE, {"update_id": update_id})


def chat_and_conversation(
    session: Tx, telegram_id: int
) -> tuple[ChatRow | None, Conversation | None]:
    """The chat (locked for this transaction) and its conversation, if any."""
    connection = session.connection()
    row = connection.execute(_CHAT_AND_CONVERSATION, {"telegram_id": telegram_id}).first()
    if row is None:
        return None, None
    chat = ChatRow(*row[: len(_CHAT_COLUMNS)])
    rest = row[len(_CHAT_COLUMNS) :]
    if rest[0] is None:
        return chat, None
    return chat, _kept(session, dict(zip(_COLUMNS, rest, strict=True)))


def mark_seen(session: Tx, chat: ChatRow, *, now: datetime) -> None:
    """The chat's ``last_seen_at`` moved to now."""
    session.connection().execute(_SEEN_NOW, {"row_id": chat.id, "last_seen_at": now})
    chat.last_seen_at = now


def save_conversations(session: Tx) -> None:
    """Write what the transaction's handlers changed in its conversations (call it before
    the commit)."""
    connection = session.connection()
    for conversation in session.info.pop(_LOADED, {}).values():
        if conversation.dropped:
            continue
        values = conversation.values()
        changed = {k: v for k, v in values.items() if conversation.stored.get(k) != v}
        if changed:
            connection.execute(_UPDATE_CONVERSATION, {"row_id": conversation.id, **changed})
            conversation.stored = values


def find_chat(session: Session, telegram_id: int) -> Chat | None:
    # FOR UPDATE (PostgreSQL): two taps of one chat are handled one after the other.
    return session.exec(  # type: ignore[call-overload]
        select(Chat).where(col(Chat.telegram_id) == telegram_id).with_for_update()
    ).scalar_one_or_none()


def create_chat(session: Session, *, telegram_id: int, lang: str, now: datetime) -> Chat:
    chat = Chat(telegram_id=telegram_id, lang=lang, created_at=now, last_seen_at=now)
    session.add(chat)
    session.flush()
    return chat


def conversation_of(session: Tx, chat: AnyChat) -> Conversation | None:
    assert chat.id is not None
    kept = session.info.get(_LOADED, {}).get(chat.id)
    if kept is not None:
        return None if kept.dropped else kept
    row = session.connection().execute(_CONVERSATION_OF, {"chat": chat.id}).first()
    return _kept(session, dict(zip(_COLUMNS, row, strict=True))) if row is not None else None


def drop_conversation(session: Tx, conversation: Conversation) -> None:
    """The conversation is over (sent, cancelled, expired): its row is deleted."""
    session.connection().execute(_DELETE_CONVERSATION, {"chat": conversation.chat_id})
    conversation.dropped = True


def start_conversation(
    session: Tx,
    *,
    chat: AnyChat,
    kind: str,
    step: str,
    checklist_version: str | None,
    settings: Settings,
    now: datetime,
) -> Conversation:
    """A new conversation (and a new submission id), replacing any earlier one."""
    assert chat.id is not None
    earlier = session.info.get(_LOADED, {}).get(chat.id)
    if earlier is not None:
        earlier.dropped = True
    connection = session.connection()
    connection.execute(_DELETE_CONVERSATION, {"chat": chat.id})
    values: dict[str, Any] = {
        "chat_id": chat.id,
        "kind": kind,
        "submission_id": uuid.uuid4(),
        "step": step,
        "position": 0,
        "checklist_version": checklist_version,
        "yard_id": None,
        "latitude": None,
        "longitude": None,
        "answers": {},
        "data": {},
        "started_at": now,
        "updated_at": now,
        "expires_at": expiry(settings, now),
    }
    row_id = connection.execute(_INSERT_CONVERSATION, values).scalar_one()
    return _kept(session, {"id": row_id, **values})


def expiry(settings: Settings, now: datetime) -> datetime:
    return now + timedelta(hours=settings.telegram_conversation_ttl_hours)


def touch(conversation: Conversation, *, settings: Settings, now: datetime) -> None:
    """The conversation moved on: it lives another full TTL from now."""
    conversation.updated_at = now
    conversation.expires_at = expiry(settings, now)


def expired(conversation: Conversation, now: datetime) -> bool:
    expires = conversation.expires_at
    # SQLite hands back naive times; they are UTC.
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=now.tzinfo)
    return expires <= now


def forget_old(session: Session, *, now: datetime, keep_updates: timedelta) -> tuple[int, int]:
    """Delete expired conversations and update ids older than ``keep_updates`` (Telegram
    stops redelivering after a day). Returns how many of each."""
    conversations = session.execute(
        delete(ChatConversation).where(col(ChatConversation.expires_at) <= now)
    )
    updates = session.execute(
        delete(ChatUpdate).where(col(ChatUpdate.received_at) < now - keep_updates)
    )
    return conversations.rowcount or 0, updates.rowcount or 0  # type: ignore[attr-defined]
