"""AreaIndex.locate on the project's Almaty data and on small synthetic layouts (no database)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box, shape
from shapely.geometry.base import BaseGeometry

from app.geo.locator import Area, AreaIndex, OutsideCity, Placement, format_distance, to_metric
from app.geo.nesting import Districts, split_by_districts

DATA = Path(__file__).resolve().parents[2] / "data" / "geo"


def _features(name: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads((DATA / name).read_text("utf-8"))["features"]
    return features


@pytest.fixture(scope="module")
def districts() -> dict[str, BaseGeometry]:
    return {
        f["properties"]["district_id"]: shape(f["geometry"])
        for f in _features("almaty_districts_osm.geojson")
    }


@pytest.fixture(scope="module")
def cells() -> list[dict[str, Any]]:
    return _features("almaty_grid_h3_r8.geojson")


@pytest.fixture(scope="module")
def index(districts: dict[str, BaseGeometry], cells: list[dict[str, Any]]) -> AreaIndex:
    """The cells as the import stores them: cut at district borders (app.geo.nesting)."""
    outlines = [Area(id=k, geometry=g) for k, g in districts.items()]
    cutter = Districts(outlines)
    pieces = [
        Area(p.id, p.geometry, p.district_id or c["properties"]["district_id"])
        for c in cells
        for p in split_by_districts(c["properties"]["cell_id"], shape(c["geometry"]), cutter)
    ]
    return AreaIndex(outlines, pieces)


class TestSpotChecks:
    @pytest.mark.parametrize(
        ("place", "lat", "lon", "district"),
        [
            ("Kok-Tobe", 43.2322, 76.9758, "medeu"),
            ("MEGA Alma-Ata", 43.2027, 76.8927, "bostandyk"),
            ("Almaty-1 station", 43.3419, 76.9494, "turksib"),
            ("Almaty airport", 43.3521, 77.0405, "turksib"),
            ("Aksay-1", 43.2370, 76.8400, "auezov"),
            ("Shanyrak", 43.3000, 76.8350, "alatau"),
            ("Shymbulak", 43.1281, 77.0808, "medeu"),
            ("Almaly, inside", 43.2515, 76.9120, "almaly"),
        ],
    )
    def test_district(
        self, index: AreaIndex, place: str, lat: float, lon: float, district: str
    ) -> None:
        placement = index.locate(lat, lon)
        assert placement.district_id == district, place
        assert placement.snapped_m == 0.0

    def test_brief_almaly_centre_lies_in_bostandyk(self, index: AreaIndex) -> None:
        # 43.2380, 76.9450 is ~0.5 km from the Almaly polygon, near where Almaly, Bostandyk
        # and Medeu meet; the OSM polygons put it in Bostandyk, not Almaly.
        assert index.locate(43.2380, 76.9450).district_id == "bostandyk"

    def test_micro_district_found_and_contains_point(
        self, index: AreaIndex, cells: list[dict[str, Any]]
    ) -> None:
        placement = index.locate(43.2515, 76.9120)
        assert placement.micro_district_id is not None
        cell = next(c for c in cells if c["properties"]["cell_id"] == placement.micro_district_id)
        assert shape(cell["geometry"]).contains(Point(76.9120, 43.2515))


class TestGaps:
    def _gap_point(self, districts: dict[str, BaseGeometry]) -> Point:
        """A point in the OSM gap nearest to 76.906 E 43.240 N."""
        city = shapely.union_all(list(districts.values()))
        holes = [shapely.Polygon(ring) for part in city.geoms for ring in part.interiors]
        assert len(holes) == 7  # the 7 known gaps of SOURCES.md
        target = Point(76.906, 43.240)
        hole = min(holes, key=lambda h: h.distance(target))
        point: Point = hole.representative_point()
        assert not any(g.intersects(point) for g in districts.values())
        return point

    def test_gap_point_snaps_to_nearest_district(
        self, index: AreaIndex, districts: dict[str, BaseGeometry]
    ) -> None:
        point = self._gap_point(districts)
        placement = index.locate(point.y, point.x)
        assert 0 < placement.snapped_m < 200
        metric_point = to_metric(point)
        distances = {k: to_metric(g).distance(metric_point) for k, g in districts.items()}
        nearest = min(distances, key=lambda k: distances[k])
        assert placement.district_id == nearest
        assert placement.snapped_m == pytest.approx(distances[nearest])
        # The nearest piece of a cell of its own district, within the snap distance.
        assert placement.micro_district_id is not None

    def test_every_gap_point_is_within_snap_distance(
        self, index: AreaIndex, districts: dict[str, BaseGeometry]
    ) -> None:
        city = shapely.union_all(list(districts.values()))
        for part in city.geoms:
            for ring in part.interiors:
                point = shapely.Polygon(ring).representative_point()
                assert 0 < index.locate(point.y, point.x).snapped_m < 200


class TestOutsideCity:
    def test_one_km_north_of_the_city(
        self, index: AreaIndex, districts: dict[str, BaseGeometry]
    ) -> None:
        # 1 km due north of the northernmost vertex: nothing of the city is closer than 1 km.
        coords = shapely.get_coordinates(shapely.union_all(list(districts.values())))
        lon, lat = coords[coords[:, 1].argmax()]
        with pytest.raises(OutsideCity) as caught:
            index.locate(lat + 1000 / 111_000, lon)
        assert caught.value.distance_m == pytest.approx(1000, abs=20)
        assert "1.0 km outside Almaty" in str(caught.value)

    def test_150_m_outside_snaps_in(
        self, index: AreaIndex, districts: dict[str, BaseGeometry]
    ) -> None:
        coords = shapely.get_coordinates(shapely.union_all(list(districts.values())))
        lon, lat = coords[coords[:, 1].argmax()]
        placement = index.locate(lat + 150 / 111_000, lon)
        assert placement.district_id == "turksib"
        assert placement.snapped_m == pytest.approx(150, abs=5)

    def test_astana(self, index: AreaIndex) -> None:
        with pytest.raises(OutsideCity) as caught:
            index.locate(51.13, 71.43)
        error = caught.value
        assert (error.lat, error.lon) == (51.13, 71.43)
        assert 900_000 < error.distance_m < 1_050_000
        assert str(error).startswith("The point 51.13000, 71.43000 is ")
        assert str(error).endswith(" km outside Almaty; SafeYard covers the city's 8 districts.")

    def test_other_side_of_the_world(self, index: AreaIndex) -> None:
        with pytest.raises(OutsideCity) as caught:
            index.locate(-33.87, -151.2)
        assert caught.value.distance_m > 10_000_000

    @pytest.mark.parametrize(
        ("lat", "lon"),
        [(math.nan, 76.9), (43.2, math.nan), (math.inf, 76.9), (91.0, 76.9), (43.2, -180.5)],
    )
    def test_invalid_coordinates(self, index: AreaIndex, lat: float, lon: float) -> None:
        with pytest.raises(ValueError) as caught:
            index.locate(lat, lon)
        assert not isinstance(caught.value, OutsideCity)


class TestBorderCells:
    def test_district_comes_from_district_polygons(
        self,
        index: AreaIndex,
        districts: dict[str, BaseGeometry],
        cells: list[dict[str, Any]],
    ) -> None:
        # An H3 cell across a border is cut, one area per district; a point in the minority
        # part belongs to the district polygon that holds it and to that district's piece.
        cell = next(c for c in cells if c["properties"]["cell_id"] == "8820e60041fffff")
        hexagon = shape(cell["geometry"])
        majority = cell["properties"]["district_id"]
        other, part = next(
            (k, g.intersection(hexagon))
            for k, g in districts.items()
            if k != majority and g.intersection(hexagon).area > 0
        )
        point = part.representative_point()
        placement = index.locate(point.y, point.x)
        assert placement == Placement(
            district_id=other, micro_district_id=f"8820e60041fffff~{other}", snapped_m=0.0
        )


@settings(max_examples=200, deadline=None)
@given(lat=st.floats(43.0, 43.45), lon=st.floats(76.7, 77.2))
def test_placement_is_consistent(
    index: AreaIndex, districts: dict[str, BaseGeometry], lat: float, lon: float
) -> None:
    """Inside a district: snapped 0 and the district holds the point; else snapped ≤ 200 m."""
    try:
        placement = index.locate(lat, lon)
    except OutsideCity as error:
        assert error.distance_m > index.gap_snap_m
        return
    point = Point(lon, lat)
    if placement.snapped_m == 0:
        assert districts[placement.district_id].intersects(point)
    else:
        assert 0 < placement.snapped_m <= index.gap_snap_m
        assert not any(g.contains(point) for g in districts.values())


# Synthetic layout near Almaty: two 1 km squares 100 m apart (0.0009° of latitude ≈ 100 m).
def _square(lon: float, lat: float, size_deg: float = 0.01) -> BaseGeometry:
    return box(lon, lat, lon + size_deg, lat + size_deg)


WEST = _square(76.90, 43.20)
EAST = _square(76.9112, 43.20)  # ~90 m east of WEST at this latitude


class TestRules:
    def _index(self, micro: list[Area] | None = None, **kwargs: Any) -> AreaIndex:
        return AreaIndex(
            [Area(id="west", geometry=WEST), Area(id="east", geometry=EAST)], micro or [], **kwargs
        )

    def test_gap_goes_to_nearest(self) -> None:
        placement = self._index().locate(43.205, 76.9102)
        assert placement.district_id == "west"
        assert 0 < placement.snapped_m < 30

    def test_no_snap_when_gap_snap_is_zero(self) -> None:
        with pytest.raises(OutsideCity):
            self._index(gap_snap_m=0).locate(43.205, 76.9106)

    def test_micro_snaps_within_distance_else_none(self) -> None:
        micro = [Area(id="m1", geometry=_square(76.90, 43.20, 0.002), district_id="west")]
        index = self._index(micro)
        assert index.locate(43.2010, 76.9010).micro_district_id == "m1"
        assert index.locate(43.2030, 76.9010).micro_district_id == "m1"  # ~110 m away
        assert index.locate(43.2080, 76.9080).micro_district_id is None

    def test_overlapping_micro_prefers_own_district(self) -> None:
        micro = [
            Area(id="a", geometry=_square(76.905, 43.200, 0.02), district_id="east"),
            Area(id="b", geometry=_square(76.905, 43.200, 0.02), district_id="west"),
        ]
        assert self._index(micro).locate(43.205, 76.906).micro_district_id == "b"
        assert self._index(micro).locate(43.205, 76.915).micro_district_id == "a"

    def test_duplicate_ids_rejected(self) -> None:
        with pytest.raises(ValueError, match="Duplicate area ids: west"):
            AreaIndex([Area(id="west", geometry=WEST), Area(id="west", geometry=EAST)])

    def test_no_districts_rejected(self) -> None:
        with pytest.raises(ValueError, match="at least one district"):
            AreaIndex([])

    def test_dominant_district(self) -> None:
        index = self._index()
        assert index.dominant_district(_square(76.905, 43.205, 0.002)) == "west"
        assert index.dominant_district(box(76.909, 43.201, 76.9150, 43.202)) == "east"
        assert index.dominant_district(_square(77.5, 43.5)) is None


@pytest.mark.parametrize(
    ("metres", "text"), [(0, "0 m"), (349.6, "350 m"), (1000, "1.0 km"), (980_400, "980 km")]
)
def test_format_distance(metres: float, text: str) -> None:
    assert format_distance(metres) == text
