"""What the inspectors' monthly report shows, for a district or one micro-district.

The month's figures, flags, worst yards and trend come from ``app.areas.monthly`` (the same
summary the inspectors' HTML page reads); this module adds what only the report shows: the
areas' names in the reader's language, the numbers the map and the tables share
(``map_numbers``), flag reasons written by the one formatter, the most common failing items
(``common_items``) and the map's values. One frozen dataclass, also the cache key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from app.areas import monthly
from app.areas import service as areas_service
from app.areas.figures import AreaFigures
from app.areas.monthly_models import YardLine
from app.areas.shapes import AreaShapes
from app.areas.trend import MonthPoint, month_of, monthly_trend, shift_month
from app.channels.reports import common_items, district_outcomes, district_rates
from app.channels.reports.district_models import (
    AreaLine,
    AreaReport,
    FlagLine,
    MapValue,
    MonthFigures,
    YardRow,
)
from app.channels.reports.lang import language
from app.channels.reports.links import methodology_url
from app.channels.reports.yard import almaty_date
from app.channels.web.formatting import Formatter
from app.checklists.loader import ChecklistRegistry
from app.districts import naming as area_naming
from app.districts.models import District, MicroDistrict
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.platform.errors import NotFound
from app.platform.languages import Lang
from app.platform.translations import gettext
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

AREAS_LISTED = 15  # micro-districts in the month's table (riskiest first)

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)


def _figures(point: MonthPoint) -> MonthFigures:
    def r(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return MonthFigures(
        point.month,
        point.submissions,
        point.inspector_audits,
        point.yards,
        r(point.mean_risk, 1),
        r(point.high_risk_share, 3),
    )


def _flag_lines(
    area: str, name: str, number: int | None, figures: AreaFigures, fmt: Formatter
) -> list[FlagLine]:
    """The area's flags, each with its reason in the report's language (the one formatter
    every surface writes flag reasons with)."""
    return [FlagLine(area, name, number, f.code, fmt.flag_reason(f)) for f in figures.flags]


_SHAPE_DIGESTS: dict[int, tuple[AreaShapes, dict[str, str]]] = {}


def shape_digest(shapes: AreaShapes, ids: Iterable[str]) -> str:
    """A digest of the outlines drawn (each outline hashed once per loaded ``AreaShapes``)."""
    cached = _SHAPE_DIGESTS.get(id(shapes))
    if cached is None or cached[0] is not shapes:
        cached = (shapes, {})
        _SHAPE_DIGESTS.clear()
        _SHAPE_DIGESTS[id(shapes)] = cached
    digests = cached[1]
    combined = hashlib.sha256()
    for area_id in sorted(ids):
        if area_id not in digests:
            geometry = shapes.micro_districts[area_id].geometry
            digests[area_id] = hashlib.sha256(
                json.dumps(geometry, sort_keys=True).encode()
            ).hexdigest()
        combined.update(digests[area_id].encode())
    return combined.hexdigest()[:16]


def _micro_figures(session: Session, *, micro_district_id: str, settings: Settings) -> AreaFigures:
    """A micro-district's figures today, as the map computes them (without the whole map)."""
    known = session.execute(
        select(func.count()).where(_YARD.c.micro_district_id == micro_district_id)
    ).scalar_one()
    # The estimate depends on every area (empirical Bayes): the map's own computation.
    areas = areas_service.current_area_figures(
        session, settings=settings, area_column="micro_district_id"
    )
    return areas.get(micro_district_id) or AreaFigures(micro_district_id, yards_known=int(known))


def _rows(
    lines: Sequence[YardLine], names: dict[str, str], numbers: dict[str, int]
) -> tuple[YardRow, ...]:
    return tuple(
        YardRow(
            y.yard_id,
            y.name,
            y.micro_district_id,
            names.get(y.micro_district_id or ""),
            numbers.get(y.micro_district_id or ""),
            round(y.risk_index, 1),
            y.band,
            y.basis,
        )
        for y in lines
    )


def _area_names(session: Session, *, district: District, lang: Lang) -> dict[str, str]:
    """Micro-district id -> its name in ``lang`` (``app.districts.naming.area_name``), for
    every area of the district; the district's name is not repeated after every area's."""
    suffix = f" · {district.name(lang)}"
    rows = session.exec(
        sqlmodel_select(MicroDistrict).where(MicroDistrict.district_id == district.id)
    )
    return {m.id: area_naming.area_name(m, lang).removesuffix(suffix) for m in rows}


def area_title(
    session: Session, *, district_id: str, micro_district_id: str | None, lang: Lang
) -> str:
    """The report's ``area_name`` without building the report (for a cached PDF's file name):
    the district's name, or the micro-district's as ``_area_names`` writes it."""
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(gettext("There is no such district."))
    district_name = district.name(lang)
    if micro_district_id is None:
        return district_name
    micro = session.get(MicroDistrict, micro_district_id)
    if micro is None:
        return f"{district_name} · {micro_district_id}"
    return area_naming.area_name(micro, lang).removesuffix(f" · {district_name}")


def map_numbers(
    areas: Sequence[str], flagged: Sequence[str], yards: Sequence[str | None]
) -> dict[str, int]:
    """The numbers drawn on the map, 1, 2, ...: first the areas of the month's table (riskiest
    first), then flagged areas, then the areas of the riskiest yards not numbered yet."""
    numbers: dict[str, int] = {}
    for area in (*areas, *flagged, *yards):
        if area and area not in numbers:
            numbers[area] = len(numbers) + 1
    return numbers


def area_report(
    session: Session,
    *,
    registry: ChecklistRegistry,
    settings: Settings,
    shapes: AreaShapes,
    lang: Lang,
    month: str,
    district_id: str | None = None,
    micro_district_id: str | None = None,
    now: datetime | None = None,
) -> AreaReport:
    """The month of a district, or (``micro_district_id``) of one micro-district seen within
    its district, with its texts in ``lang``. ``NotFound`` for an unknown area."""
    with language(lang):
        return _area_report(
            session,
            registry=registry,
            settings=settings,
            shapes=shapes,
            lang=lang,
            month=month,
            district_id=district_id,
            micro_district_id=micro_district_id,
            now=now,
        )


def _area_report(
    session: Session,
    *,
    registry: ChecklistRegistry,
    settings: Settings,
    shapes: AreaShapes,
    lang: Lang,
    month: str,
    district_id: str | None = None,
    micro_district_id: str | None = None,
    now: datetime | None = None,
) -> AreaReport:
    now = now or utcnow()
    micro = None
    if micro_district_id is not None:
        micro = session.get(MicroDistrict, micro_district_id)
        if micro is None or micro.district_id is None:
            raise NotFound(gettext("There is no such micro-district."))
        district_id = micro.district_id
    assert district_id is not None
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(gettext("There is no such district."))
    summary = monthly.monthly_summary(
        session, district_id=district_id, month=month, settings=settings, shapes=shapes, now=now
    )
    fmt = Formatter(lang)
    district_name = district.name(lang)
    names = _area_names(session, district=district, lang=lang)
    month_lines = {a.micro_district_id: a for a in summary.areas}
    flagged_areas = [
        area
        for area in summary.flagged_areas
        if micro_district_id is None or area.micro_district_id == micro_district_id
    ]
    in_district = [s.id for s in shapes.micro_districts.values() if s.district_id == district_id]
    if micro is not None:
        assert micro_district_id is not None
        trend = monthly_trend(
            session, micro_district_id=micro_district_id, months=monthly.TREND_MONTHS, until=month
        )
        (previous,) = monthly_trend(
            session, micro_district_id=micro_district_id, months=1, until=shift_month(month, -1)
        )
        worst = monthly.worst_yards(session, micro_district_id=micro_district_id, month=month)
        own = _micro_figures(session, micro_district_id=micro_district_id, settings=settings)
        area_name = names.get(micro_district_id) or f"{district_name} · {micro_district_id}"
        areas = [month_lines[micro_district_id]] if micro_district_id in month_lines else []
    else:
        trend, previous, worst = summary.trend, summary.previous, summary.worst_yards
        own = summary.district_figures
        area_name = district_name
        areas = list(summary.areas)
    listed = areas[:AREAS_LISTED]
    acting = [a for a in flagged_areas if any(f.code != "not_enough_data" for f in a.figures.flags)]
    numbers = map_numbers(
        [a.micro_district_id for a in listed],
        [a.micro_district_id for a in acting],
        [y.micro_district_id for y in worst],
    )
    flag_lines = [
        line
        for area in flagged_areas
        for line in _flag_lines(
            area.micro_district_id,
            names.get(area.micro_district_id, area.micro_district_id),
            numbers.get(area.micro_district_id),
            area.figures,
            fmt,
        )
    ]
    thin = tuple(names.get(f.area, f.area) for f in flag_lines if f.code == "not_enough_data")
    if micro is not None:
        # The micro-district's own flags head the report; no list of other areas.
        own_flags, flag_lines, thin = flag_lines, [], ()
    else:
        own_flags = _flag_lines("", area_name, None, own, fmt)
    common, checked = common_items.common_failing(
        session,
        registry=registry,
        month=month,
        lang=lang,
        district_id=district_id if micro is None else None,
        micro_district_id=micro_district_id,
    )
    map_values = tuple(
        MapValue(
            i,
            round(month_lines[i].coverage_risk, 1) if i in month_lines else None,
            i == micro_district_id,
            numbers.get(i),
        )
        for i in sorted(in_district)
    )
    own_month = month_lines.get(micro_district_id or "")
    return AreaReport(
        level="micro_district" if micro is not None else "district",
        lang=lang,
        area_id=micro_district_id or district_id,
        area_name=area_name,
        district_id=district_id,
        district_name=district_name,
        month=month,
        month_complete=month < month_of(now),
        window_days=settings.current_risk_window_days,
        min_audited=settings.area_min_audited,
        report_date=almaty_date(now),
        current=_figures(trend[-1]),
        previous=_figures(previous),
        city_mean_risk=round(summary.city_mean_risk, 1)
        if summary.city_mean_risk is not None
        else None,
        yards_known=own.yards_known if own else 0,
        yards_audited=own.yards_audited if own else 0,
        yards_inspected=own.yards_inspected if own else 0,
        coverage_risk=round(own.coverage_risk, 1)
        if own and own.coverage_risk is not None
        else None,
        month_coverage_risk=round(own_month.coverage_risk, 1) if own_month else None,
        own_flags=tuple(own_flags),
        flagged_areas=tuple(f for f in flag_lines if f.code != "not_enough_data"),
        areas=tuple(
            AreaLine(
                a.micro_district_id,
                names.get(a.micro_district_id, a.micro_district_id),
                numbers.get(a.micro_district_id),
                a.yards,
                a.submissions,
                round(a.mean_risk, 1),
                round(a.coverage_risk, 1),
                a.problem,
            )
            for a in listed
        ),
        areas_checked=len(areas),
        worst_yards=_rows(worst, names, numbers),
        common_failing=common,
        checked_yards=checked,
        trend=tuple(_figures(p) for p in trend),
        map_values=map_values,
        thin_areas=thin,
        methodology_url=methodology_url(settings),
        map_shapes=shape_digest(shapes, in_district),
        outcomes=None
        if micro is not None
        else district_outcomes.report_outcomes(
            session,
            district_id=district_id,
            month=month,
            lang=lang,
            area_names=names,
            area_numbers=numbers,
            now=now,
        ),
        offences=district_rates.report_rates(
            session,
            district_id=district_id,
            month=month,
            areas=[
                (
                    a.micro_district_id,
                    names.get(a.micro_district_id, a.micro_district_id),
                    numbers.get(a.micro_district_id),
                    a.yards,
                )
                for a in listed
            ],
            min_audited=settings.area_min_audited,
        ),
    )
