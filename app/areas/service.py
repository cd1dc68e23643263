"""Area figures computed on read from the yard tables alone (never from submissions).

A GROUP BY over the yard table and one over ``yard_risk`` (~20,000 rows, the section risks
as float columns); the map keeps the per-area sums between requests (``KeptSums``) and
re-reads only the areas whose yards changed, so nothing extra runs on each submission.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.areas.figures import AreaFigures, AreaReport, FlagReason, rounded
from app.areas.sums import (
    SECTION_FAIL_RISK,
    AreaSums,
    KeptSums,
    TableState,
    sum_areas,
    table_state,
)

# Read through this module by the channels (the sums live in app.areas.sums).
__all__ = ["SECTION_FAIL_RISK", "KeptSums", "TableState", "table_state"]
from app.districts.models import District
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.scoring import AreaSample, FlagRules, area_flags, assess_areas
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

# ?months= counts a calendar month as this many days.
DAYS_PER_MONTH = 30

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)
_DISTRICT = table_of(District)


def flag_rules(settings: Settings) -> FlagRules:
    return FlagRules(
        problem_risk=settings.problem_area_risk,
        min_audited=settings.area_min_audited,
        problem_probability=settings.problem_area_probability,
        unsure_probability=settings.area_unsure_probability,
        cluster_fdr=settings.cluster_fdr,
        cluster_min_neighbours=settings.cluster_min_neighbours,
        stale_days=settings.area_stale_days,
        min_group_areas=settings.area_min_district_areas,
    )


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
            figures.yards_inspected = one.inspected
            figures.mean_risk = one.risk_sum / one.audited
            figures.sum_squares = max(one.risk_sum_sq - one.audited * figures.mean_risk**2, 0.0)
            figures.district_id = one.district_id
            figures.ops_centre_yards = one.ops_centre
            figures.panic_button_yards = one.panic_button
            figures.disagreeing_yards = one.disagreeing
            view = one.section_view()
            figures.section_fail_share = dict(view.fail_share)
            figures.section_mean_risk = dict(view.mean_risk)
            figures.shown_sections = view.shown
    return areas, (total_sum / total if total else None)


def _group(
    session: Session,
    area_column: str,
    *,
    sections: Sequence[str],
    since: datetime | None,
    kept: KeptSums | None = None,
    state: TableState | None = None,
) -> tuple[dict[str, AreaFigures], float | None]:
    if kept is not None and since is None:
        assert kept.area_column == area_column and kept.sections == tuple(sections)
        return _figures(kept.current(session, state))
    return _figures(sum_areas(session, area_column, sections=sections, since=since))


def _finish(
    areas: dict[str, AreaFigures],
    city_mean: float | None,
    *,
    settings: Settings,
    now: datetime,
    neighbours: dict[str, frozenset[str]] | None,
    by_district: bool = True,
) -> None:
    """Each area's estimate (empirical Bayes over every area with data, district priors
    where ``by_district``), the cluster tests among ``neighbours``, and the flags."""
    rules = flag_rules(settings)
    samples = {
        i: AreaSample(
            f.yards_audited, f.mean_risk, f.sum_squares, f.district_id if by_district else None
        )
        for i, f in areas.items()
        if f.yards_audited and f.mean_risk is not None
    }
    model, clusters = assess_areas(
        samples,
        neighbours=None if neighbours is None else _among(neighbours, samples.keys()),
        rules=rules,
    )
    for area_id, figures in areas.items():
        # No audited yard: no figure (the city mean would be a number made up for it).
        estimate = model.areas.get(area_id) if model is not None else None
        figures.estimate = estimate
        figures.coverage_risk = estimate.mean if estimate is not None else None
        cluster = clusters.get(area_id)
        figures.gi_z = cluster.z if cluster is not None else None
        if not figures.yards_audited and figures.last_submission_at is None:
            # Never a flag without data and submissions (most cells; area_flags is held to
            # it in tests/areas/test_kept_figures.py): ~700 calls fewer per map build.
            figures.flags = []
            continue
        figures.flags = area_flags(
            audited=figures.yards_audited,
            estimate=estimate,
            cluster=cluster,
            last_submission_at=figures.last_submission_at,
            now=now,
            rules=rules,
        )


# The last (neighbours, areas with data) and each of those areas' neighbours with data.
_AMONG: list[tuple[Mapping[str, frozenset[str]], frozenset[str], dict[str, frozenset[str]]]] = []


def _among(
    neighbours: Mapping[str, frozenset[str]], ids: Iterable[str]
) -> dict[str, frozenset[str]]:
    """Each of ``ids``' neighbours among ``ids``: all that the cluster tests look at (they
    skip a neighbour without data), so their figures are the same, and their loops no longer
    walk the city's cells without data; kept while the areas with data stay the same."""
    key = frozenset(ids)
    for kept_neighbours, kept_ids, among in _AMONG:
        if kept_neighbours is neighbours and kept_ids == key:
            return among
    among = {i: neighbours.get(i, frozenset()) & key for i in key}
    _AMONG[:] = [(neighbours, key, among)]
    return among


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
    state: TableState | None = None,
    every_area: bool = True,
) -> AreaReport:
    """Figures and flags of every micro-district (clusters among touching ones); ``kept``:
    sums kept between calls (see KeptSums), used when no ``months`` is given; ``state``: the
    yard tables' state when the caller has just read it (``table_state``). ``every_area``
    false: only the areas with a yard; each one left out has the figures of
    ``AreaFigures(id)`` (no data, no flag), which the map's rebuild need not make again for
    three quarters of the city's cells."""
    now = now or utcnow()
    areas, city_mean = _group(
        session,
        "micro_district_id",
        sections=sections,
        since=_since(months, now),
        kept=kept,
        state=state,
    )
    if every_area:
        for area_id in neighbours:
            if area_id not in areas:
                areas[area_id] = AreaFigures(area_id)
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
    """Figures and flags of every district (no clusters: eight districts are too few)."""
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
    _finish(areas, city_mean, settings=settings, now=now, neighbours=None, by_district=False)
    return [
        DistrictFigures(areas[d.id], d.name_ru, d.name_kk, d.name_en, d.population)
        for d in districts
    ]


def current_area_figures(
    session: Session, *, settings: Settings, area_column: str
) -> dict[str, AreaFigures]:
    """Every area's figures today at one level (``micro_district_id`` or ``district_id``),
    without sections or cluster tests: the estimates the map shows, for a report that
    needs one or two areas (the estimate of one area depends on all of them)."""
    areas, city_mean = _figures(sum_areas(session, area_column, sections=(), since=None))
    _finish(
        areas,
        city_mean,
        settings=settings,
        now=utcnow(),
        neighbours=None,
        by_district=area_column == "micro_district_id",
    )
    return areas
