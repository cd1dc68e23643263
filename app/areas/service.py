"""Area figures computed on read from the yard tables alone (never from submissions).

A GROUP BY over the yard table and one over ``yard_risk`` (~20,000 rows, the section risks
as float columns); the map keeps the per-area sums between requests (``KeptSums``) and
re-reads only the areas whose yards changed, so nothing extra runs on each submission.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from app.areas.figures import AreaFigures, AreaReport, FlagReason, rounded
from app.districts.models import District
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.scoring import FlagRules, area_flags, getis_ord_gi_star, shrunk_risk
from app.yards.models import Yard
from app.yards.risk_models import SECTION_COLUMNS, YardRisk, section_column

# Section risk at or above this counts the yard as failing the section ("badly lit").
SECTION_FAIL_RISK = 50.0
# ?months= counts a calendar month as this many days.
DAYS_PER_MONTH = 30

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)
_DISTRICT = table_of(District)


def flag_rules(settings: Settings) -> FlagRules:
    return FlagRules(
        problem_risk=settings.problem_area_risk,
        min_audited=settings.area_min_audited,
        hotspot_z=settings.hotspot_z,
        stale_days=settings.area_stale_days,
    )


def _flag_sum(condition: Any) -> Any:
    # sum(boolean) is refused by PostgreSQL; a CASE works on both backends.
    return func.sum(case((condition, 1), else_=0))


@dataclass
class AreaSums:
    """One area's figures as summed from the yard tables (before city-wide figures)."""

    yards_known: int = 0
    last_submission_at: datetime | None = None
    audited: int = 0
    risk_sum: float = 0.0
    ops_centre: int = 0
    panic_button: int = 0
    disagreeing: int = 0
    # Per section: yards that answered it, their mean risk, how many fail it.
    sections: dict[str, tuple[int, float, int]] = field(default_factory=dict)


def _sum_areas(
    session: Session,
    area_column: str,
    *,
    sections: Sequence[str],
    since: datetime | None,
    only: Collection[str | None] | None = None,
) -> dict[str | None, AreaSums]:
    """Per area: yards known (yard table) and audited figures (yard_risk), each one GROUP BY
    (``only``: just these areas); section figures from yard_risk's section columns in SQL,
    so no row reaches Python."""
    sums: dict[str | None, AreaSums] = {}
    known = _YARD.c[area_column]
    area = _YARD_RISK.c[area_column]
    yards_query = select(known, func.count(), func.max(_YARD.c.last_submission_at)).group_by(known)
    if only is not None:
        yards_query = yards_query.where(_in_areas(known, only))
    for area_id, count, last in session.execute(yards_query).all():
        sums[area_id] = AreaSums(yards_known=count, last_submission_at=last)
    # The float column where there is one, the JSON value for a section that has none.
    section_values = {
        name: _YARD_RISK.c[section_column(name)]
        if name in SECTION_COLUMNS
        else _YARD_RISK.c.section_risk[name].as_float()
        for name in sections
    }
    columns: list[Any] = [
        area,
        func.count(),
        func.sum(_YARD_RISK.c.risk_index),
        _flag_sum(_YARD_RISK.c.ops_centre),
        _flag_sum(_YARD_RISK.c.panic_button),
        _flag_sum(_YARD_RISK.c.disagrees),
    ]
    for value in section_values.values():
        columns += [func.count(value), func.avg(value), _flag_sum(value >= SECTION_FAIL_RISK)]
    query = select(*columns).where(_YARD_RISK.c.risk_index.is_not(None)).group_by(area)
    if since is not None:
        query = query.where(_YARD_RISK.c.last_submission_at >= since)
    if only is not None:
        query = query.where(_in_areas(area, only))
    for row in session.execute(query).all():
        area_id, count, risk_sum, ops, panic, disagree = row[:6]
        one = sums.setdefault(area_id, AreaSums())
        one.audited, one.risk_sum = count, float(risk_sum)
        one.ops_centre, one.panic_button, one.disagreeing = int(ops), int(panic), int(disagree)
        for n, name in enumerate(section_values):
            answered, mean, failing = row[6 + 3 * n : 9 + 3 * n]
            if answered:
                one.sections[name] = (int(answered), float(mean), int(failing))
    return sums


def _in_areas(column: Any, only: Collection[str | None]) -> Any:
    ids = [i for i in only if i is not None]
    condition = column.in_(ids)
    return or_(condition, column.is_(None)) if None in only else condition


def _figures(
    sums: dict[str | None, AreaSums],
) -> tuple[dict[str, AreaFigures], float | None]:
    """Area figures and the city's mean risk (every audited yard, with or without an area)."""
    areas: dict[str, AreaFigures] = {}
    total, total_sum = 0, 0.0
    # A fixed order, so the city's float sum does not depend on where the sums came from.
    for area_id in sorted(sums, key=lambda i: (i is not None, i or "")):
        one = sums[area_id]
        total, total_sum = total + one.audited, total_sum + one.risk_sum
        if area_id is None:
            continue
        figures = areas[area_id] = AreaFigures(
            area_id, yards_known=one.yards_known, last_submission_at=one.last_submission_at
        )
        if one.audited:
            figures.yards_audited = one.audited
            figures.mean_risk = one.risk_sum / one.audited
            figures.ops_centre_yards = one.ops_centre
            figures.panic_button_yards = one.panic_button
            figures.disagreeing_yards = one.disagreeing
            for name, (answered, mean, failing) in one.sections.items():
                figures.section_mean_risk[name] = mean
                figures.section_fail_share[name] = failing / answered
    return areas, (total_sum / total if total else None)


# The yard tables' state: a yard added or removed, a yard_risk row added, removed or
# rewritten (every write stamps updated_at, which is indexed).
_STATE = select(
    select(func.count()).select_from(_YARD).scalar_subquery().label("yards"),
    select(func.count()).select_from(_YARD_RISK).scalar_subquery().label("rows"),
    select(func.max(_YARD_RISK.c.updated_at)).scalar_subquery().label("updated"),
)


def table_state(session: Session) -> tuple[int, int, datetime | None]:
    yards, rows, updated = session.execute(_STATE).one()
    return int(yards), int(rows), updated


# On PostgreSQL, rows stamped this long before the newest one seen are read again too: a
# transaction may commit a moment after another that stamped its row later. SQLite runs one
# writer at a time, so rows are stamped in commit order.
CHANGE_MARGIN_S = 2.0


class KeptSums:
    """One area level's sums (all time, no ``months``), kept in memory between requests
    and brought up to date by re-reading only the areas whose yards changed: a bounded
    recompute, so a read after a write costs a few areas' GROUP BY, not 20,000 rows.

    Changed areas are those with a ``yard_risk`` row stamped since the last read (each
    submission rewrites its yard's row, a new yard included). Anything else (rows or yards
    removed, a yard added without a submission, ``max_age_s`` passed) re-reads everything.
    """

    def __init__(
        self, area_column: str, sections: Sequence[str], *, max_age_s: float = 300.0
    ) -> None:
        self.area_column = area_column
        self.sections = tuple(sections)
        self.max_age_s = max_age_s
        self._sums: dict[str | None, AreaSums] = {}
        self._state: tuple[int, int, datetime | None] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def current(
        self, session: Session, state: tuple[int, int, datetime | None] | None = None
    ) -> dict[str | None, AreaSums]:
        state = state or table_state(session)
        with self._lock:
            old = self._state
            if old is not None and state == old:
                return self._sums
            if (
                old is None
                or old[2] is None
                or state[2] is None
                or state[0] - old[0] < 0
                or state[1] - old[1] < 0
                or state[0] - old[0] > state[1] - old[1]
                or time.monotonic() - self._read_at > self.max_age_s
            ):
                self._sums = _sum_areas(
                    session, self.area_column, sections=self.sections, since=None
                )
                self._read_at = time.monotonic()
            else:
                column = _YARD_RISK.c[self.area_column]
                margin = 0.0 if session.get_bind().dialect.name == "sqlite" else CHANGE_MARGIN_S
                since = old[2] - timedelta(seconds=margin)
                # No DISTINCT: SQLite would then walk the area index over every row
                # instead of the few rows the updated_at index finds.
                changed = set(
                    session.execute(
                        select(column).where(_YARD_RISK.c.updated_at >= since)
                    ).scalars()
                )
                fresh = _sum_areas(
                    session, self.area_column, sections=self.sections, since=None, only=changed
                )
                sums = {k: v for k, v in self._sums.items() if k not in changed}
                sums.update(fresh)
                self._sums = sums
            self._state = state
            return self._sums


def _group(
    session: Session,
    area_column: str,
    *,
    sections: Sequence[str],
    since: datetime | None,
    kept: KeptSums | None = None,
) -> tuple[dict[str, AreaFigures], float | None]:
    if kept is not None and since is None:
        assert kept.area_column == area_column and kept.sections == tuple(sections)
        return _figures(kept.current(session))
    return _figures(_sum_areas(session, area_column, sections=sections, since=since))


def _finish(
    areas: dict[str, AreaFigures],
    city_mean: float | None,
    *,
    settings: Settings,
    now: datetime,
    neighbours: dict[str, frozenset[str]] | None,
) -> None:
    for figures in areas.values():
        # No audited yard: no figure (the city mean would be a number made up for it).
        figures.coverage_risk = (
            shrunk_risk(
                figures.yards_audited,
                figures.mean_risk,
                city_mean or 0.0,
                settings.area_shrinkage_k,
            )
            if figures.yards_audited and figures.mean_risk is not None
            else None
        )
    if neighbours is not None:
        # Gi* over the areas that have audited yards, on their coverage-aware risk.
        values = {i: f.coverage_risk for i, f in areas.items() if f.coverage_risk is not None}
        for area_id, z in getis_ord_gi_star(values, neighbours).items():
            areas[area_id].gi_z = z
    rules = flag_rules(settings)
    for figures in areas.values():
        figures.flags = area_flags(
            audited=figures.yards_audited,
            coverage_risk=figures.coverage_risk,
            gi_z=figures.gi_z,
            last_submission_at=figures.last_submission_at,
            now=now,
            rules=rules,
        )


def _since(months: int | None, now: datetime) -> datetime | None:
    return now - timedelta(days=DAYS_PER_MONTH * months) if months else None


def micro_district_figures(
    session: Session,
    *,
    settings: Settings,
    neighbours: dict[str, frozenset[str]],
    sections: Sequence[str],
    months: int | None = None,
    now: datetime | None = None,
    kept: KeptSums | None = None,
) -> AreaReport:
    """Figures and flags of every micro-district (hotspots among touching ones); ``kept``:
    sums kept between calls (see KeptSums), used when no ``months`` is given."""
    now = now or utcnow()
    areas, city_mean = _group(
        session, "micro_district_id", sections=sections, since=_since(months, now), kept=kept
    )
    for area_id in neighbours:
        areas.setdefault(area_id, AreaFigures(area_id))
    _finish(areas, city_mean, settings=settings, now=now, neighbours=neighbours)
    return AreaReport(areas, city_mean, tuple(sections))


@dataclass(frozen=True)
class DistrictFigures:
    figures: AreaFigures
    name_ru: str
    name_kk: str
    name_en: str
    population: int | None

    def as_dict(self, reason: FlagReason | None = None) -> dict[str, Any]:
        out = self.figures.as_dict(reason)
        per_10k = self.figures.yards_audited / self.population * 10_000 if self.population else None
        out.update(
            name_ru=self.name_ru,
            name_kk=self.name_kk,
            name_en=self.name_en,
            population=self.population,
            audited_per_10k_residents=rounded(per_10k, 2),
        )
        return out


def district_figures(
    session: Session,
    *,
    settings: Settings,
    sections: Sequence[str],
    months: int | None = None,
    now: datetime | None = None,
    kept: KeptSums | None = None,
) -> list[DistrictFigures]:
    """Figures and flags of every district (no hotspots: eight districts are too few)."""
    now = now or utcnow()
    areas, city_mean = _group(
        session, "district_id", sections=sections, since=_since(months, now), kept=kept
    )
    districts = session.execute(
        select(
            _DISTRICT.c.id,
            _DISTRICT.c.name_ru,
            _DISTRICT.c.name_kk,
            _DISTRICT.c.name_en,
            _DISTRICT.c.population,
        ).order_by(_DISTRICT.c.id)
    ).all()
    for d in districts:
        areas.setdefault(d.id, AreaFigures(d.id))
    _finish(areas, city_mean, settings=settings, now=now, neighbours=None)
    return [
        DistrictFigures(areas[d.id], d.name_ru, d.name_kk, d.name_en, d.population)
        for d in districts
    ]
