"""The bot's rows: the chat, its one conversation, the updates already handled."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.chats.models import Chat, ChatConversation, ChatUpdate
from app.platform.config import Settings


def seen(session: Session, update_id: int) -> bool:
    """Whether this update was handled before (Telegram redelivers what got no 200)."""
    return session.get(ChatUpdate, update_id) is not None


def mark_handled(session: Session, update_id: int, *, now: datetime) -> None:
    """Record the update in the caller's transaction: a concurrent redelivery then fails on
    the primary key and its whole transaction, replies included, is undone."""
    session.add(ChatUpdate(update_id=update_id, received_at=now))
    session.flush()


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


def conversation_of(session: Session, chat: Chat) -> ChatConversation | None:
    return session.exec(  # type: ignore[call-overload]
        select(ChatConversation).where(col(ChatConversation.chat_id) == chat.id)
    ).scalar_one_or_none()


def start_conversation(
    session: Session,
    *,
    chat: Chat,
    kind: str,
    step: str,
    checklist_version: str | None,
    settings: Settings,
    now: datetime,
) -> ChatConversation:
    """A new conversation (and a new submission id), replacing any earlier one."""
    session.execute(delete(ChatConversation).where(col(ChatConversation.chat_id) == chat.id))
    assert chat.id is not None
    conversation = ChatConversation(
        chat_id=chat.id,
        kind=kind,
        step=step,
        checklist_version=checklist_version,
        started_at=now,
        updated_at=now,
        expires_at=expiry(settings, now),
    )
    session.add(conversation)
    session.flush()
    return conversation


def expiry(settings: Settings, now: datetime) -> datetime:
    return now + timedelta(hours=settings.telegram_conversation_ttl_hours)


def touch(conversation: ChatConversation, *, settings: Settings, now: datetime) -> None:
    """The conversation moved on: it lives another full TTL from now."""
    conversation.updated_at = now
    conversation.expires_at = expiry(settings, now)


def expired(conversation: ChatConversation, now: datetime) -> bool:
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
