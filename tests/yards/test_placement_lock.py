"""The placement lock's keys: two points close enough to share a yard always share a key, so
their placements take turns on PostgreSQL (tests/reliability/test_concurrency.py runs the real
race)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from app.geo.distance import EARTH_RADIUS_M, haversine_m
from app.yards.service import placement_lock_keys

ALMATY_LAT = st.floats(min_value=43.10, max_value=43.40)
ALMATY_LON = st.floats(min_value=76.70, max_value=77.10)


def moved(lat: float, lon: float, distance_m: float, bearing: float) -> tuple[float, float]:
    dlat = math.degrees(distance_m * math.cos(bearing) / EARTH_RADIUS_M)
    dlon = math.degrees(
        distance_m * math.sin(bearing) / (EARTH_RADIUS_M * math.cos(math.radians(lat)))
    )
    return lat + dlat, lon + dlon


class TestPlacementLockKeys:
    @given(
        lat=ALMATY_LAT,
        lon=ALMATY_LON,
        radius=st.sampled_from([10.0, 30.0, 100.0, 1000.0]),
        share=st.floats(min_value=0.0, max_value=0.999),
        bearing=st.floats(min_value=0.0, max_value=2 * math.pi),
    )
    def test_points_within_the_radius_share_a_key(
        self, lat: float, lon: float, radius: float, share: float, bearing: float
    ) -> None:
        other = moved(lat, lon, radius * share, bearing)
        assert haversine_m(lat, lon, *other) <= radius
        mine = set(placement_lock_keys(lat=lat, lon=lon, radius_m=radius))
        theirs = set(placement_lock_keys(lat=other[0], lon=other[1], radius_m=radius))
        assert mine & theirs

    @given(lat=ALMATY_LAT, lon=ALMATY_LON)
    def test_a_few_sorted_signed_64_bit_keys(self, lat: float, lon: float) -> None:
        keys = placement_lock_keys(lat=lat, lon=lon, radius_m=30.0)
        assert 1 <= len(keys) <= 4
        assert keys == sorted(set(keys))  # one order for everyone: no deadlock
        assert all(-(2**63) <= k < 2**63 for k in keys)

    def test_far_apart_places_do_not_wait_for_each_other(self) -> None:
        here = set(placement_lock_keys(lat=43.2515, lon=76.9120, radius_m=30.0))
        there = set(placement_lock_keys(lat=43.2200, lon=76.8500, radius_m=30.0))
        assert not here & there
