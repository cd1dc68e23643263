"""The rows of one page of the work queue: each yard's public label, its counts and main
failing items read from its own findings (``yard_id IN`` the page's yards: a few dozen rows
each, on ``ix_finding_yard_id``), and the assigned inspectors' names. One query each for the
whole page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlmodel import Session

from app.accounts.models import User
from app.findings import reports
from app.findings.queue_filters import (
    ACTIVE,
    AREA,
    DISTRICT,
    F,
    QueueFilters,
    chosen_conditions,
    counts,
    district_name_column,
)
from app.platform.db import UTCDateTime, table_of
from app.yards.models import Yard
from app.yards.naming import public_label

MAIN_ITEMS = 3

_YARD = table_of(Yard)
_USER = table_of(User)


@dataclass(frozen=True)
class MainItem:
    finding_id: int
    item_id: str
    checklist_version: str
    risk: float
    state: str
    overdue: bool
    kind: str = "checklist"
    text: str | None = None  # a resident's report: its words (``app.findings.reports``)


@dataclass(frozen=True)
class QueueYard:
    yard_id: int
    label: str  # the public label: name (or "Yard no. N"), area, district
    district_id: str
    micro_district_id: str | None
    area: str | None  # the area's human name
    risk_index: float | None
    band: str | None
    last_audit_at: datetime | None
    open_count: int  # findings the body still owes a fix for
    overdue_count: int
    awaiting_count: int  # fixes reported, waiting for a check
    reaudit_requested_at: datetime | None
    next_deadline: datetime | None
    assigned_user_id: int | None
    assigned_name: str | None = None
    items: tuple[MainItem, ...] = ()

    @property
    def never_audited(self) -> bool:
        return self.last_audit_at is None


def page_rows(
    session: Session, found: Sequence[Any], *, filters: QueueFilters, lang: str, now: datetime
) -> list[QueueYard]:
    """The page's rows (``found``: yard_id, district_id, micro_district_id, risk_index, band,
    last_audit_at, in the list's order), complete."""
    if not found:
        return []
    yards = _named(session, found, lang=lang)
    yards = _with_findings(session, yards, filters=filters, now=now)
    return _with_names(session, yards)


def _named(session: Session, found: Sequence[Any], *, lang: str) -> list[QueueYard]:
    """The page's rows with each yard's public label (one query for the page)."""
    names = {
        r.id: r
        for r in session.execute(
            select(
                _YARD.c.id,
                _YARD.c.public_name,
                AREA.c.name.label("area_ru"),
                AREA.c.name_kk.label("area_kk"),
                AREA.c.name_en.label("area_en"),
                district_name_column(lang).label("district_name"),
            )
            .join(DISTRICT, DISTRICT.c.id == _YARD.c.district_id)
            .outerjoin(AREA, AREA.c.id == _YARD.c.micro_district_id)
            .where(_YARD.c.id.in_([r.yard_id for r in found]))
        )
    }
    return [_queue_yard(row, names[row.yard_id], lang) for row in found if row.yard_id in names]


def _queue_yard(row: Any, named: Any, lang: str) -> QueueYard:
    area = None
    if row.micro_district_id is not None and named.area_ru is not None:
        area = {"kk": named.area_kk, "en": named.area_en}.get(lang) or named.area_ru
    return QueueYard(
        yard_id=row.yard_id,
        label=public_label(
            yard_id=row.yard_id,
            public_name=named.public_name,
            district_name=named.district_name,
            micro_district_id=row.micro_district_id,
            area_name=area,
        ),
        district_id=row.district_id,
        micro_district_id=row.micro_district_id,
        area=area,
        risk_index=row.risk_index,
        band=row.band,
        last_audit_at=row.last_audit_at,
        open_count=0,
        overdue_count=0,
        awaiting_count=0,
        reaudit_requested_at=None,
        next_deadline=None,
        assigned_user_id=None,
    )


def _with_findings(
    session: Session, yards: list[QueueYard], *, filters: QueueFilters, now: datetime
) -> list[QueueYard]:
    """Each yard's counts (exact, at ``now``), nearest deadline, re-audit request, assignee
    and its ``MAIN_ITEMS`` riskiest findings, all from its findings of the list."""
    if not yards:
        return yards
    # The yards are the list's, so in scope and place already: only the chosen findings
    # (state, body, assignee) narrow them, and ``yard_id IN`` leads the plan.
    chosen = [F.c.yard_id.in_([y.yard_id for y in yards]), *chosen_conditions(filters)]
    sums = {
        r.yard_id: r
        for r in session.execute(
            select(
                F.c.yard_id,
                *(c.label(name) for name, c in counts(now).items()),
                type_coerce(func.max(F.c.reaudit_requested_at), UTCDateTime()).label("reaudit_at"),
                # The same choice as the summary row's (the largest id) when two share a yard.
                func.max(F.c.assigned_user_id).label("assigned_user_id"),
                type_coerce(
                    func.min(case((F.c.state.in_(ACTIVE), F.c.deadline_at))), UTCDateTime()
                ).label("next_deadline"),
            )
            .where(*chosen)
            .group_by(F.c.yard_id)
        )
    }
    rank = (
        func.row_number()
        .over(partition_by=F.c.yard_id, order_by=(F.c.risk.desc(), F.c.id))
        .label("rank")
    )
    ranked = (
        select(
            F.c.id,
            F.c.yard_id,
            F.c.item_id,
            F.c.checklist_version,
            F.c.risk,
            F.c.state,
            F.c.deadline_at,
            F.c.kind,
            rank,
        )
        .where(*chosen)
        .subquery("ranked")
    )
    items: dict[int, list[MainItem]] = {}
    rows = session.execute(
        select(ranked).where(ranked.c.rank <= MAIN_ITEMS).order_by(ranked.c.yard_id, ranked.c.rank)
    ).all()
    texts = reports.texts_of(session, finding_ids=[r.id for r in rows if r.kind == reports.REPORT])
    for r in rows:
        items.setdefault(r.yard_id, []).append(
            MainItem(
                finding_id=r.id,
                item_id=r.item_id,
                checklist_version=r.checklist_version,
                risk=r.risk,
                state=r.state,
                overdue=r.state in ACTIVE and r.deadline_at is not None and r.deadline_at < now,
                kind=r.kind,
                text=texts.get(r.id),
            )
        )
    return [_counted(y, sums.get(y.yard_id), tuple(items.get(y.yard_id, ()))) for y in yards]


def _counted(yard: QueueYard, sums: Any, items: tuple[MainItem, ...]) -> QueueYard:
    if sums is None:
        return replace(yard, items=items)
    return replace(
        yard,
        open_count=int(sums.open_count or 0),
        overdue_count=int(sums.overdue_count or 0),
        awaiting_count=int(sums.awaiting_count or 0),
        reaudit_requested_at=sums.reaudit_at,
        next_deadline=sums.next_deadline,
        assigned_user_id=sums.assigned_user_id,
        items=items,
    )


def _with_names(session: Session, yards: list[QueueYard]) -> list[QueueYard]:
    """The assigned inspectors' names (one query for the page)."""
    ids = {y.assigned_user_id for y in yards if y.assigned_user_id is not None}
    if not ids:
        return yards
    names = dict(
        session.execute(select(_USER.c.id, _USER.c.name).where(_USER.c.id.in_(sorted(ids)))).all()
    )
    return [replace(y, assigned_name=names.get(y.assigned_user_id)) for y in yards]
