"""Writing effects outside SafeYard to the outbox, and handing them to one sender at a time.

``enqueue`` runs inside the transaction of the change the effect follows from (the intake's,
a finding action's); a sender ``claim``s one due message (a lease: on PostgreSQL the row is
picked with ``FOR UPDATE SKIP LOCKED``, and on both databases the lease is taken by an UPDATE
that only succeeds on a row nobody holds), commits, delivers it, then ``mark_sent`` /
``retry_later`` / ``give_up``. Delivery is at least once: a sender killed between sending and
marking leaves a lease that runs out, and the message goes again with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from app.outbox.models import OutboxMessage
from app.platform.db import insert_once_statement, table_of, utcnow

_OUTBOX = table_of(OutboxMessage)
ERROR_MAX = 500


def enqueue(session: Session, *, kind: str, payload: dict[str, Any], dedupe_key: str) -> bool:
    """Write one message in the caller's transaction; False if ``dedupe_key`` is already
    enqueued (a retried change: the first message stands, whether sent or not)."""
    connection = session.connection()
    values = {
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "created_at": utcnow(),
        "attempts": 0,
    }
    stmt = insert_once_statement(_OUTBOX, "dedupe_key", connection.dialect.name)
    return connection.execute(stmt, values).first() is not None


def pending(session: Session, *, limit: int = 100) -> list[OutboxMessage]:
    """Messages neither sent nor given up, oldest first (whether due now or backing off)."""
    rows = session.execute(
        select(_OUTBOX)
        .where(_OUTBOX.c.sent_at.is_(None), _OUTBOX.c.failed_at.is_(None))
        .order_by(_OUTBOX.c.id)
        .limit(limit)
    ).mappings()
    return [OutboxMessage.model_construct(**row) for row in rows]


def keys_like(session: Session, *, pattern: str) -> set[str]:
    """The dedupe keys matching a LIKE ``pattern`` (what a scheduled pass already made)."""
    rows = session.execute(select(_OUTBOX.c.dedupe_key).where(_OUTBOX.c.dedupe_key.like(pattern)))
    return set(rows.scalars())


def _due(now: datetime) -> Any:
    c = _OUTBOX.c
    return and_(
        c.sent_at.is_(None),
        c.failed_at.is_(None),
        or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
        or_(c.leased_until.is_(None), c.leased_until < now),
    )


def claim(
    session: Session,
    *,
    owner: str,
    lease: timedelta,
    message_id_for: Callable[[int, str], str],
    kinds: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Lease the oldest due message to ``owner`` until ``now + lease`` and give it its
    Message-ID (kept from an earlier attempt); None when nothing is due. The caller commits
    before sending, so the lease and the Message-ID are stored before any byte goes out."""
    now = now or utcnow()
    c = _OUTBOX.c
    query = select(c.id, c.dedupe_key, c.message_id).where(_due(now))
    if kinds is not None:
        query = query.where(c.kind.in_(kinds))
    # PostgreSQL: a row another sender is claiming is skipped, not waited for. SQLite renders
    # no FOR UPDATE; its writers take turns (BEGIN IMMEDIATE), so the guarded UPDATE decides.
    query = query.order_by(c.id).limit(1).with_for_update(skip_locked=True)
    row = session.execute(query).first()
    if row is None:
        return None
    taken = session.execute(
        update(_OUTBOX)
        .where(c.id == row.id, _due(now))
        .values(
            lease_owner=owner,
            leased_until=now + lease,
            attempts=c.attempts + 1,
            message_id=row.message_id or message_id_for(row.id, row.dedupe_key),
        )
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return None
    found = session.execute(select(_OUTBOX).where(c.id == row.id)).mappings().one()
    return OutboxMessage.model_construct(**found)


def mark_sent(session: Session, *, message_id: int, at: datetime | None = None) -> bool:
    """Record that message ``message_id`` (the row's id) was delivered; False if it was
    already marked (another sender)."""
    done = session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == message_id, _OUTBOX.c.sent_at.is_(None))
        .values(sent_at=at or utcnow(), lease_owner=None, leased_until=None, last_error=None)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def retry_later(session: Session, *, message_id: int, error: str, at: datetime) -> None:
    """A temporary failure: the message is due again at ``at`` (the lease is released)."""
    session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == message_id, _OUTBOX.c.sent_at.is_(None))
        .values(
            next_attempt_at=at, last_error=error[:ERROR_MAX], lease_owner=None, leased_until=None
        )
    )


def give_up(session: Session, *, message_id: int, error: str, at: datetime | None = None) -> None:
    """Never try again: a refused address, too many attempts, or a recipient that must not
    receive mail (``error`` says which)."""
    session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == message_id, _OUTBOX.c.sent_at.is_(None))
        .values(
            failed_at=at or utcnow(),
            last_error=error[:ERROR_MAX],
            lease_owner=None,
            leased_until=None,
        )
    )
