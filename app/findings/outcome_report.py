"""A district's outcomes over a month, in one piece for the monthly page, its PDF and the API:
the district's figures, per body (named), per area, and the yards' before/after indexes.
Figures: ``app.findings.outcomes``; yards: ``app.findings.outcome_yards``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from app.areas.trend import shift_month
from app.bodies.models import Body
from app.findings.outcome_yards import YardChange, yard_changes
from app.findings.outcomes import Outcomes, Period, outcomes, total
from app.platform.db import table_of

_BODY = table_of(Body)


@dataclass(frozen=True)
class BodyOutcomes:
    body_id: str | None  # None: findings no body answers for yet
    names: dict[str, str]  # ru, kk, en
    outcomes: Outcomes

    def name(self, lang: str) -> str | None:
        return self.names.get(lang) or self.names.get("ru")


@dataclass(frozen=True)
class DistrictOutcomes:
    district_id: str
    period: Period
    total: Outcomes
    previous: Outcomes  # the month before, for comparison
    bodies: list[BodyOutcomes] = field(default_factory=list)
    areas: dict[str | None, Outcomes] = field(default_factory=dict)
    yards: list[YardChange] = field(default_factory=list)

    def ranked_areas(self) -> list[tuple[str | None, Outcomes]]:
        """The areas' figures, those owing the most first: overdue, then owed a fix, then
        opened; the findings of no micro-district (None) last."""
        return sorted(self.areas.items(), key=_area_rank)


def _area_rank(item: tuple[str | None, Outcomes]) -> tuple[bool, int, int, int, int, str]:
    area, o = item
    return (area is None, -o.overdue, -o.active, -o.opened, -o.verified, area or "")


def _names(session: Session, body_ids: Collection[str]) -> dict[str, dict[str, str]]:
    if not body_ids:
        return {}
    rows = session.connection().execute(
        select(_BODY.c.id, _BODY.c.name, _BODY.c.name_kk, _BODY.c.name_en).where(
            _BODY.c.id.in_(sorted(body_ids))
        )
    )
    return {
        row.id: {
            "ru": row.name,
            "kk": row.name_kk or row.name,
            "en": row.name_en or row.name,
        }
        for row in rows
    }


def district_month(
    session: Session, *, district_id: str, month: str, now: datetime | None = None
) -> DistrictOutcomes:
    """The district's outcomes in ``month`` ("YYYY-MM", Almaty), with the month before."""
    period = Period.of_month(month, now=now)
    previous = Period.of_month(shift_month(month, -1), now=now)
    ids = [district_id]
    by_body = outcomes(session, period=period, group="body", district_ids=ids)
    names = _names(session, [b for b in by_body if b is not None])
    bodies = sorted(
        (BodyOutcomes(b, names.get(b, {}) if b else {}, o) for b, o in by_body.items()),
        key=lambda row: (row.body_id is None, -row.outcomes.active, row.names.get("ru", "")),
    )
    return DistrictOutcomes(
        district_id=district_id,
        period=period,
        total=total(session, period=period, district_ids=ids),
        previous=total(session, period=previous, district_ids=ids),
        bodies=bodies,
        areas=outcomes(session, period=period, group="area", district_ids=ids),
        yards=yard_changes(session, district_id=district_id, period=period),
    )
