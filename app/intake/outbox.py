"""Writing effects outside SafeYard to the outbox, and reading them back to deliver.

``enqueue`` runs inside the transaction of the change the effect follows from (the intake's);
a sender delivers ``pending`` messages after that commit and marks each ``mark_sent``.
Delivery is at least once: a sender that fails between sending and marking sends again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from app.intake.models import OutboxMessage
from app.platform.db import insert_once_statement, table_of, utcnow

_OUTBOX = table_of(OutboxMessage)


def enqueue(session: Session, *, kind: str, payload: dict[str, Any], dedupe_key: str) -> bool:
    """Write one message in the caller's transaction; False if ``dedupe_key`` is already
    enqueued (a retried change: the first message stands, whether sent or not)."""
    connection = session.connection()
    values = {"kind": kind, "payload": payload, "dedupe_key": dedupe_key, "created_at": utcnow()}
    stmt = insert_once_statement(_OUTBOX, "dedupe_key", connection.dialect.name)
    return connection.execute(stmt, values).first() is not None


def pending(session: Session, *, limit: int = 100) -> list[OutboxMessage]:
    """Messages not yet sent, oldest first."""
    rows = session.execute(
        select(_OUTBOX).where(_OUTBOX.c.sent_at.is_(None)).order_by(_OUTBOX.c.id).limit(limit)
    ).mappings()
    return [OutboxMessage.model_construct(**row) for row in rows]


def mark_sent(session: Session, *, message_id: int, at: datetime | None = None) -> bool:
    """Record that a message was delivered; False if it was already marked (another sender)."""
    done = session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == message_id, _OUTBOX.c.sent_at.is_(None))
        .values(sent_at=at or utcnow())
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]
