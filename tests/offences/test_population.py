"""Residents per area, estimated from the district's population and its streets
(app/offences/population.py)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, box, mapping
from shapely.geometry.base import BaseGeometry
from sqlmodel import Session, select

from app.districts.models import District, MicroDistrict
from app.offences.population import (
    FLOOR_SHARE_OF_DENSITY,
    METHOD_FLOOR,
    METHOD_NO_POPULATION,
    METHOD_STREETS,
    area_population,
)

# Hand-made geography in UTM 43N metres, far east of Almaty, turned into lon/lat as stored.
_TO_LONLAT = Transformer.from_crs("EPSG:32643", "EPSG:4326", always_xy=True)
X0, Y0 = 900_000.0, 4_800_000.0


def _lonlat(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, lambda x, y: _TO_LONLAT.transform(x, y), interleaved=False)


def _add_testland(session: Session, *, population: int | None) -> None:
    """A 3 km × 1 km district cut into three 1 km² areas a, b and c."""
    outline = box(X0, Y0, X0 + 3000, Y0 + 1000)
    session.add(
        District(
            id="testland",
            name_ru="Тест",
            name_kk="Тест",
            name_en="Test",
            population=population,
            population_as_of="2023-01-01",
            geometry=json.dumps(mapping(_lonlat(outline))),
            source="test",
        )
    )
    for n, name in enumerate("abc"):
        square = box(X0 + 1000 * n, Y0, X0 + 1000 * (n + 1), Y0 + 1000)
        session.add(
            MicroDistrict(
                id=f"testland-{name}",
                kind="test",
                district_id="testland",
                geometry=json.dumps(mapping(_lonlat(square))),
                source="test",
            )
        )
    session.flush()


def _streets_file(tmp_path: Path) -> Path:
    """3 × 900 m of street in a, 1 × 900 m in b, none in c."""
    lines = [LineString([(X0 + 50, Y0 + y), (X0 + 950, Y0 + y)]) for y in (200, 500, 800)]
    lines.append(LineString([(X0 + 1050, Y0 + 500), (X0 + 1950, Y0 + 500)]))
    features = [
        {
            "type": "Feature",
            "properties": {"label_ru": f"ул. {n}", "fclass": "residential"},
            "geometry": mapping(_lonlat(line)),
        }
        for n, line in enumerate(lines)
    ]
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


class TestAreaPopulation:
    def test_shared_by_street_length_with_a_floor(self, session: Session, tmp_path: Path) -> None:
        _add_testland(session, population=10_000)
        found = area_population(session, streets_file=_streets_file(tmp_path))
        a, b, c = (found[f"testland-{n}"] for n in "abc")
        assert a.road_km == pytest.approx(2.7, rel=1e-3)
        assert b.road_km == pytest.approx(0.9, rel=1e-3)
        assert c.road_km == 0
        for area in (a, b, c):
            assert area.size_km2 == pytest.approx(1.0, rel=1e-3)
        # Density 3,600 m over 3 km² = 1,200 m/km²; c's floor 10% of it over 1 km² = 120 m.
        assert FLOOR_SHARE_OF_DENSITY == 0.10
        weights = (2700, 900, 120)
        total = sum(weights)  # 3,720
        assert a.residents == pytest.approx(10_000 * 2700 / total, rel=1e-3)  # 7,258
        assert b.residents == pytest.approx(10_000 * 900 / total, rel=1e-3)  # 2,419
        assert c.residents == pytest.approx(10_000 * 120 / total, rel=1e-3)  # 323
        assert (a.method, b.method, c.method) == (METHOD_STREETS, METHOD_STREETS, METHOD_FLOOR)
        assert a.share + b.share + c.share == pytest.approx(1.0)

    def test_a_district_without_population(self, session: Session, tmp_path: Path) -> None:
        _add_testland(session, population=None)
        found = area_population(session, streets_file=_streets_file(tmp_path))
        a = found["testland-a"]
        assert a.residents == 0
        assert a.method == METHOD_NO_POPULATION

    def test_areas_sum_to_their_districts_population(self, session: Session) -> None:
        found = area_population(session)
        districts = {d.id: d for d in session.exec(select(District))}
        areas = session.exec(select(MicroDistrict).where(MicroDistrict.district_id.is_not(None)))  # type: ignore[union-attr]
        ids = {a.id for a in areas if a.district_id in districts}
        assert set(found) == ids
        sums: dict[str, float] = defaultdict(float)
        for area in found.values():
            sums[area.district_id] += area.residents
            assert area.residents > 0
        for district_id, total in sums.items():
            assert total == pytest.approx(districts[district_id].population, rel=1e-9)

    def test_cached_after_the_first_call(self, session: Session) -> None:
        first = area_population(session)
        started = time.perf_counter()
        again = area_population(session)
        assert again is first
        assert time.perf_counter() - started < 0.05

    def test_a_new_population_is_seen(self, session: Session) -> None:
        before = area_population(session)
        almaly = session.get(District, "almaly")
        assert almaly is not None and almaly.population is not None
        almaly.population *= 2
        session.add(almaly)
        session.flush()
        after = area_population(session)
        one = next(a for a in before.values() if a.district_id == "almaly").micro_district_id
        assert after[one].residents == pytest.approx(2 * before[one].residents)
