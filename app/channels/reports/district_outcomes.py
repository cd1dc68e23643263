"""The outcomes section of a district's monthly report: the findings' figures per body and
per micro-district (numbered as on the report's map), and the yards' index before their first
finding and after their verification (``app.findings.outcome_report``), rounded as printed
into frozen rows (part of the report's cache key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.findings import outcome_report
from app.findings.outcomes import Outcomes
from app.platform.languages import Lang

YARDS_PRINTED = 30
AREAS_PRINTED = 20  # micro-districts, those owing the most first


@dataclass(frozen=True)
class OutcomeLine:
    name: str | None  # the body's name in the report's language; None: no body yet
    opened: int
    fixed: int
    verified: int
    audit_after_fix: int
    audit_without_fix: int
    residents: int
    reopened: int
    median_days: float | None
    median_count: int
    active: int
    overdue: int
    overdue_share: float | None


@dataclass(frozen=True)
class AreaOutcomeLine:
    area_id: str | None  # None: findings of no micro-district
    number: int | None  # its number on the report's map (None: not drawn numbered)
    line: OutcomeLine  # ``line.name``: the area's name in the report's language


@dataclass(frozen=True)
class YardChangeLine:
    yard_id: int
    name: str
    area_name: str | None
    verified: int
    before: float | None
    after: float | None
    change: float | None


@dataclass(frozen=True)
class ReportOutcomes:
    total: OutcomeLine
    previous: OutcomeLine
    bodies: tuple[OutcomeLine, ...]
    areas: tuple[AreaOutcomeLine, ...]
    areas_counted: int  # all the micro-districts with figures (AREAS_PRINTED printed)
    yards: tuple[YardChangeLine, ...]
    yards_verified: int  # all the yards verified in the month (YARDS_PRINTED printed)


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _line(name: str | None, o: Outcomes) -> OutcomeLine:
    return OutcomeLine(
        name,
        o.opened,
        o.fixed,
        o.verified,
        o.verified_how["audit_after_fix"],
        o.verified_how["audit_without_fix"],
        o.verified_how["residents"],
        o.reopened,
        _r(o.median_days),
        o.median_count,
        o.active,
        o.overdue,
        _r(o.overdue_share, 3),
    )


def report_outcomes(
    session: Session,
    *,
    district_id: str,
    month: str,
    lang: Lang,
    area_names: dict[str, str],
    area_numbers: dict[str, int] | None = None,
    now: datetime | None = None,
) -> ReportOutcomes:
    """The section's rows for ``district_id`` in ``month``, names in ``lang``; an area's
    number is its number on the report's map (``area_numbers``), where it has one."""
    found = outcome_report.district_month(session, district_id=district_id, month=month, now=now)
    numbers = area_numbers or {}
    ranked = found.ranked_areas()
    return ReportOutcomes(
        total=_line(None, found.total),
        previous=_line(None, found.previous),
        bodies=tuple(_line(b.name(lang) if b.body_id else None, b.outcomes) for b in found.bodies),
        areas=tuple(
            AreaOutcomeLine(
                area,
                numbers.get(area) if area else None,
                _line(area_names.get(area, area) if area else None, o),
            )
            for area, o in ranked[:AREAS_PRINTED]
        ),
        areas_counted=len(ranked),
        yards=tuple(
            YardChangeLine(
                y.yard_id,
                y.name,
                area_names.get(y.micro_district_id or ""),
                y.verified,
                _r(y.before),
                _r(y.after),
                _r(y.change),
            )
            for y in found.yards[:YARDS_PRINTED]
        ),
        yards_verified=len(found.yards),
    )
