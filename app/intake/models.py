"""The outbox: effects outside SafeYard (e-mail, Telegram messages) waiting to be delivered."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow
from app.platform.db_types import JSONColumn


class OutboxMessage(SQLModel, table=True):
    """One effect to deliver after the transaction that decided it has committed.

    Written in the same transaction as the change it follows from, so a rolled-back change
    sends nothing and a committed one is never forgotten; ``dedupe_key`` makes a retried
    change enqueue its effect once.
    """

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64, description="What to deliver, e.g. telegram.reply.")
    payload: dict[str, Any] = Field(sa_column=Column(JSONColumn, nullable=False))
    dedupe_key: str = Field(
        max_length=200, unique=True, description="The same effect enqueued twice is one row."
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Indexed: the sender reads the messages not yet sent, oldest first.
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
