"""Area figures computed on read from the yard tables alone (never from submissions).

A GROUP BY over the yard table and one pass over ``yard_risk`` (~20,000 rows): a few
milliseconds per request, and nothing extra to keep current on each submission.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session

from app.config import Settings
from app.db import table_of, utcnow
from app.districts.models import District
from app.scoring import Flag, FlagRules, area_flags, getis_ord_gi_star, shrunk_risk
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

# Section risk at or above this counts the yard as failing the section ("badly lit").
SECTION_FAIL_RISK = 50.0
# ?months= counts a calendar month as this many days.
DAYS_PER_MONTH = 30

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)
_DISTRICT = table_of(District)


@dataclass
class AreaFigures:
    id: str
    yards_known: int = 0
    yards_audited: int = 0
    mean_risk: float | None = None
    coverage_risk: float = 0.0
    section_fail_share: dict[str, float] = field(default_factory=dict)
    section_mean_risk: dict[str, float] = field(default_factory=dict)
    ops_centre_yards: int = 0
    panic_button_yards: int = 0
    disagreeing_yards: int = 0
    last_submission_at: datetime | None = None
    gi_z: float | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def coverage(self) -> float | None:
        return self.yards_audited / self.yards_known if self.yards_known else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "yards_known": self.yards_known,
            "yards_audited": self.yards_audited,
            "coverage": _r(self.coverage, 3),
            "mean_risk": _r(self.mean_risk),
            "coverage_risk": _r(self.coverage_risk),
            "section_fail_share": {k: _r(v, 3) for k, v in self.section_fail_share.items()},
            "section_mean_risk": {k: _r(v) for k, v in self.section_mean_risk.items()},
            "ops_centre_yards": self.ops_centre_yards,
            "panic_button_yards": self.panic_button_yards,
            "disagreeing_yards": self.disagreeing_yards,
            "last_submission_at": self.last_submission_at.isoformat()
            if self.last_submission_at
            else None,
            "gi_z": _r(self.gi_z, 2),
            "flags": [{"code": f.code, "reason": f.reason} for f in self.flags],
        }


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class AreaReport:
    areas: dict[str, AreaFigures]
    city_mean: float | None
    sections: tuple[str, ...]


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


def _group(
    session: Session,
    area_column: str,
    *,
    sections: Sequence[str],
    since: datetime | None,
) -> tuple[dict[str, AreaFigures], float | None]:
    """Per area: yards known (yard table) and audited figures (yard_risk), each one GROUP BY;
    section figures read from the JSON column in SQL, so no row reaches Python."""
    areas: dict[str, AreaFigures] = {}
    known = _YARD.c[area_column]
    for area_id, count, last in session.execute(
        select(known, func.count(), func.max(_YARD.c.last_submission_at)).group_by(known)
    ).all():
        if area_id is not None:
            areas[area_id] = AreaFigures(
                area_id,
                yards_known=count,
                last_submission_at=last,
            )
    area = _YARD_RISK.c[area_column]
    section_values = {name: _YARD_RISK.c.section_risk[name].as_float() for name in sections}
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
    total, total_sum = 0, 0.0
    for row in session.execute(query).all():
        area_id, count, risk_sum, ops, panic, disagree = row[:6]
        total, total_sum = total + count, total_sum + risk_sum
        if area_id is None:
            continue
        figures = areas.setdefault(area_id, AreaFigures(area_id))
        figures.yards_audited = count
        figures.mean_risk = risk_sum / count
        figures.ops_centre_yards, figures.panic_button_yards = int(ops), int(panic)
        figures.disagreeing_yards = int(disagree)
        for n, name in enumerate(section_values):
            answered, mean, failing = row[6 + 3 * n : 9 + 3 * n]
            if answered:
                figures.section_mean_risk[name] = float(mean)
                figures.section_fail_share[name] = failing / answered
    return areas, (total_sum / total if total else None)


def _finish(
    areas: dict[str, AreaFigures],
    city_mean: float | None,
    *,
    settings: Settings,
    now: datetime,
    neighbours: dict[str, frozenset[str]] | None,
) -> None:
    for figures in areas.values():
        figures.coverage_risk = shrunk_risk(
            figures.yards_audited, figures.mean_risk, city_mean or 0.0, settings.area_shrinkage_k
        )
    if neighbours is not None:
        # Gi* over the areas that have audited yards, on their coverage-aware risk.
        values = {i: f.coverage_risk for i, f in areas.items() if f.yards_audited}
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
) -> AreaReport:
    """Figures and flags of every micro-district (hotspots among touching ones)."""
    now = now or utcnow()
    areas, city_mean = _group(
        session, "micro_district_id", sections=sections, since=_since(months, now)
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

    def as_dict(self) -> dict[str, Any]:
        out = self.figures.as_dict()
        per_10k = self.figures.yards_audited / self.population * 10_000 if self.population else None
        out.update(
            name_ru=self.name_ru,
            name_kk=self.name_kk,
            name_en=self.name_en,
            population=self.population,
            audited_per_10k_residents=_r(per_10k, 2),
        )
        return out


def district_figures(
    session: Session,
    *,
    settings: Settings,
    sections: Sequence[str],
    months: int | None = None,
    now: datetime | None = None,
) -> list[DistrictFigures]:
    """Figures and flags of every district (no hotspots: eight districts are too few)."""
    now = now or utcnow()
    areas, city_mean = _group(session, "district_id", sections=sections, since=_since(months, now))
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


def yard_features(session: Session) -> Iterable[dict[str, Any]]:
    """Yards with a current score as GeoJSON features: no personal data (no comments, no
    submission ids, no addresses), coordinates rounded to 4 decimals (about 10 m)."""
    rows = session.execute(
        select(
            _YARD.c.id,
            _YARD.c.lat,
            _YARD.c.lon,
            _YARD_RISK.c.micro_district_id,
            _YARD_RISK.c.district_id,
            _YARD_RISK.c.basis,
            _YARD_RISK.c.risk_index,
            _YARD_RISK.c.band,
            _YARD_RISK.c.completeness,
            _YARD_RISK.c.section_risk,
            _YARD_RISK.c.residents,
            _YARD_RISK.c.inspector_audits,
            _YARD_RISK.c.disagrees,
        )
        .join(_YARD_RISK, _YARD_RISK.c.yard_id == _YARD.c.id)
        .where(_YARD_RISK.c.risk_index.is_not(None))
        .order_by(_YARD.c.id)
    ).all()
    for r in rows:
        yield {
            "type": "Feature",
            "id": r.id,
            "geometry": {"type": "Point", "coordinates": [round(r.lon, 4), round(r.lat, 4)]},
            "properties": {
                "yard_id": r.id,
                "micro_district_id": r.micro_district_id,
                "district_id": r.district_id,
                "basis": r.basis,
                "risk_index": _r(r.risk_index),
                "band": r.band,
                "completeness": _r(r.completeness, 3),
                "section_risk": {k: _r(v) for k, v in (r.section_risk or {}).items()},
                "residents": r.residents,
                "inspector_audits": r.inspector_audits,
                "disagreement_flag": bool(r.disagrees),
            },
        }
