"""The offence rates of a district's monthly report: registered offences per 10,000 and per
100,000 residents over the 12 months to the report's month end, the city's for comparison,
and the listed areas' estimated rates (``app.offences.rates``), rounded as printed into frozen
rows (part of the report's cache key, with the offence data's fingerprint: a new import is a
new report)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.offences import rates as rates_service


@dataclass(frozen=True)
class AreaRateLine:
    micro_district_id: str
    name: str
    number: int | None  # on the report's map
    offences: int
    residents: int  # estimated, rounded to tens as printed
    per_10k: float | None  # estimated; None: no rate (``no_rate`` says why)
    no_rate: str | None


@dataclass(frozen=True)
class ReportRates:
    """``available`` false: no offence is stored (the report says how to import them)."""

    available: bool
    first_month: str = ""  # YYYY-MM
    last_month: str = ""
    sources: tuple[str, ...] = ()
    synthetic: bool = False
    partial: bool = False
    data_from: date | None = None
    data_to: date | None = None
    offences: int = 0
    per_10k: float | None = None
    per_100k: float | None = None
    population: int | None = None
    population_year: str = ""
    city_offences: int = 0
    city_per_10k: float | None = None
    city_per_100k: float | None = None
    areas: tuple[AreaRateLine, ...] = ()
    fingerprint: str = ""


def _r(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def report_rates(
    session: Session,
    *,
    district_id: str,
    month: str,
    areas: Sequence[tuple[str, str, int | None, int]],
    min_audited: int,
) -> ReportRates:
    """The rates to ``month``'s end; ``areas`` the report's listed areas as (id, name, number on
    the map, yards checked in the month): an area with fewer than ``min_audited`` gets no rate,
    as it gets no problem flag."""
    year, number = (int(part) for part in month.split("-"))
    # Any day of the month ends the window with that month (``rates.window_to``).
    last_day = date(year, number, 1)
    audited: Mapping[str, int] = {a[0]: a[3] for a in areas}
    found = rates_service.offence_rates(
        session,
        last_day=last_day,
        district_ids=[district_id],
        with_areas=True,
        audited=audited,
        min_audited=min_audited,
    )
    if found is None:
        return ReportRates(available=False)
    district = found.districts[district_id]
    by_id = {a.micro_district_id: a for a in district.areas}
    lines = tuple(
        AreaRateLine(
            area_id,
            name,
            number,
            by_id[area_id].offences,
            int(round(by_id[area_id].residents, -1)),
            _r(by_id[area_id].per_10k),
            by_id[area_id].no_rate,
        )
        for area_id, name, number, _yards in areas
        if area_id in by_id
    )
    return ReportRates(
        available=True,
        first_month=_month(found.start),
        last_month=_month(found.last_day),
        sources=found.sources,
        synthetic=found.synthetic,
        partial=found.partial,
        data_from=found.data_from,
        data_to=found.data_to,
        offences=district.offences,
        per_10k=_r(district.per_10k),
        per_100k=_r(district.per_100k),
        population=district.population,
        population_year=(district.population_as_of or "")[:4],
        city_offences=found.city.offences,
        city_per_10k=_r(found.city.per_10k),
        city_per_100k=_r(found.city.per_100k),
        areas=lines,
        fingerprint=found.fingerprint,
    )
