"""Metres of named street inside polygons (app/geo/road_length.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from app.geo.road_length import StreetLines, load_street_lines, read_street_lines, road_length_m


def _streets(tmp_path: Path, lines: list[tuple[str, list[tuple[float, float]]]]) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"label_ru": f"ул. {n}", "fclass": fclass},
            "geometry": {"type": "LineString", "coordinates": coords},
        }
        for n, (fclass, coords) in enumerate(lines)
    ]
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


class TestRoadLength:
    def test_clipped_to_each_polygon(self) -> None:
        # Hand-made metric lines: 1,500 m along y = 500 from x = -500 to 1,000.
        lines = np.array([LineString([(-500, 500), (1000, 500)])], dtype=object)
        streets = StreetLines(lines, shapely.STRtree(lines), 1500.0)
        found = road_length_m(
            [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(5000, 0, 6000, 1000)],
            streets=streets,
        )
        assert found == pytest.approx([1000.0, 0.0, 0.0])

    def test_no_polygons(self) -> None:
        assert road_length_m([]) == []

    def test_through_roads_and_paths_are_not_counted(self, tmp_path: Path) -> None:
        path = _streets(
            tmp_path,
            [
                ("residential", [(76.90, 43.20), (76.91, 43.20)]),
                ("trunk", [(76.90, 43.21), (76.91, 43.21)]),
                ("footway", [(76.90, 43.22), (76.91, 43.22)]),
            ],
        )
        streets = read_street_lines(path)
        assert len(streets.lines) == 1
        # 0.01° of longitude at 43.2° N is about 811 m.
        assert streets.total_m == pytest.approx(811, rel=0.01)

    def test_the_real_file_read_once(self) -> None:
        first = load_street_lines()
        assert load_street_lines() is first
        # SOURCES.md: 2,802 km of named street; through roads and paths are left out.
        assert 2_000_000 < first.total_m < 2_802_000
