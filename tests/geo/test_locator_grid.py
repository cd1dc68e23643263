"""The locator's answer grid (``_Grid``) says what the polygons say, or nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from app.geo import locator
from app.geo.locator import AreaIndex, to_metric
from tests.factories import area_index


def _levels(index: AreaIndex) -> list[locator._Level]:
    return [index._districts, index._micro]


def _agrees(level: locator._Level, x: float, y: float) -> bool:
    known = level.grid.answer(x, y) if level.grid is not None else None
    return known is None or known == level.asked(x, y)


class TestCityGrid:
    @settings(max_examples=300, deadline=None)
    @given(
        fx=st.floats(min_value=-0.02, max_value=1.02),
        fy=st.floats(min_value=-0.02, max_value=1.02),
        on_line=st.sampled_from(["none", "x", "y", "both"]),
    )
    def test_random_points_agree(self, fx: float, fy: float, on_line: str) -> None:
        for level in _levels(area_index()):
            grid = level.grid
            assert grid is not None
            x = grid.x0 + fx * grid.nx * locator.GRID_CELL_M
            y = grid.y0 + fy * grid.ny * locator.GRID_CELL_M
            # On a cell's edge or corner: the rounding to an index must not matter.
            if on_line in ("x", "both"):
                x = grid.x0 + round((x - grid.x0) / locator.GRID_CELL_M) * locator.GRID_CELL_M
            if on_line in ("y", "both"):
                y = grid.y0 + round((y - grid.y0) / locator.GRID_CELL_M) * locator.GRID_CELL_M
            assert _agrees(level, x, y)

    def test_vertices_and_edge_points_agree(self) -> None:
        # Points on the polygons' own borders: the grid leaves them to the polygons.
        for level in _levels(area_index()):
            for geom in level.geoms[:: max(1, len(level.geoms) // 60)]:
                coords = shapely.get_coordinates(shapely.boundary(geom))
                middles = (coords[1:] + coords[:-1]) / 2
                for x, y in np.concatenate([coords, middles])[::7]:
                    assert _agrees(level, float(x), float(y))

    def test_most_points_of_the_city_are_answered_by_the_grid(self) -> None:
        index = area_index()
        rng = np.random.default_rng(3)
        grid = index._micro.grid
        assert grid is not None
        xs = grid.x0 + rng.random(400) * grid.nx * locator.GRID_CELL_M
        ys = grid.y0 + rng.random(400) * grid.ny * locator.GRID_CELL_M
        answered = [
            grid.answer(float(x), float(y)) is not None for x, y in zip(xs, ys, strict=True)
        ]
        assert sum(answered) > 0.7 * len(answered)


class TestSmallLayouts:
    def test_a_border_on_a_cell_line_belongs_to_both_sides(self) -> None:
        # Two districts meeting on a line; the grid starts at the west one's corner, so their
        # shared border falls on cell lines (1 km east, a multiple of 100 m).
        x0, y0, _, _ = to_metric(box(76.90, 43.20, 76.92, 43.22)).bounds
        west = box(x0, y0, x0 + 1000.0, y0 + 1000.0)
        east = box(x0 + 1000.0, y0, x0 + 2000.0, y0 + 1000.0)
        level = _metric_level([west, east])
        for dy in (0.0, 50.0, 100.0, 999.0, 1000.0):
            for dx in (999.9999, 1000.0, 1000.0001):
                x, y = x0 + dx, y0 + dy
                assert level.containing(x, y) == level.asked(x, y)
        assert level.containing(x0 + 1000.0, y0 + 500.0) == [0, 1]
        assert level.containing(x0 + 500.0, y0 + 500.0) == [0]
        assert level.grid is not None and level.grid.answer(x0 + 500.0, y0 + 500.0) == [0]

    def test_overlapping_areas_are_left_to_the_polygons(self) -> None:
        x0, y0 = 700_000.0, 4_790_000.0
        level = _metric_level([box(x0, y0, x0 + 1000, y0 + 1000), box(x0, y0, x0 + 600, y0 + 600)])
        assert level.grid is not None
        assert level.grid.answer(x0 + 300, y0 + 300) is None
        assert level.containing(x0 + 300, y0 + 300) == [0, 1]
        assert level.containing(x0 + 800, y0 + 800) == [0]

    def test_outside_the_grid_and_not_finite_are_left_to_the_polygons(self) -> None:
        x0, y0 = 700_000.0, 4_790_000.0
        level = _metric_level([box(x0, y0, x0 + 1000, y0 + 1000)])
        assert level.grid is not None
        for x, y in [(x0 - 1e6, y0), (x0, y0 + 1e7), (math.nan, y0), (math.inf, y0)]:
            assert level.grid.answer(x, y) is None
        assert level.containing(x0 - 1e6, y0) == []

    def test_locate_agrees_with_the_polygons_on_the_city(self) -> None:
        index = area_index()
        rng = np.random.default_rng(11)
        for lat, lon in zip(
            43.18 + rng.random(300) * 0.2, 76.80 + rng.random(300) * 0.25, strict=True
        ):
            x, y = locator._TO_METRIC.transform(lon, lat)
            for level in _levels(index):
                assert level.containing(x, y) == level.asked(x, y)


def _metric_level(geoms: list[shapely.Geometry]) -> locator._Level:
    """A level over polygons already in metres (``_Level`` projects lon/lat ones)."""
    level = object.__new__(locator._Level)
    level.ids = [f"a{n}" for n in range(len(geoms))]
    level.district_ids = [None] * len(geoms)
    level.geoms = np.array(geoms, dtype=object)
    shapely.prepare(level.geoms)
    level.tree = shapely.STRtree(level.geoms)
    level.grid = locator._Grid(level.geoms, level.tree)
    return level


@pytest.fixture(autouse=True)
def _fresh_blocks() -> None:
    # Each test makes the blocks it reads (the index is shared, cached by the factories).
    for level in _levels(area_index()):
        if level.grid is not None:
            level.grid.blocks.clear()
