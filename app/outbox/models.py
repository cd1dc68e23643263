"""The outbox: effects outside SafeYard (e-mail, Telegram messages) waiting to be delivered."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow
from app.platform.db_types import JSONColumn


class OutboxMessage(SQLModel, table=True):
    """One effect to deliver after the transaction that decided it has committed.

    Written in the same transaction as the change it follows from, so a rolled-back change
    sends nothing and a committed one is never forgotten; ``dedupe_key`` makes a retried
    change enqueue its effect once. A sender leases a message (``lease_owner`` until
    ``leased_until``) before it sends it, so two senders never send the same one; the
    ``message_id`` (the e-mail's Message-ID) is stored before the first attempt, so a message
    sent again after a crash carries the same one.
    """

    __tablename__ = "outbox_message"
    # The sender's question: messages neither sent nor given up, due now, oldest first.
    __table_args__ = (Index("ix_outbox_message_due", "failed_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64, description="What to deliver, e.g. finding.to_body.")
    payload: dict[str, Any] = Field(sa_column=Column(JSONColumn, nullable=False))
    dedupe_key: str = Field(
        max_length=200, unique=True, description="The same effect enqueued twice is one row."
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Indexed: the sender reads the messages not yet sent, oldest first.
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    attempts: int = Field(
        default=0, sa_column_kwargs={"server_default": "0"}, description="Delivery attempts begun."
    )
    last_error: str | None = Field(default=None, max_length=500)
    # None: due at once; else not before (the back-off after a temporary failure).
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Given up: a refused address, too many attempts, or skipped (a demo address). Never retried.
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=80)
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: str | None = Field(default=None, max_length=200, description="Message-ID.")
