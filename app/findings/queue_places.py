"""The places of the work queue: the scope's micro-districts with yards in the list and their
counts (the districts instead for a city-wide user who chose none), one grouped query over the
yards' summary rows (``yard_findings``), or over the chosen findings when a filter chooses
findings (a state, a body)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, and_, case, func, literal, select
from sqlmodel import Session

from app.accounts.scope import Scope
from app.districts.naming import area_name
from app.findings.queue_filters import (
    ACTIVE,
    AREA,
    DISTRICT,
    F,
    QueueFilters,
    S,
    counts,
    district_name_column,
    finding_conditions,
    summary_conditions,
)
from app.platform.db import utcnow


@dataclass(frozen=True)
class PlaceCount:
    """A district or area of the scope with its counts (only places with yards in the list)."""

    id: str
    name: str
    district_id: str | None
    yards: int
    open_count: int
    overdue_yards: int  # yards with an overdue finding (a yard's own row counts findings)
    awaiting_count: int


def places_of(
    session: Session,
    *,
    scope: Scope,
    filters: QueueFilters,
    lang: str,
    now: datetime | None = None,
) -> tuple[list[PlaceCount], str]:
    """The scope's areas with findings of the list and their counts, most overdue first;
    the districts instead for a city-wide user who chose no district. Returns (places,
    "area" or "district")."""
    now = now or utcnow()
    by_district = scope.city_wide and not filters.district_id
    build = _from_findings if filters.chooses_findings else _from_summary
    grouped = build(scope, filters, now, by_district=by_district)
    if by_district:
        name = district_name_column(lang)
        query = select(grouped, name.label("name"), literal(None).label("name_kk")).outerjoin(
            DISTRICT, DISTRICT.c.id == grouped.c.place_id
        )
    else:
        query = select(
            grouped,
            AREA.c.name.label("name"),
            AREA.c.name_kk.label("name_kk"),
            AREA.c.name_en.label("name_en"),
        ).outerjoin(AREA, AREA.c.id == grouped.c.place_id)
    query = query.order_by(
        grouped.c.overdue_yards.desc(), grouped.c.open_count.desc(), grouped.c.place_id
    )
    places = []
    for r in session.execute(query):
        if not r.place_id:
            continue  # findings of yards outside every micro-district: no area to name
        if by_district:
            label = r.name or r.place_id
        else:
            label = area_name(_Named(r.place_id, r.name, r.name_kk, r.name_en), lang)
        places.append(
            PlaceCount(
                id=r.place_id,
                name=label,
                district_id=r.district_id,
                yards=int(r.yards),
                open_count=int(r.open_count or 0),
                overdue_yards=int(r.overdue_yards or 0),
                awaiting_count=int(r.awaiting_count or 0),
            )
        )
    return places, "district" if by_district else "area"


def _from_summary(
    scope: Scope, filters: QueueFilters, now: datetime, *, by_district: bool
) -> Subquery:
    """Per place, its yards' summary rows: yards, open findings, yards overdue (the earliest
    deadline of their confirmed active findings is past), fixes to verify."""
    key = func.coalesce(S.c.district_id if by_district else S.c.micro_district_id, "")
    return (
        select(
            key.label("place_id"),
            func.min(S.c.district_id).label("district_id"),
            func.count().label("yards"),
            func.sum(S.c.active + S.c.unconfirmed).label("open_count"),
            func.sum(case((S.c.next_deadline < now, 1), else_=0)).label("overdue_yards"),
            func.sum(S.c.awaiting).label("awaiting_count"),
        )
        .where(*summary_conditions(scope, filters, with_area=False))
        .group_by(key)
        .subquery("grouped")
    )


def _from_findings(
    scope: Scope, filters: QueueFilters, now: datetime, *, by_district: bool
) -> Subquery:
    """Per place, the chosen findings of the scope: yards, active, yards with an overdue one,
    fixes to verify."""
    sums = counts(now)
    overdue = and_(F.c.state.in_(ACTIVE), F.c.deadline_at.is_not(None), F.c.deadline_at < now)
    # An expression, not the bare column: SQLite would otherwise scan the table in the
    # column's index order rather than seek the scope's rows (see ``queue``).
    key = func.coalesce(F.c.district_id if by_district else F.c.micro_district_id, "")
    return (
        select(
            key.label("place_id"),
            func.min(F.c.district_id).label("district_id"),
            func.count(func.distinct(F.c.yard_id)).label("yards"),
            sums["open_count"].label("open_count"),
            func.count(func.distinct(case((overdue, F.c.yard_id)))).label("overdue_yards"),
            sums["awaiting_count"].label("awaiting_count"),
        )
        .where(*finding_conditions(scope, filters, with_area=False))
        .group_by(key)
        .subquery("grouped")
    )


@dataclass(frozen=True)
class _Named:
    id: str
    name: str | None
    name_kk: str | None
    name_en: str | None
