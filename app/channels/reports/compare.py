"""A yard beside its micro-district, district and city: audited yards, mean index and the
coverage-aware risk the map shows (three small aggregates over ``yard_risk``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.areas import service as areas_service
from app.channels.reports.yard_models import Comparison
from app.platform.config import Settings
from app.platform.db import table_of
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

_YARD_RISK = table_of(YardRisk)


def area_mean(session: Session, *conditions: Any) -> tuple[int, float | None]:
    r = _YARD_RISK.c
    count, mean = session.execute(
        select(func.count(), func.avg(r.risk_index)).where(r.risk_index.is_not(None), *conditions)
    ).one()
    return int(count), float(mean) if mean is not None else None


def comparisons(
    session: Session, *, yard: Yard, district_name: str, settings: Settings
) -> tuple[tuple[Comparison, ...], float | None, float | None]:
    """The yard's micro-district, district and city: audited yards, mean and coverage-aware
    risk (as the map computes it); and the share of the district's yards riskier than it.

    Three small aggregates over ``yard_risk`` (indexed by area), not the whole area report.
    """
    r = _YARD_RISK.c
    city_n, city_mean = area_mean(session)

    def line(
        level: str, name: str, n: int, mean: float | None, column: str, key: str
    ) -> Comparison:
        # The area's estimate as the map computes it (empirical Bayes over all areas).
        areas = areas_service.current_area_figures(session, settings=settings, area_column=column)
        figures = areas.get(key)
        return Comparison(level, name, n, mean, figures.coverage_risk if figures else None)

    out = []
    if yard.micro_district_id is not None:
        n, mean = area_mean(session, r.micro_district_id == yard.micro_district_id)
        out.append(
            line(
                "micro_district",
                yard.micro_district_id,
                n,
                mean,
                "micro_district_id",
                yard.micro_district_id,
            )
        )
    n, mean = area_mean(session, r.district_id == yard.district_id)
    out.append(line("district", district_name, n, mean, "district_id", yard.district_id))
    out.append(Comparison("city", "", city_n, city_mean, city_mean))
    own = session.execute(select(r.risk_index).where(r.yard_id == yard.id)).scalar_one_or_none()
    riskier = None
    if own is not None and n > 1:
        worse = session.execute(
            select(func.count()).where(
                r.district_id == yard.district_id, r.risk_index > own, r.yard_id != yard.id
            )
        ).scalar_one()
        riskier = worse / (n - 1)
    return tuple(out), riskier, own
