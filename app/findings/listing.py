"""Reading findings for the pages of those who fix them: a cooperative's yards, a body's
queue. Read-only; the order is the order a person works in."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_
from sqlmodel import Session, col, select

from app.findings.models import ACTIVE_STATES, OPEN_STATES, Finding, FindingState

# "Verified recently": a cooperative still sees a verified finding this long, so the check
# that closed it is visible beside the ones still open.
RECENT_VERIFIED_DAYS = 90
# A page lists at most this many findings (a body's queue is worked from the top).
LIST_LIMIT = 500

# The order of states on a cooperative's page: what it owes first.
STATE_ORDER = (
    FindingState.open,
    FindingState.sent,
    FindingState.in_progress,
    FindingState.fix_reported,
    FindingState.verified,
)


def is_overdue(finding: Finding, *, now: datetime) -> bool:
    """The body still owes a fix and its deadline has passed."""
    return (
        finding.state in ACTIVE_STATES
        and finding.deadline_at is not None
        and finding.deadline_at < now
    )


def _by_deadline() -> tuple[Any, ...]:
    # Overdue first, then the nearest deadline; findings without one last (SQLite and
    # PostgreSQL put NULLs at different ends, so say it).
    return (
        case((col(Finding.deadline_at).is_(None), 1), else_=0),
        col(Finding.deadline_at),
        col(Finding.id),
    )


def for_yards(
    session: Session, *, yard_ids: Iterable[int], now: datetime, limit: int = LIST_LIMIT
) -> list[Finding]:
    """The findings of these yards a keeper acts on or wants to see: every open state, and
    those verified in the last ``RECENT_VERIFIED_DAYS`` days; by deadline."""
    ids = sorted(set(yard_ids))
    if not ids:
        return []
    since = now - timedelta(days=RECENT_VERIFIED_DAYS)
    query = (
        select(Finding)
        .where(
            col(Finding.yard_id).in_(ids),
            or_(
                col(Finding.state).in_([s.value for s in OPEN_STATES]),
                and_(
                    col(Finding.state) == FindingState.verified.value,
                    col(Finding.verified_at) >= since,
                ),
            ),
        )
        .order_by(*_by_deadline())
        .limit(limit)
    )
    return list(session.exec(query))


def for_bodies(
    session: Session,
    *,
    body_ids: Collection[str],
    states: Collection[FindingState] = OPEN_STATES,
    limit: int = LIST_LIMIT,
) -> list[Finding]:
    """The confirmed findings routed to these bodies in ``states``, overdue first, then by
    deadline. Unconfirmed findings (one resident's observation) are not a body's work yet."""
    if not body_ids or not states:
        return []
    query = (
        select(Finding)
        .where(
            col(Finding.body_id).in_(sorted(body_ids)),
            col(Finding.state).in_([s.value for s in states]),
            col(Finding.confirmed).is_(True),
        )
        .order_by(*_by_deadline())
        .limit(limit)
    )
    return list(session.exec(query))
