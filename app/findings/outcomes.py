"""Outcomes as figures: what became of the findings, per district, area (micro-district) and
body, over a period (an Almaty calendar month, or all time).

Every figure is counted in the database from ``finding`` and ``finding_event`` (the history
is the truth: a verification stays counted in its month even if the item fails again later):

- ``opened``: confirmed findings first opened in the period (``opened_at``; a reopening does
  not open a finding again);
- ``fixed``: findings with a fix reported in the period (``report_fix`` events, each finding
  once);
- ``verified``: verifications in the period, split by how (an inspector audit after a reported
  fix, an audit without one, residents' checks after a fix);
- ``reopened``: verified findings a later failing answer reopened in the period;
- ``median_days``: the median days from confirmation to verification of the verifications in
  the period, with the count it rests on (None under ``MEDIAN_MIN``); the confirmation is read
  from the history (the finding's last opening, reopening or confirmation before it);
- ``overdue_share``: of the confirmed findings the body still owed a fix at the period's end
  (for the current month: now), the share past their deadline (None when there are none).
  For a past period the state and body at its end come from the history; the deadline is the
  finding's own (a finding sent again later carries its new deadline).

The per-yard before/after indexes: ``app.findings.outcome_yards``. A past moment's owed
findings, kept per process on SQLite after the first read: ``app.findings.outcome_ends``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, select
from sqlmodel import Session

from app.areas.trend import month_of, month_start, shift_month
from app.findings import outcome_ends
from app.findings.models import ACTIVE_STATES, Finding, FindingEvent, FindingState
from app.findings.permissions import Action
from app.platform.db import table_of, utcnow

_F = table_of(Finding)
_E = table_of(FindingEvent)
_ACTIVE = [s.value for s in ACTIVE_STATES]
MEDIAN_MIN = 3
HOW = ("audit_after_fix", "audit_without_fix", "residents")
Group = Literal["district", "area", "body", "all"]
ALL = "all"


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; ``start`` None for all time. ``at`` is the moment the overdue
    share is judged: the period's end, or now while the period runs."""

    start: datetime | None
    end: datetime
    at: datetime
    month: str | None = None

    @classmethod
    def of_month(cls, month: str, *, now: datetime | None = None) -> Period:
        now = now or utcnow()
        end = month_start(shift_month(month, 1))
        return cls(start=month_start(month), end=end, at=min(end, now), month=month)

    @classmethod
    def this_month(cls, *, now: datetime | None = None) -> Period:
        now = now or utcnow()
        return cls.of_month(month_of(now), now=now)

    @classmethod
    def all_time(cls, *, now: datetime | None = None) -> Period:
        now = now or utcnow()
        return cls(start=None, end=now, at=now)

    @property
    def running(self) -> bool:
        """Whether the period has not ended: the overdue share is judged on the findings now."""
        return self.at < self.end or self.start is None


@dataclass(frozen=True)
class Outcomes:
    """One place's (or body's) figures over a period."""

    opened: int = 0
    fixed: int = 0
    verified_how: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HOW, 0))
    reopened: int = 0
    median_days: float | None = None
    median_count: int = 0  # the verifications the median rests on
    active: int = 0  # confirmed findings the body still owed a fix at the period's end
    overdue: int = 0  # of those, past their deadline

    @property
    def verified(self) -> int:
        return sum(self.verified_how.values())

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.active if self.active else None

    @property
    def empty(self) -> bool:
        return not (self.opened or self.fixed or self.verified or self.reopened or self.active)

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "fixed": self.fixed,
            "verified": self.verified,
            "verified_how": dict(self.verified_how),
            "reopened": self.reopened,
            "median_days_to_verification": None
            if self.median_days is None
            else round(self.median_days, 1),
            "median_count": self.median_count,
            "active_at_end": self.active,
            "overdue_at_end": self.overdue,
            "overdue_share": None if self.overdue_share is None else round(self.overdue_share, 3),
        }


def in_period(column: Any, period: Period) -> ColumnElement[bool]:
    if period.start is None:
        return column < period.end
    return and_(column >= period.start, column < period.end)


def _key(group: Group, *, events: bool) -> Any:
    """The column a figure is grouped by; an event's body is the body at that moment."""
    if group == "district":
        return _F.c.district_id
    if group == "area":
        return _F.c.micro_district_id
    if group == "body":
        return _E.c.body_id if events else _F.c.body_id
    return literal(ALL)


def _scope(district_ids: Collection[str] | None) -> list[ColumnElement[bool]]:
    return [] if district_ids is None else [_F.c.district_id.in_(sorted(district_ids))]


_HOW_OF_EVENT = case(
    (_E.c.actor == "residents", "residents"),
    (_E.c.from_state == FindingState.fix_reported.value, "audit_after_fix"),
    else_="audit_without_fix",
)
_EVENTS = _E.join(_F, _F.c.id == _E.c.finding_id)


def outcomes(
    session: Session,
    *,
    period: Period,
    group: Group,
    district_ids: Collection[str] | None = None,
) -> dict[str | None, Outcomes]:
    """The figures of ``period`` per district, area, body (None: not routed / no area), or
    ``"all"`` in one; ``district_ids`` None: the whole city. Places with nothing to count are
    absent."""
    scope = _scope(district_ids)
    conn = session.connection()
    figures: dict[str | None, dict[str, Any]] = {}

    def put(key: str | None, name: str, value: Any) -> None:
        figures.setdefault(key, {"verified_how": dict.fromkeys(HOW, 0)})[name] = value

    key = _key(group, events=False)
    opened = (
        select(key, func.count())
        .where(*scope, _F.c.confirmed.is_(True), in_period(_F.c.opened_at, period))
        .group_by(key)
    )
    for k, n in conn.execute(opened):
        put(k, "opened", n)

    ekey = _key(group, events=True)
    fixed = (
        select(ekey, func.count(func.distinct(_E.c.finding_id)))
        .select_from(_EVENTS)
        .where(*scope, _E.c.action == Action.report_fix.value, in_period(_E.c.at, period))
        .group_by(ekey)
    )
    for k, n in conn.execute(fixed):
        put(k, "fixed", n)

    verified = (
        select(ekey, _HOW_OF_EVENT, func.count())
        .select_from(_EVENTS)
        .where(*scope, _E.c.action == "verified", in_period(_E.c.at, period))
        .group_by(ekey, _HOW_OF_EVENT)
    )
    for k, how, n in conn.execute(verified):
        put(k, "verified_how", {**figures.get(k, {}).get("verified_how", {}), how: n})

    reopened = (
        select(ekey, func.count())
        .select_from(_EVENTS)
        .where(
            *scope,
            _E.c.action == "reopened",
            _E.c.from_state == FindingState.verified.value,
            in_period(_E.c.at, period),
        )
        .group_by(ekey)
    )
    for k, n in conn.execute(reopened):
        put(k, "reopened", n)

    days: dict[str | None, list[float]] = {}
    spans = (
        select(ekey, _confirmed_before_event(), _E.c.at)
        .select_from(_EVENTS)
        .where(*scope, _E.c.action == "verified", in_period(_E.c.at, period))
    )
    for k, confirmed_at, at in conn.execute(spans):
        if confirmed_at is not None:
            days.setdefault(k, []).append((at - confirmed_at).total_seconds() / 86400)
    for k, values in days.items():
        put(k, "median_count", len(values))
        if len(values) >= MEDIAN_MIN:
            put(k, "median_days", median(values))

    for k, active, overdue in _owed_rows(conn, group, period, scope, district_ids):
        put(k, "active", active)
        put(k, "overdue", overdue or 0)
    return {k: Outcomes(**values) for k, values in figures.items()}


def _confirmed_before_event() -> Any:
    """When the verified finding was confirmed, from its history: its last opening,
    reopening or confirmation before the verification (one look-up on finding_event's
    finding_id index; a later reopening does not move it)."""
    earlier = _E.alias("earlier")
    return (
        select(func.max(earlier.c.at))
        .where(
            earlier.c.finding_id == _E.c.finding_id,
            earlier.c.id < _E.c.id,
            earlier.c.action.in_(("opened", "reopened", "confirmed")),
        )
        .scalar_subquery()
    )


def _owed_rows(
    conn: Connection,
    group: Group,
    period: Period,
    scope: list[ColumnElement[bool]],
    district_ids: Collection[str] | None,
) -> Iterable[tuple[str | None, int, int]]:
    """(key, active, overdue) of ``_owed``: a closed period's from what is kept of its end
    (``outcome_ends``, SQLite) where it is, else from the database."""
    kept = None if period.running else outcome_ends.owed_at(conn, at=period.at)
    if kept is None:
        return conn.execute(_owed(group, period, scope))
    inside = None if district_ids is None else set(district_ids)
    active: Counter[str | None] = Counter()
    overdue: Counter[str | None] = Counter()
    for (district, area, body, late), n in kept.items():
        if inside is not None and district not in inside:
            continue
        key = {"district": district, "area": area, "body": body}.get(group, ALL)
        active[key] += n
        overdue[key] += n * late
    return [(key, n, overdue[key]) for key, n in active.items()]


def _owed(group: Group, period: Period, scope: list[ColumnElement[bool]]) -> Any:
    """Per key: confirmed findings the body owed a fix at ``period.at``, and those overdue."""
    at = period.at
    overdue = func.sum(case((_F.c.deadline_at < at, 1), else_=0))
    if period.running:
        key = _key(group, events=False)
        return (
            select(key, func.count(), overdue)
            .where(*scope, _F.c.state.in_(_ACTIVE), _F.c.confirmed.is_(True))
            .group_by(key)
        )
    # The state (and body) at the period's end: each finding's last event by then.
    last = (
        select(_E.c.finding_id, func.max(_E.c.id).label("event_id"))
        .select_from(_EVENTS)
        .where(
            *scope,
            _F.c.confirmed.is_(True),
            _F.c.confirmed_at <= at,
            _E.c.at <= at,
        )
        .group_by(_E.c.finding_id)
        .subquery()
    )
    key = _key(group, events=True)
    return (
        select(key, func.count(), overdue)
        .select_from(
            last.join(_E, _E.c.id == last.c.event_id).join(_F, _F.c.id == last.c.finding_id)
        )
        .where(_E.c.to_state.in_(_ACTIVE))
        .group_by(key)
    )


def total(session: Session, *, period: Period, district_ids: Collection[str] | None) -> Outcomes:
    """The figures of ``period`` over ``district_ids`` (None: the city) in one."""
    return outcomes(session, period=period, group="all", district_ids=district_ids).get(
        ALL, Outcomes()
    )
