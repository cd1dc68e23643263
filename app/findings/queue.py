"""The inspector's work queue: the yards of their scope with findings to act on, one row per
yard (one query for the page's rows with the list's length, one for the page's findings, one
for the places' counts; never a query per yard).

The list is read from the yards' summary rows (``yard_findings``, ~20,000 rows for the city,
kept by ``app.findings.summary``) joined to their risk: scope by ``Scope.clause`` on its
district and micro-district columns. Only when a filter chooses findings (a state, a body)
are the scope's findings aggregated instead. The page's 50 yards then read their own
findings for exact counts and their main items (``app.findings.queue_rows``).

Priority (the default order): yards with an overdue finding first (on the summary, the
earliest deadline of their confirmed active findings is past), then yards waiting for a check
(a fix reported, or the cooperative asked for a re-audit), then by the yard's risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, case, func, or_, select, type_coerce
from sqlmodel import Session

from app.accounts.scope import Scope
from app.findings.queue_filters import (
    ACTIVE,
    AREA,
    F,
    QueueFilters,
    QueueSort,
    S,
    area_name_column,
    counts,
    finding_conditions,
    summary_conditions,
)
from app.findings.queue_places import PlaceCount, places_of
from app.findings.queue_rows import MainItem, QueueYard, page_rows
from app.platform.db import UTCDateTime, table_of, utcnow
from app.yards.risk_models import YardRisk

__all__ = [
    "MainItem",
    "PlaceCount",
    "Queue",
    "QueueFilters",
    "QueueSort",
    "QueueYard",
    "places_of",
    "queue",
]

PAGE_SIZE = 50

_RISK = table_of(YardRisk)


@dataclass(frozen=True)
class Queue:
    yards: list[QueueYard]
    total: int  # yards in the whole list (every page)
    page: int
    pages: int
    # The scope's areas with their counts; the districts instead for a city-wide user who
    # chose none (``level`` says which).
    places: list[PlaceCount] = field(default_factory=list)
    level: str = "area"


@dataclass(frozen=True)
class _Listed:
    """The yards of the list before their risk is joined, and what filters and orders them."""

    source: FromClause
    yard_id: Any
    district_id: Any
    micro_district_id: Any
    next_deadline: Any
    overdue: ColumnElement[bool]
    awaiting: ColumnElement[bool]
    reaudit: ColumnElement[bool]


def _from_summary(scope: Scope, filters: QueueFilters, now: datetime) -> _Listed:
    """The list from the summary rows: one per yard with anything to act on."""
    source = select(S).where(*summary_conditions(scope, filters)).subquery("listed")
    c = source.c
    return _Listed(
        source=source,
        yard_id=c.yard_id,
        district_id=c.district_id,
        micro_district_id=c.micro_district_id,
        next_deadline=c.next_deadline,
        overdue=c.next_deadline < now,
        awaiting=c.awaiting > 0,
        reaudit=c.reaudit_requested_at.is_not(None),
    )


def _from_findings(scope: Scope, filters: QueueFilters, now: datetime) -> _Listed:
    """The list from the chosen findings of the scope, aggregated per yard."""
    sums = counts(now)
    # Grouped by an expression, not the bare column: SQLite would otherwise walk the whole
    # table in ``ix_finding_yard_id`` order instead of seeking the scope's rows by
    # ``ix_finding_district_state`` (130 ms against 20 ms for a district of 10,000 findings).
    yard_key = (F.c.yard_id + 0).label("yard_id")
    source = (
        select(
            yard_key,
            *(c.label(name) for name, c in sums.items()),
            type_coerce(func.max(F.c.reaudit_requested_at), UTCDateTime()).label("reaudit_at"),
            # Copied from the yard: the same for every finding of it.
            func.max(F.c.district_id).label("district_id"),
            func.max(F.c.micro_district_id).label("micro_district_id"),
            type_coerce(
                func.min(case((F.c.state.in_(ACTIVE), F.c.deadline_at))), UTCDateTime()
            ).label("next_deadline"),
        )
        .where(*finding_conditions(scope, filters))
        .group_by(yard_key)
        .subquery("listed")
    )
    c = source.c
    return _Listed(
        source=source,
        yard_id=c.yard_id,
        district_id=c.district_id,
        micro_district_id=c.micro_district_id,
        next_deadline=c.next_deadline,
        overdue=c.overdue_count > 0,
        awaiting=c.awaiting_count > 0,
        reaudit=c.reaudit_at.is_not(None),
    )


def queue(
    session: Session,
    *,
    scope: Scope,
    filters: QueueFilters,
    lang: str,
    now: datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> Queue:
    """One page of the queue (``filters.page``, from 1) with the scope's places and counts."""
    now = now or utcnow()
    build = _from_findings if filters.chooses_findings else _from_summary
    listed = build(scope, filters, now)
    # Only what filters and orders the whole list; names and counts for the page come after.
    rows = select(
        listed.yard_id.label("yard_id"),
        listed.district_id.label("district_id"),
        listed.micro_district_id.label("micro_district_id"),
        _RISK.c.risk_index,
        _RISK.c.band,
        _RISK.c.last_audit_at,
        # The whole list's length with its page, from the same query.
        func.count().over().label("full_count"),
    ).select_from(listed.source.outerjoin(_RISK, _RISK.c.yard_id == listed.yard_id))
    if filters.sort == QueueSort.place:
        rows = rows.outerjoin(AREA, AREA.c.id == listed.micro_district_id)
    if filters.overdue:
        rows = rows.where(listed.overdue)
    if filters.awaiting:
        rows = rows.where(listed.awaiting)
    if filters.reaudit:
        rows = rows.where(listed.reaudit)
    if filters.never_audited:
        rows = rows.where(_RISK.c.last_audit_at.is_(None))
    ordered = rows.order_by(*_order(listed, filters.sort, lang), listed.yard_id)
    page = max(1, filters.page)
    found = session.execute(ordered.limit(page_size).offset((page - 1) * page_size)).all()
    if found:
        total = int(found[0].full_count)
    else:  # no row, or a page beyond the last: count, and show the last page
        total = session.execute(select(func.count()).select_from(rows.subquery())).scalar_one()
        if total and page > 1:
            page = -(-int(total) // page_size)
            found = session.execute(ordered.limit(page_size).offset((page - 1) * page_size)).all()
    pages = max(1, -(-int(total) // page_size))
    page = min(page, pages)
    yards = page_rows(session, found, filters=filters, lang=lang, now=now)
    places, level = places_of(session, scope=scope, filters=filters, lang=lang, now=now)
    return Queue(yards=yards, total=int(total), page=page, pages=pages, places=places, level=level)


def _order(listed: _Listed, sort: QueueSort, lang: str) -> list[Any]:
    risk_last = case((_RISK.c.risk_index.is_(None), 1), else_=0)
    if sort == QueueSort.risk:
        return [risk_last, _RISK.c.risk_index.desc()]
    if sort == QueueSort.deadline:
        return [
            case((listed.next_deadline.is_(None), 1), else_=0),
            listed.next_deadline,
            risk_last,
            _RISK.c.risk_index.desc(),
        ]
    if sort == QueueSort.place:
        area_name = area_name_column(lang)
        return [
            listed.district_id,
            case((area_name.is_(None), 1), else_=0),
            area_name,
            listed.micro_district_id,
        ]
    return [
        case((listed.overdue, 0), else_=1),
        case((or_(listed.awaiting, listed.reaudit), 0), else_=1),
        risk_last,
        _RISK.c.risk_index.desc(),
    ]
