"""The bot's rows: the chat, its one conversation, the updates already handled.

Every update runs one transaction on the driver's own connection, and its usual statements
(the update id claimed, the chat and its conversation read in one query, the conversation
written back if it changed) as the driver's SQL (``driver_sql``): SQLAlchemy's execution
layer cost several times the database's own work. The rarer statements are Core statements
built once, on a Connection made on that same transaction when first needed. The
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
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.pool import PoolProxiedConnection
from sqlmodel import Session, col

from app.channels.telegram import driver_sql
from app.chats.models import Chat, ChatConversation, ChatUpdate
from app.platform.config import Settings
from app.platform.db import Database, table_of

_UPDATE = table_of(ChatUpdate)
_CHAT = table_of(Chat)
_CONVERSATION = table_of(ChatConversation)
_CONVERSATION_OF = select(*_CONVERSATION.c).where(_CONVERSATION.c.chat_id == bindparam("chat"))
_INSERT_CONVERSATION = insert(_CONVERSATION).returning(_CONVERSATION.c.id)
_DELETE_CONVERSATION = delete(_CONVERSATION).where(_CONVERSATION.c.chat_id == bindparam("chat"))
# The SET clause follows the keys of the parameters: only what changed is written.
_UPDATE_CONVERSATION = update(_CONVERSATION).where(_CONVERSATION.c.id == bindparam("row_id"))
# The conversations a transaction read or started, by chat id (``session.info``).
_LOADED = "safeyard.telegram.conversations"


class Transaction:
    """One update's write transaction on the driver's connection (``dbapi``, run by
    ``driver_sql``). A SQLAlchemy Connection on it, and an ORM Session on that, are made only
    for the steps that need them (a new conversation, a language choice, the intake, the
    chats service), in the same transaction."""

    def __init__(self, db: Database, dbapi: PoolProxiedConnection) -> None:
        self._db = db
        self.dbapi = dbapi
        self.sql = driver_sql.for_dialect(db.write_engine.dialect.name)
        self.info: dict[str, Any] = {_LOADED: {}}
        self._connection: Connection | None = None
        self._session: Session | None = None

    def execute(self, sql: str, params: dict[str, Any]) -> Any:
        """One driver statement; its first row, or None."""
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchone() if cursor.description is not None else None
        finally:
            cursor.close()

    def connection(self) -> Connection:
        if self._connection is None:
            # Not the engine's events: its "begin" listener would begin the transaction
            # that write_dbapi has begun already; begin() sends nothing (the driver is in it).
            connection = Connection(self._db.write_engine, connection=self.dbapi, _has_events=False)
            connection.begin()
            self._connection = connection
        return self._connection

    @property
    def session(self) -> Session:
        if self._session is None:
            # Joins the connection's transaction: it never commits it (``write`` does).
            session = Session(bind=self.connection(), expire_on_commit=False)
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
    with db.write_dbapi() as dbapi:
        tx = Transaction(db, dbapi)
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
assert driver_sql.CONVERSATION_COLUMNS == _COLUMNS, "driver_sql and chat_conversation differ"
assert tuple(f.name for f in fields(ChatRow)) == driver_sql.CHAT_COLUMNS


def _kept(session: Tx, values: dict[str, Any]) -> Conversation:
    conversation = Conversation(**values)
    conversation.stored = dict(values)
    session.info.setdefault(_LOADED, {})[conversation.chat_id] = conversation
    return conversation


def claim_update(tx: Transaction, update_id: int, *, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was handled before
    (Telegram redelivers what got no 200). A concurrent redelivery waits for this
    transaction (PostgreSQL) or its turn (SQLite) and then finds the row."""
    params = {"update_id": update_id, "received_at": tx.sql.time_in(now)}
    return tx.execute(tx.sql.claim, params) is not None


def unclaim_update(tx: Transaction, update_id: int) -> None:
    """An update that changed nothing leaves no row (a stranger's garbage costs no row)."""
    tx.execute(tx.sql.unclaim, {"update_id": update_id})


_CHAT_WIDTH = len(driver_sql.CHAT_COLUMNS)


def chat_and_conversation(
    tx: Transaction, telegram_id: int
) -> tuple[ChatRow | None, Conversation | None]:
    """The chat (locked for this transaction) and its conversation, if any."""
    row = tx.execute(tx.sql.chat_and_conversation, {"telegram_id": telegram_id})
    if row is None:
        return None, None
    chat = ChatRow(**tx.sql.row_out(driver_sql.CHAT_COLUMNS, row[:_CHAT_WIDTH]))
    rest = row[_CHAT_WIDTH:]
    if rest[0] is None:
        return chat, None
    return chat, _kept(tx, tx.sql.row_out(_COLUMNS, rest))


def mark_seen(tx: Transaction, chat: ChatRow, *, now: datetime) -> None:
    """The chat's ``last_seen_at`` moved to now."""
    tx.execute(tx.sql.seen_now, {"row_id": chat.id, "last_seen_at": tx.sql.time_in(now)})
    chat.last_seen_at = now


def save_conversations(session: Tx) -> None:
    """Write what the transaction's handlers changed in its conversations (call it before
    the commit)."""
    for conversation in session.info.pop(_LOADED, {}).values():
        if conversation.dropped:
            continue
        values = conversation.values()
        changed = {k: v for k, v in values.items() if conversation.stored.get(k) != v}
        if not changed:
            continue
        if isinstance(session, Transaction):
            sql = session.sql.update_conversation(changed)
            session.execute(sql, {"row_id": conversation.id, **session.sql.values_in(changed)})
        else:
            statement = _UPDATE_CONVERSATION
            session.connection().execute(statement, {"row_id": conversation.id, **changed})
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
