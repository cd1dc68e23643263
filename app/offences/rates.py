"""Registered offences per 10,000 and per 100,000 residents: per district (the indicator the
city reports) and per area (an estimate: ``app.offences.population``).

A window is whole calendar months, ``start`` inclusive and ``end`` exclusive. By default it is
the last 12 full months the stored offences cover (counted back from the latest offence, not
today, so an old import still shows its year); a report passes its own month. Every result
carries what it rests on: the source, the dates the data covers, whether any of it is synthetic.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.districts.models import District
from app.offences import queries
from app.offences.population import METHOD_STREETS, area_population
from app.platform.db import table_of

DEFAULT_MONTHS = 12
# An area rate over fewer estimated residents is noise: one offence moves it by 10 per 10,000.
MIN_AREA_RESIDENTS = 1_000
# The area figures' own minimum (settings.area_min_audited, app/scoring/areas.py FlagRules):
# beside an index that shows "not enough data" a rate would be compared with nothing.
DEFAULT_MIN_AUDITED = 3

NO_RATE_FEW_RESIDENTS = "few_residents"
NO_RATE_FLOOR = "floor_estimate"
NO_RATE_FEW_YARDS = "not_enough_data"

_DISTRICT = table_of(District)


@dataclass(frozen=True)
class AreaRate:
    """An area's offences in the window and its estimated rate per 10,000 residents; None
    with ``no_rate`` saying why (``few_residents``, ``floor_estimate``, ``not_enough_data``)."""

    micro_district_id: str
    district_id: str
    offences: int
    residents: float
    per_10k: float | None
    no_rate: str | None = None


@dataclass(frozen=True)
class DistrictRate:
    """A district's (or the city's, ``district_id`` None) offences and rates; no rate without
    a population."""

    district_id: str | None
    offences: int
    population: int | None
    population_as_of: str | None
    areas: tuple[AreaRate, ...] = ()

    @property
    def per_10k(self) -> float | None:
        return self.offences / self.population * 10_000 if self.population else None

    @property
    def per_100k(self) -> float | None:
        return self.offences / self.population * 100_000 if self.population else None


@dataclass(frozen=True)
class OffenceRates:
    """The rates of a window and what they rest on."""

    start: date
    end: date  # exclusive
    sources: tuple[str, ...]
    synthetic: bool
    data_from: date | None
    data_to: date | None
    articles: tuple[str, ...] | None
    districts: dict[str, DistrictRate]
    city: DistrictRate
    fingerprint: str  # changes with every import: part of a cached report's key

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def partial(self) -> bool:
        """The data does not cover the whole window: the counts are too low."""
        return (
            self.data_from is None
            or self.data_to is None
            or self.data_from > self.start
            or self.data_to < self.last_day
        )


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of ``day``'s month, ``months_back`` months earlier."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def window_to(last_day: date, months: int = DEFAULT_MONTHS) -> tuple[date, date]:
    """``months`` whole months ending with ``last_day``'s month: (start, end exclusive)."""
    end = month_start(last_day + timedelta(days=32 - last_day.day))  # the next month's 1st
    return month_start(end, months), end


def last_full_window(data_to: date, months: int = DEFAULT_MONTHS) -> tuple[date, date]:
    """The last ``months`` full months up to ``data_to``: its own month counts only when
    ``data_to`` is that month's last day."""
    if (data_to + timedelta(days=1)).month != data_to.month:
        return window_to(data_to, months)
    return window_to(month_start(data_to) - timedelta(days=1), months)


def offence_rates(
    session: Session,
    *,
    last_day: date | None = None,
    months: int = DEFAULT_MONTHS,
    articles: Collection[str] | None = None,
    district_ids: Collection[str] | None = None,
    with_areas: bool = False,
    audited: Mapping[str, int] | None = None,
    min_audited: int = DEFAULT_MIN_AUDITED,
) -> OffenceRates | None:
    """Offences and rates per district (``district_ids``, else all) over ``months`` whole
    months ending with ``last_day``'s month (default: the last full months of the data), and
    the city's over all districts for comparison; None when no offence is stored.

    ``with_areas`` adds each area's estimated rate; ``audited`` (yards audited per area), when
    given, leaves out the rate of an area with fewer than ``min_audited``, as its index is.
    """
    covered = queries.coverage(session)
    if covered.empty or covered.date_to is None:
        return None
    if last_day is None:
        start, end = last_full_window(covered.date_to, months)
    else:
        start, end = window_to(last_day, months)
    counts = queries.count_by_district(session, start=start, end=end, articles=articles)
    rows = session.execute(
        select(_DISTRICT.c.id, _DISTRICT.c.population, _DISTRICT.c.population_as_of).order_by(
            _DISTRICT.c.id
        )
    ).all()
    wanted = set(district_ids) if district_ids is not None else None
    area_rates = (
        _area_rates(
            session,
            start=start,
            end=end,
            articles=articles,
            district_ids=[r.id for r in rows if wanted is None or r.id in wanted],
            audited=audited,
            min_audited=min_audited,
        )
        if with_areas
        else {}
    )
    districts = {
        r.id: DistrictRate(
            r.id,
            counts.get(r.id, 0),
            r.population,
            r.population_as_of,
            tuple(area_rates.get(r.id, ())),
        )
        for r in rows
        if wanted is None or r.id in wanted
    }
    as_of = sorted({r.population_as_of for r in rows if r.population_as_of})
    city = DistrictRate(
        None,
        sum(n for key, n in counts.items() if key is not None),
        sum(r.population for r in rows if r.population) or None,
        as_of[-1] if as_of else None,
    )
    last_import = covered.last_import_at.isoformat() if covered.last_import_at else ""
    return OffenceRates(
        start=start,
        end=end,
        sources=covered.sources,
        synthetic=covered.synthetic,
        data_from=covered.date_from,
        data_to=covered.date_to,
        articles=tuple(sorted(articles)) if articles is not None else None,
        districts=districts,
        city=city,
        fingerprint=f"{covered.total}:{covered.date_to}:{last_import}:{int(covered.synthetic)}",
    )


def _area_rates(
    session: Session,
    *,
    start: date,
    end: date,
    articles: Collection[str] | None,
    district_ids: list[str],
    audited: Mapping[str, int] | None,
    min_audited: int,
) -> dict[str, list[AreaRate]]:
    counts = queries.count_by_area(
        session, start=start, end=end, articles=articles, district_ids=district_ids
    )
    found: dict[str, list[AreaRate]] = {}
    wanted = set(district_ids)
    for area_id, area in sorted(area_population(session).items()):
        if area.district_id not in wanted:
            continue
        offences = counts.get(area_id, 0)
        no_rate = None
        if area.method != METHOD_STREETS:
            no_rate = NO_RATE_FLOOR
        elif area.residents < MIN_AREA_RESIDENTS:
            no_rate = NO_RATE_FEW_RESIDENTS
        elif audited is not None and audited.get(area_id, 0) < min_audited:
            no_rate = NO_RATE_FEW_YARDS
        per_10k = None if no_rate else offences / area.residents * 10_000
        found.setdefault(area.district_id, []).append(
            AreaRate(area_id, area.district_id, offences, area.residents, per_10k, no_rate)
        )
    return found
