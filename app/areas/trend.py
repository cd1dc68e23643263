"""Month-by-month figures for a yard, a micro-district, a district or the whole city.

Months are calendar months in Almaty time (UTC+5 all year since March 2024), so a
submission made at 01:00 on the 1st counts in the month the resident saw on the clock.
Each query reads only the submissions of one place in the period, through the
``(place, received_at)`` indexes, grouped in SQL. A month's figures are per yard: each
yard's mean index in the month first, then the mean over yards, so a campaign of many
checks in one yard counts as one yard, not as a trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlmodel import Session

from app.platform.db import table_of, utcnow
from app.submissions.models import Submission

ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")
# A yard whose mean index in the month is at or above this counts as "high risk".
HIGH_RISK = 50.0

_SUBMISSION = table_of(Submission)


@dataclass(frozen=True)
class MonthPoint:
    month: str  # "YYYY-MM", Almaty time
    submissions: int
    inspector_audits: int
    yards: int  # distinct yards with a submission that month
    mean_risk: float | None  # mean over the month's yards of each yard's mean index
    high_risk_share: float | None  # share of the month's scored yards at or above 50

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "submissions": self.submissions,
            "inspector_audits": self.inspector_audits,
            "yards": self.yards,
            "mean_risk": None if self.mean_risk is None else round(self.mean_risk, 1),
            "high_risk_share": None
            if self.high_risk_share is None
            else round(self.high_risk_share, 3),
        }


def month_of(moment: datetime) -> str:
    """The Almaty calendar month of a moment, as "YYYY-MM"."""
    return moment.astimezone(ALMATY).strftime("%Y-%m")


def month_start(month: str) -> datetime:
    """The first instant (UTC) of an Almaty calendar month given as "YYYY-MM"."""
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=ALMATY).astimezone(UTC)


def shift_month(month: str, delta: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(text: str) -> str:
    """Validate "YYYY-MM" (raises ValueError with a readable message)."""
    try:
        parsed = date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2026-10") from None
    return parsed.strftime("%Y-%m")


def _month_expression(dialect: str) -> Any:
    received = _SUBMISSION.c.received_at
    if dialect == "postgresql":
        local = func.timezone("UTC", received) + literal(timedelta(hours=5))
        return func.to_char(local, "YYYY-MM")
    return func.strftime("%Y-%m", received, "+5 hours")


def monthly_trend(
    session: Session,
    *,
    district_id: str | None = None,
    micro_district_id: str | None = None,
    yard_id: int | None = None,
    months: int = 12,
    until: str | None = None,
) -> list[MonthPoint]:
    """``months`` consecutive months ending with ``until`` ("YYYY-MM", default: this month),
    oldest first; months without submissions are present with zero counts and no mean."""
    last = until or month_of(utcnow())
    first = shift_month(last, -(months - 1))
    month = _month_expression(session.get_bind().dialect.name).label("month")
    s = _SUBMISSION.c
    per_yard = (
        select(
            month,
            s.yard_id.label("yard_id"),
            func.count().label("n"),
            func.sum(case((s.role == "inspector", 1), else_=0)).label("audits"),
            func.avg(s.risk_index).label("risk"),
        )
        .where(
            s.received_at >= month_start(first),
            s.received_at < month_start(shift_month(last, 1)),
        )
        .group_by(month, s.yard_id)
    )
    if district_id is not None:
        per_yard = per_yard.where(s.district_id == district_id)
    if micro_district_id is not None:
        per_yard = per_yard.where(s.micro_district_id == micro_district_id)
    if yard_id is not None:
        per_yard = per_yard.where(s.yard_id == yard_id)
    yards = per_yard.subquery()
    query = select(
        yards.c.month,
        func.sum(yards.c.n),
        func.sum(yards.c.audits),
        func.count(),
        func.avg(yards.c.risk),
        func.count(yards.c.risk),
        func.sum(case((yards.c.risk >= HIGH_RISK, 1), else_=0)),
    ).group_by(yards.c.month)
    found = {row[0]: row[1:] for row in session.execute(query).all()}
    points = []
    for step in range(months):
        name = shift_month(first, step)
        count, audits, yards, mean, scored, high = found.get(name, (0, 0, 0, None, 0, 0))
        points.append(
            MonthPoint(
                month=name,
                submissions=int(count),
                inspector_audits=int(audits or 0),
                yards=int(yards),
                mean_risk=float(mean) if mean is not None else None,
                high_risk_share=(int(high or 0) / scored) if scored else None,
            )
        )
    return points
