"""Routing findings again when the bodies change: a body imported for findings that had none
(``route_unrouted``), a cooperative linked to yards whose open findings it now answers for
(``rehome_open_findings``). A finding already with its body (sent) is never moved here."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select, update
from sqlmodel import Session

from app.findings import summary
from app.findings.models import OPEN_STATES, Finding, FindingEvent, FindingState
from app.findings.routing import Router
from app.platform.config import Settings
from app.platform.db import table_of, utcnow

_FINDING = table_of(Finding)
_EVENT = table_of(FindingEvent)


def route_unrouted(session: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Give a body to every finding still without one (opened before the bodies were
    imported, or when no body answered for its item); returns how many were routed."""
    return _route_again(
        session,
        where=(
            _FINDING.c.body_id.is_(None),
            _FINDING.c.state.in_([s.value for s in OPEN_STATES]),
        ),
        action="routed",
        settings=settings,
        now=now,
    )


def rehome_open_findings(
    session: Session,
    *,
    yard_ids: Collection[int],
    settings: Settings,
    now: datetime | None = None,
) -> int:
    """Route again every open, unsent finding of ``yard_ids``; move those whose body is now
    another (a FindingEvent "rerouted" each, by "system"). Returns how many moved."""
    if not yard_ids:
        return 0
    return _route_again(
        session,
        where=(
            _FINDING.c.yard_id.in_(sorted(yard_ids)),
            _FINDING.c.state == FindingState.open,
            _FINDING.c.sent_at.is_(None),
        ),
        action="rerouted",
        settings=settings,
        now=now,
    )


def _route_again(
    session: Session,
    *,
    where: tuple[ColumnElement[bool], ...],
    action: str,
    settings: Settings,
    now: datetime | None,
) -> int:
    now = now or utcnow()
    connection = session.connection()
    rows = connection.execute(select(_FINDING).where(*where).order_by(_FINDING.c.id)).mappings()
    routers: dict[int, Router] = {}
    events: list[dict[str, Any]] = []
    for row in rows.all():
        router = routers.get(row["yard_id"])
        if router is None:
            router = routers[row["yard_id"]] = Router.for_yard(
                session,
                yard_id=row["yard_id"],
                district_id=row["district_id"],
                default_deadline_days=settings.finding_deadline_days,
            )
        route = router.route(row["item_id"], refused=row["refused_by"] or [])
        if route.body_id is None or route.body_id == row["body_id"]:
            continue
        deadline = now + route.deadline if (row["confirmed"] and route.deadline) else None
        connection.execute(
            update(_FINDING)
            .where(_FINDING.c.id == row["id"])
            .values(body_id=route.body_id, deadline_at=deadline, updated_at=now)
        )
        events.append(
            {
                "finding_id": row["id"],
                "at": now,
                "from_state": row["state"],
                "to_state": row["state"],
                "actor_user_id": None,
                "actor": "system",
                "action": action,
                "reason": None,
                "body_id": route.body_id,
                "details": {"from_body": row["body_id"]} if row["body_id"] else {},
            }
        )
    if events:
        connection.execute(insert(_EVENT), events)
        summary.refresh(connection, yard_ids={e_yard for e_yard in routers})
    return len(events)
