"""Each yard's findings still to act on, counted in ``yard_findings``: rewritten from the
yard's own findings (a few dozen rows) whenever one of them changes, in the same transaction,
so the queues never aggregate the whole finding table."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, and_, case, delete, func, insert, select

from app.findings.models import ACTIVE_STATES, OPEN_STATES, Finding, FindingState, YardFindings
from app.platform.db import table_of

_F = table_of(Finding)
_S = table_of(YardFindings)
_ACTIVE = [s.value for s in ACTIVE_STATES]
_CONFIRMED_ACTIVE = and_(_F.c.confirmed.is_(True), _F.c.state.in_(_ACTIVE))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_COUNTS = (
    select(
        _F.c.yard_id,
        func.max(_F.c.district_id),
        func.max(_F.c.micro_district_id),
        _count(_CONFIRMED_ACTIVE),
        _count(and_(_F.c.confirmed.is_(False), _F.c.state.in_(_ACTIVE))),
        _count(_F.c.state == FindingState.fix_reported.value),
        func.min(case((_CONFIRMED_ACTIVE, _F.c.deadline_at))),
        func.max(_F.c.reaudit_requested_at),
        func.max(case((_CONFIRMED_ACTIVE, _F.c.risk))),
        func.max(_F.c.assigned_user_id),
    )
    .where(_F.c.state.in_([s.value for s in OPEN_STATES]))
    .group_by(_F.c.yard_id)
)
_COLUMNS = [
    "yard_id",
    "district_id",
    "micro_district_id",
    "active",
    "unconfirmed",
    "awaiting",
    "next_deadline",
    "reaudit_requested_at",
    "top_risk",
    "assigned_user_id",
]


def refresh(connection: Connection, *, yard_ids: Iterable[int]) -> None:
    """Rewrite the summary rows of ``yard_ids`` from their findings (a yard with nothing left
    to act on has no row)."""
    ids = sorted(set(yard_ids))
    if not ids:
        return
    connection.execute(delete(_S).where(_S.c.yard_id.in_(ids)))
    connection.execute(insert(_S).from_select(_COLUMNS, _COUNTS.where(_F.c.yard_id.in_(ids))))


def rebuild_all(connection: Connection) -> None:
    """Every yard's row again (after a migration or a bulk change)."""
    connection.execute(delete(_S))
    connection.execute(insert(_S).from_select(_COLUMNS, _COUNTS))
