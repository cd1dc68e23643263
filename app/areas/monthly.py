"""A district's month: the figures the roadmap's monthly analysis asks for.

One service function, ``monthly_summary``, gathers everything (the HTML page, the JSON API and
the PDF report all read the same dataclass). Months are Almaty calendar months (see
``app.areas.trend``). Month figures come from that month's submissions; the yards' risk is their
current risk (``yard_risk``); flags are today's, since flags judge the present state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.areas import service as areas_service
from app.areas.month_cache import MISSING, MonthCache
from app.areas.monthly_models import AreaMonth, FlaggedArea, MonthlySummary, YardLine
from app.areas.shapes import AreaShapes, load_area_shapes
from app.areas.trend import (
    MonthPoint,
    month_of,
    month_start,
    monthly_trend,
    parse_month,
    shift_month,
)
from app.districts.models import District, MicroDistrict
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.platform.errors import Invalid, NotFound
from app.scoring import AreaSample, estimate_areas
from app.submissions.models import Submission
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

TREND_MONTHS = 12
WORST_YARDS = 10
PROBLEM_AREAS = 10

_SUBMISSION = table_of(Submission)
_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)
_MICRO = table_of(MicroDistrict)


def checked_month(text: str | None, *, now: datetime | None = None) -> str:
    """A "YYYY-MM" month that has begun (default: this month); ``Invalid`` (422) otherwise."""
    this_month = month_of(now or utcnow())
    if text is None or text == "":
        return this_month
    try:
        month = parse_month(text)
    except ValueError as error:
        raise Invalid(
            str(error), details=[{"field": "month", "message": "expected YYYY-MM"}]
        ) from None
    if month > this_month:
        raise Invalid(
            f"{month} has not begun yet; choose {this_month} or an earlier month",
            details=[{"field": "month", "message": "a future month"}],
        )
    return month


def _yard_means(month: str, *, district_id: str | None) -> Any:
    """Per yard (and its micro-district): the mean index of its scored submissions that month."""
    s = _SUBMISSION.c
    query = (
        select(
            s.micro_district_id.label("micro_district_id"),
            s.yard_id.label("yard_id"),
            func.avg(s.risk_index).label("risk"),
            func.count().label("n"),
        )
        .where(
            s.received_at >= month_start(month),
            s.received_at < month_start(shift_month(month, 1)),
            s.risk_index.is_not(None),
        )
        .group_by(s.micro_district_id, s.yard_id)
    )
    if district_id is not None:
        query = query.where(s.district_id == district_id)
    return query.subquery()


def _district_trend(
    session: Session, *, district_id: str, month: str, this_month: str, cache: MonthCache | None
) -> list[MonthPoint]:
    """The 12 months ending with ``month``; months that are over come from the cache."""
    if cache is None:
        return monthly_trend(session, district_id=district_id, months=TREND_MONTHS, until=month)
    first = shift_month(month, -(TREND_MONTHS - 1))
    names = [shift_month(first, step) for step in range(TREND_MONTHS)]
    found = {m: cache.done(("trend", district_id, m)) for m in names if m < this_month}
    if any(point is MISSING for point in found.values()):
        points = monthly_trend(session, district_id=district_id, months=TREND_MONTHS, until=month)
        for point in points:
            if point.month < this_month:
                cache.keep_done(("trend", district_id, point.month), point)
        return points
    if month < this_month:
        return [found[m] for m in names]
    (running,) = monthly_trend(session, district_id=district_id, months=1, until=month)
    return [found[m] for m in names[:-1]] + [running]


def _city_mean(
    session: Session, *, month: str, this_month: str, cache: MonthCache | None
) -> float | None:
    """The mean over the city's yards checked in the month of each yard's mean index."""

    def compute() -> float | None:
        yards = _yard_means(month, district_id=None)
        mean = session.execute(select(func.avg(yards.c.risk))).scalar_one()
        return float(mean) if mean is not None else None

    if cache is None:
        return compute()
    if month == this_month:
        return cache.running(("city", month), compute)
    found = cache.done(("city", month))
    if found is MISSING:
        found = compute()
        cache.keep_done(("city", month), found)
    return found


def _area_months(
    session: Session, *, district_id: str, month: str, city_mean: float | None, settings: Settings
) -> list[AreaMonth]:
    yards = _yard_means(month, district_id=district_id)
    rows = session.execute(
        select(
            yards.c.micro_district_id,
            _MICRO.c.name,
            _MICRO.c.name_kk,
            _MICRO.c.name_en,
            func.count(),
            func.sum(yards.c.n),
            func.avg(yards.c.risk),
            func.sum(yards.c.risk * yards.c.risk),
        )
        .select_from(yards)
        .outerjoin(_MICRO, _MICRO.c.id == yards.c.micro_district_id)
        .where(yards.c.micro_district_id.is_not(None))
        .group_by(yards.c.micro_district_id, _MICRO.c.name, _MICRO.c.name_kk, _MICRO.c.name_en)
    ).all()
    # The month's areas of this district, estimated together (empirical Bayes, the
    # district's month mean as the prior; see docs/METHODOLOGY.md "Area figures").
    model = estimate_areas(
        {
            r[0]: AreaSample(int(r[4]), float(r[6]), max(float(r[7]) - r[4] * float(r[6]) ** 2, 0))
            for r in rows
        },
        limit=settings.problem_area_risk,
    )
    areas = []
    for area_id, name, name_kk, name_en, count, submissions, mean, _sq in rows:
        assert model is not None
        estimate = model.areas[area_id]
        areas.append(
            AreaMonth(
                micro_district_id=area_id,
                name=name,
                names=_names(area_id, name, name_kk, name_en),
                yards=int(count),
                submissions=int(submissions),
                mean_risk=float(mean),
                coverage_risk=estimate.mean,
                risk_low=estimate.low,
                risk_high=estimate.high,
                p_problem=estimate.p_exceed,
                problem=count >= settings.area_min_audited
                and estimate.p_exceed >= settings.problem_area_probability,
            )
        )
    areas.sort(key=lambda a: (-a.coverage_risk, a.micro_district_id))
    return areas


def worst_yards(
    session: Session,
    *,
    district_id: str | None = None,
    micro_district_id: str | None = None,
    month: str | None = None,
    limit: int = WORST_YARDS,
) -> list[YardLine]:
    """Yards by current risk (``yard_risk``), worst first; with ``month``, only the yards
    checked that month."""
    r = _YARD_RISK.c
    query = (
        select(
            r.yard_id,
            _YARD.c.public_name,
            r.micro_district_id,
            r.risk_index,
            r.band,
            r.basis,
            r.last_submission_at,
        )
        .join(_YARD, _YARD.c.id == r.yard_id)
        .where(r.risk_index.is_not(None))
        .order_by(r.risk_index.desc(), r.yard_id)
        .limit(limit)
    )
    if district_id is not None:
        query = query.where(r.district_id == district_id)
    if micro_district_id is not None:
        query = query.where(r.micro_district_id == micro_district_id)
    if month is not None:
        s = _SUBMISSION.c
        checked = select(s.yard_id).where(
            s.received_at >= month_start(month),
            s.received_at < month_start(shift_month(month, 1)),
        )
        if district_id is not None:
            checked = checked.where(s.district_id == district_id)
        query = query.where(r.yard_id.in_(checked))
    return [YardLine(*row) for row in session.execute(query).all()]


def monthly_summary(
    session: Session,
    *,
    district_id: str,
    month: str,
    settings: Settings,
    shapes: AreaShapes | None = None,
    now: datetime | None = None,
    cache: MonthCache | None = None,
    micro_kept: areas_service.KeptSums | None = None,
    district_kept: areas_service.KeptSums | None = None,
) -> MonthlySummary:
    """The district's month ("YYYY-MM", Almaty): counts and mean index against the previous
    month, micro-districts of the month (problem areas first), the worst yards checked that
    month, today's flags and the 12-month trend. ``NotFound`` for an unknown district.
    ``cache``, ``micro_kept``, ``district_kept``: what the web process keeps between calls
    (``MonthCache``, ``areas.service.KeptSums``); without them everything is read afresh."""
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(f"There is no district {district_id!r}.")
    month = parse_month(month)
    this_month = month_of(now or utcnow())
    trend = _district_trend(
        session, district_id=district_id, month=month, this_month=this_month, cache=cache
    )
    previous = shift_month(month, -1)
    previous_point = trend[-2]
    city_mean = _city_mean(session, month=month, this_month=this_month, cache=cache)
    areas = _area_months(
        session, district_id=district_id, month=month, city_mean=city_mean, settings=settings
    )

    shapes = shapes or load_area_shapes(session)
    report = areas_service.micro_district_figures(
        session,
        settings=settings,
        neighbours=shapes.neighbours,
        sections=micro_kept.sections if micro_kept else (),
        now=now,
        kept=micro_kept,
    )
    flagged, never_checked, unchecked = [], 0, 0
    for shape in shapes.micro_districts.values():
        figures = report.areas.get(shape.id)
        if shape.district_id != district_id or figures is None:
            continue
        # Areas without data are counted, not listed: no yard known, or yards nobody checked.
        if not figures.yards_known:
            never_checked += 1
        elif figures.flags:
            names = _names(shape.id, shape.name, shape.name_kk, shape.name_en)
            flagged.append(FlaggedArea(shape.id, shape.name, figures, names))
        elif not figures.has_data:
            unchecked += 1
    # Areas with a figure first, riskiest first; areas without one (stale only) after them.
    flagged.sort(
        key=lambda a: (
            a.figures.coverage_risk is None,
            -(a.figures.coverage_risk or 0.0),
            a.micro_district_id,
        )
    )
    district_row = next(
        d
        for d in areas_service.district_figures(
            session,
            settings=settings,
            sections=district_kept.sections if district_kept else (),
            now=now,
            kept=district_kept,
        )
        if d.figures.id == district_id
    )
    return MonthlySummary(
        district_id=district_id,
        district_names={"ru": district.name_ru, "kk": district.name_kk, "en": district.name_en},
        month=month,
        previous_month=previous,
        current=trend[-1],
        previous=previous_point,
        city_mean_risk=city_mean,
        areas=areas,
        problem_areas=[a for a in areas if a.problem][:PROBLEM_AREAS],
        worst_yards=worst_yards(session, district_id=district_id, month=month),
        flagged_areas=flagged,
        district_figures=district_row.figures,
        never_checked_areas=never_checked,
        unchecked_areas=unchecked,
        trend=trend,
        generated_at=now or utcnow(),
    )


def _names(area_id: str, ru: str | None, kk: str | None, en: str | None) -> dict[str, str]:
    """The area's name per language, as ``app.districts.naming.area_name`` picks it."""
    russian = ru or area_id
    return {"ru": russian, "kk": kk or russian, "en": en or russian}
