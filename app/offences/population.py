"""Residents per area, estimated: the district's official population shared among its areas.

No official figure exists below the district (the statistics bureau publishes the 8 districts).
The share of each area is the length of named street inside it (OpenStreetMap,
``app.geo.road_length``) as a proxy for how built-up it is; an area with no street, or very
little, gets a floor of ``FLOOR_SHARE_OF_DENSITY`` times its district's street density over its
land: such areas (slopes, parks, the airport, fields at the city's edge) hold few residents,
rarely none (dachas, unnamed lanes), and an offence rate needs a denominator above zero. The
areas of a district sum to the district's population. Street length is not floors: a block of
16-storey houses and a street of private houses of the same length get the same residents, so
the estimate is rough within a district (docs/OFFENCES.md "Rates and population").
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlmodel import Session

from app.districts.models import District, MicroDistrict
from app.geo.locator import to_metric
from app.geo.road_length import DEFAULT_STREETS_FILE, load_street_lines, road_length_m
from app.platform.db import table_of

# An area's weight is never below this share of its district's street metres per km² times its
# land: 10% keeps a street-less area's rate defined without handing a slope a housing estate.
FLOOR_SHARE_OF_DENSITY = 0.10

METHOD_STREETS = "street_length"
METHOD_FLOOR = "land_floor"
METHOD_NO_POPULATION = "no_district_population"

_DISTRICT = table_of(District)
_AREA = table_of(MicroDistrict)


@dataclass(frozen=True)
class AreaPopulation:
    """An area's estimated residents; ``share`` of its district's population, by ``method``:
    ``street_length`` (its named streets), ``land_floor`` (the floor by land size: too little
    street) or ``no_district_population`` (its district has no population: ``residents`` 0)."""

    micro_district_id: str
    district_id: str
    residents: float
    share: float
    road_km: float
    size_km2: float
    method: str


_cache: dict[tuple[object, ...], dict[str, AreaPopulation]] = {}
_lock = threading.Lock()


def area_population(
    session: Session, *, streets_file: Path = DEFAULT_STREETS_FILE
) -> dict[str, AreaPopulation]:
    """Every micro-district with a district, by id, with its estimated residents.

    Computed once per process for the areas, districts and populations stored (a cheap query
    tells whether they changed), so a page can call it on every request.
    """
    key = _fingerprint(session, streets_file)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    result = _estimate(session, streets_file)
    with _lock:
        if len(_cache) >= 8:  # test databases and imports come and go: keep a handful
            _cache.clear()
        _cache[key] = result
    return result


def _fingerprint(session: Session, streets_file: Path) -> tuple[object, ...]:
    """What the estimate depends on, in one round trip per table."""
    areas = session.execute(
        select(
            func.count(),
            func.max(_AREA.c.imported_at),
            func.sum(func.length(_AREA.c.geometry)),
            func.count(_AREA.c.district_id),
        )
    ).one()
    districts = session.execute(
        select(_DISTRICT.c.id, _DISTRICT.c.population, _DISTRICT.c.imported_at).order_by(
            _DISTRICT.c.id
        )
    ).all()
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    return (url, str(streets_file), tuple(areas), tuple(tuple(d) for d in districts))


def _estimate(session: Session, streets_file: Path) -> dict[str, AreaPopulation]:
    districts = {
        row.id: (row.population, to_metric(shape(json.loads(row.geometry))))
        for row in session.execute(
            select(_DISTRICT.c.id, _DISTRICT.c.population, _DISTRICT.c.geometry)
        )
    }
    rows = session.execute(
        select(_AREA.c.id, _AREA.c.district_id, _AREA.c.geometry)
        .where(_AREA.c.district_id.is_not(None))
        .order_by(_AREA.c.id)
    ).all()
    rows = [r for r in rows if r.district_id in districts]
    # The land of an area inside its district: a cell at the city's edge keeps its whole
    # polygon (app/geo/nesting.py), but only its part in the district holds its residents.
    inside = [
        shapely.intersection(to_metric(shape(json.loads(r.geometry))), districts[r.district_id][1])
        for r in rows
    ]
    lengths = road_length_m(inside, streets=load_street_lines(streets_file))
    sizes = [float(shapely.area(g)) / 1e6 for g in inside]

    by_district: dict[str, list[int]] = {}
    for n, r in enumerate(rows):
        by_district.setdefault(r.district_id, []).append(n)
    result: dict[str, AreaPopulation] = {}
    for district_id, members in by_district.items():
        population = districts[district_id][0]
        land = sum(sizes[n] for n in members)
        density = sum(lengths[n] for n in members) / land if land > 0 else 0.0
        floors = {n: FLOOR_SHARE_OF_DENSITY * density * sizes[n] for n in members}
        weights = {n: max(lengths[n], floors[n]) for n in members}
        total = sum(weights.values())
        for n in members:
            # No street and no land anywhere in the district: share it evenly.
            share = weights[n] / total if total > 0 else 1.0 / len(members)
            if population is None:
                method = METHOD_NO_POPULATION
            elif lengths[n] >= floors[n] and lengths[n] > 0:
                method = METHOD_STREETS
            else:
                method = METHOD_FLOOR
            result[rows[n].id] = AreaPopulation(
                micro_district_id=rows[n].id,
                district_id=district_id,
                residents=float(population) * share if population is not None else 0.0,
                share=share,
                road_km=lengths[n] / 1000,
                size_km2=sizes[n],
                method=method,
            )
    return result
