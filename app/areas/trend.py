"""Month-by-month figures for a yard, a micro-district, a district or the whole city.

Months are calendar months in Almaty time (UTC+5 all year since March 2024), so a
submission made at 01:00 on the 1st counts in the month the resident saw on the clock.
Each query reads only the submissions of one place in the period, through the
``(place, received_at)`` indexes, grouped in SQL.
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
# A submission at or above this index counts as "high risk" in the month's share.
HIGH_RISK = 50.0

_SUBMISSION = table_of(Submission)


@dataclass(frozen=True)
class MonthPoint:
    month: str  # "YYYY-MM", Almaty time
    submissions: int
    inspector_audits: int
    yards: int  # distinct yards with a submission that month
    mean_risk: float | None  # mean risk index of the month's submissions
    high_risk_share: float | None  # share of the month's scored submissions at or above 50

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
    query = (
        select(
            month,
            func.count(),
            func.sum(case((_SUBMISSION.c.role == "inspector", 1), else_=0)),
            func.count(func.distinct(_SUBMISSION.c.yard_id)),
            func.avg(_SUBMISSION.c.risk_index),
            func.count(_SUBMISSION.c.risk_index),
            func.sum(case((_SUBMISSION.c.risk_index >= HIGH_RISK, 1), else_=0)),
        )
        .where(
            _SUBMISSION.c.received_at >= month_start(first),
            _SUBMISSION.c.received_at < month_start(shift_month(last, 1)),
        )
        .group_by(month)
    )
    if district_id is not None:
        query = query.where(_SUBMISSION.c.district_id == district_id)
    if micro_district_id is not None:
        query = query.where(_SUBMISSION.c.micro_district_id == micro_district_id)
    if yard_id is not None:
        query = query.where(_SUBMISSION.c.yard_id == yard_id)
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
