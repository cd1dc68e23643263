"""The place-name index over the repository's OpenStreetMap-derived names (data/geo/names)."""

from __future__ import annotations

import pytest

from app.geo.names import AREA_FALLBACK_M, PlaceNames, load_place_names
from app.platform.config import PROJECT_ROOT

NAMES_DIR = PROJECT_ROOT / "data" / "geo" / "names"


@pytest.fixture(scope="module")
def names() -> PlaceNames:
    return load_place_names(NAMES_DIR)


class TestNearestStreet:
    def test_known_street_near_known_point(self, names: PlaceNames) -> None:
        # 43.2389 N, 76.9455 E lies on Байсеитовой, about 50 m from its mapped line.
        found = names.nearest_street(43.2389, 76.9455, 300)
        assert found is not None
        label, distance = found
        assert label == "ул. Байсеитовой"
        assert 30 < distance < 80

    def test_nothing_within_a_small_radius_in_the_mountains(self, names: PlaceNames) -> None:
        assert names.nearest_street(43.359346, 77.055485, 100) is None

    def test_loaded_once_per_directory(self) -> None:
        assert load_place_names(NAMES_DIR) is load_place_names(NAMES_DIR)


class TestAreaNames:
    def test_cell_with_a_label_keeps_the_approximation_mark(self, names: PlaceNames) -> None:
        label = names.area_label("8820e60003fffff")
        assert label == "≈ мкр. Алтай-1 · ул. Майлина / ул. Захарова · Турксибский район"
        assert names.area_name("8820e60003fffff", lat=0.0, lon=0.0) == label

    def test_cell_without_a_label(self, names: PlaceNames) -> None:
        assert names.area_label("8820e60013fffff") is None

    def test_fallback_to_the_nearest_street_within_2_km(self, names: PlaceNames) -> None:
        # The cell's centre (from the grid file); the data names nothing inside the cell.
        name = names.area_name("8820e60013fffff", lat=43.357345, lon=77.01818)
        assert name == "≈ ул. Ахметова · Турксибский район"
        found = names.nearest_street(43.357345, 77.01818, AREA_FALLBACK_M)
        assert found is not None and found[1] <= AREA_FALLBACK_M

    def test_no_name_beyond_2_km(self, names: PlaceNames) -> None:
        assert names.nearest_name(43.359346, 77.055485, AREA_FALLBACK_M) is None
        assert names.area_name("8820e60089fffff", lat=43.359346, lon=77.055485) is None
