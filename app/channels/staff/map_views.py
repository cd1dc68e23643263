"""What the inspectors' map and panels show: an area's panel, yards in a box, the district table.

Keyword-only functions over the yard tables (never over raw submissions, except the month
trend, which reads one area's submissions through its index); nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.areas import service as areas_service
from app.areas.figures import AreaFigures, FlagReason
from app.areas.monthly import YardLine, worst_yards
from app.areas.shapes import AreaShapes, area_name
from app.areas.trend import MonthPoint, monthly_trend
from app.platform.config import Settings
from app.platform.db import table_of
from app.platform.errors import NotFound
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

PANEL_WORST_YARDS = 8
TREND_MONTHS = 12
# More markers than this in one view are not drawn one by one: the map asks to zoom in.
MAX_MARKERS = 1500

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)

SORT_KEYS = ("risk", "audited", "per10k", "offences", "name")


@dataclass(frozen=True)
class AreaPanel:
    id: str
    name: str | None
    district_id: str | None
    figures: AreaFigures
    city_mean: float | None
    months: int | None
    worst_yards: list[YardLine]
    trend: list[MonthPoint]

    def as_dict(self, reason: FlagReason | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "district_id": self.district_id,
            "months": self.months,
            "city_mean_risk": None if self.city_mean is None else round(self.city_mean, 1),
            "figures": self.figures.as_dict(reason),
            "worst_yards": [y.as_dict() for y in self.worst_yards],
            "trend": [p.as_dict() for p in self.trend],
        }


def area_panel(
    session: Session,
    *,
    micro_district_id: str,
    settings: Settings,
    shapes: AreaShapes,
    sections: Sequence[str],
    months: int | None = None,
    kept: areas_service.KeptSums | None = None,
) -> AreaPanel:
    """A micro-district's figures and flags (as on the map, same ``months``), its worst yards
    by current risk and its month-by-month trend. ``NotFound`` for an unknown id."""
    shape = shapes.micro_districts.get(micro_district_id)
    if shape is None:
        raise NotFound(f"There is no micro-district {micro_district_id!r}.")
    report = areas_service.micro_district_figures(
        session,
        settings=settings,
        neighbours=shapes.neighbours,
        sections=sections,
        months=months,
        kept=kept if months is None else None,
    )
    return AreaPanel(
        id=shape.id,
        name=area_name(shape),
        district_id=shape.district_id,
        figures=report.areas[shape.id],
        city_mean=report.city_mean,
        months=months,
        worst_yards=worst_yards(session, micro_district_id=shape.id, limit=PANEL_WORST_YARDS),
        trend=monthly_trend(session, micro_district_id=shape.id, months=TREND_MONTHS),
    )


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """ "west,south,east,north" in degrees (the GeoJSON and Leaflet order)."""
        parts = text.split(",")
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise ValueError(
                f"bbox {text[:80]!r} is not four numbers: write west,south,east,north "
                "in degrees, e.g. 76.90,43.23,76.95,43.26"
            ) from None
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError(
                "bbox must be west,south,east,north with west < east and south < north, in degrees"
            )
        return cls(west, south, east, north)


def sorted_districts(
    rows: list[areas_service.DistrictFigures],
    *,
    sort: str,
    lang: str,
    offences: Mapping[str, float | None] | None = None,
) -> list[areas_service.DistrictFigures]:
    """The dashboard's order: riskiest first by default; names A-Z; missing values last;
    ``offences`` (registered offences per 10,000 residents by district) for ``sort="offences"``."""

    def value(d: areas_service.DistrictFigures) -> float:
        f = d.figures
        if sort == "offences":
            rate = (offences or {}).get(f.id)
            return -rate if rate is not None else 1.0
        if sort == "audited":
            return -float(f.yards_audited)
        if sort == "per10k":
            per = f.yards_audited / d.population * 10_000 if d.population else -1.0
            return -per
        # No audited yard: no coverage-aware risk, so it goes last.
        return -f.coverage_risk if f.coverage_risk is not None else 1.0

    if sort == "name":
        return sorted(rows, key=lambda d: {"kk": d.name_kk, "en": d.name_en}.get(lang, d.name_ru))
    return sorted(rows, key=lambda d: (value(d), d.figures.id))
