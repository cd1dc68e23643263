"""The tables of the chat channel: no names or phone numbers, only what a conversation or a
subscription needs (the messenger's chat id is deleted with the chat row)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow
from app.platform.db_types import JSONColumn


class Chat(SQLModel, table=True):
    """One private chat with the bot. Deleted (with its conversation, subscriptions and link)
    when it is no longer needed: see docs/SECURITY.md."""

    __tablename__ = "chat"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(
        sa_column=Column(BigInteger, nullable=False, unique=True),
        description="Telegram's chat id (up to 52 bits).",
    )
    lang: str | None = Field(default=None, max_length=8, description="ru, kk or en, once chosen.")
    # A staff account linked with a one-time code from its web profile; None for residents.
    user_id: int | None = Field(
        default=None, foreign_key="app_user.id", ondelete="SET NULL", unique=True
    )
    linked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # The user blocked the bot (Telegram answered 403): nothing more is sent.
    blocked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChatConversation(SQLModel, table=True):
    """The conversation in progress in a chat (one at a time), kept in the database so that it
    survives a restart of the service; it keeps the checklist version it started with."""

    __tablename__ = "chat_conversation"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chat.id", ondelete="CASCADE", unique=True)
    kind: str = Field(max_length=16, description="checklist or report.")
    # Chosen when the conversation starts: the intake stores it once however often it is sent.
    submission_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    step: str = Field(max_length=32, description="Where the conversation is, e.g. question.")
    position: int = Field(default=0, description="The index of the current question.")
    checklist_version: str | None = Field(default=None, max_length=16)
    yard_id: int | None = Field(default=None, foreign_key="yard.id", ondelete="SET NULL")
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    answers: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONColumn, nullable=False, server_default="{}")
    )
    # Everything else the conversation needs (photos received, the report's text...).
    data: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONColumn, nullable=False, server_default="{}")
    )
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ChatUpdate(SQLModel, table=True):
    """An update already handled: Telegram redelivers an update it got no 200 for."""

    __tablename__ = "chat_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ChatSubscription(SQLModel, table=True):
    """A chat that follows a finding (the problem it reported): told when its state changes."""

    __tablename__ = "chat_subscription"
    __table_args__ = (UniqueConstraint("chat_id", "finding_id", name="uq_chat_subscription"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chat.id", ondelete="CASCADE")
    finding_id: int = Field(foreign_key="finding.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChatLinkCode(SQLModel, table=True):
    """A one-time code a staff member gets on their web profile and sends to the bot."""

    __tablename__ = "chat_link_code"
    __table_args__ = (Index("ix_chat_link_code_user", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True, description="SHA-256 of the code.")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
