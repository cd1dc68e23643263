"""The factories keep tests apart: no two of their points fall in one yard or near a point a
test names literally, and no test picks its place by a hand-numbered seed any more."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.geo.distance import haversine_m
from app.platform.config import Settings
from tests import factories
from tests.factories import create_yard, new_location, placement_of, post_submission

TESTS = Path(__file__).parent
# The seeded helpers this module replaced, and a seed handed to their seedless successors.
SEEDED_CALL = re.compile(
    r"\b(unique_location|scratch_location)\s*\(|\b(pages_point|point_query|checklist_url)\s*\("
    r"[^)]*\d+\s*\)"
)


def _distance(a: dict[str, float], b: dict[str, float]) -> float:
    return haversine_m(a["lat"], a["lon"], b["lat"], b["lon"])


class TestNewLocation:
    def test_the_lattice_step_outgrows_a_yard_and_a_near_search(self) -> None:
        defaults = Settings()
        reach = defaults.yard_match_radius_m + defaults.yard_near_radius_m
        north = 43.45  # the city's northern edge: a degree of longitude is shortest there
        steps = (
            haversine_m(43.2, 76.9, 43.2 + factories.LAT_STEP, 76.9),
            haversine_m(north, 76.9, north, 76.9 + factories.LON_STEP),
        )
        assert min(steps) >= factories.SPACING_M > reach

    def test_points_are_apart_and_in_their_district(self) -> None:
        points = [new_location() for _ in range(12)] + [new_location("bostandyk")]
        assert len({(p["lat"], p["lon"]) for p in points}) == len(points)
        closest = min(_distance(a, b) for a, b in itertools.combinations(points, 2))
        assert closest >= factories.SPACING_M - 1
        assert {placement_of(p)[0] for p in points[:-1]} == {"almaly"}
        assert placement_of(points[-1])[0] == "bostandyk"

    def test_a_point_in_a_given_micro_district(self) -> None:
        first = new_location()
        _, cell = placement_of(first)
        second = new_location(micro_district=cell)
        assert placement_of(second)[1] == cell and second != first

    def test_an_area_of_its_own_gets_no_other_point(self) -> None:
        mine = new_location("medeu", own_area=True)
        _, cell = placement_of(mine)
        assert cell not in {placement_of(new_location("medeu"))[1] for _ in range(20)}
        assert placement_of(new_location("medeu", micro_district=cell))[1] == cell

    def test_no_point_of_the_lattice_is_near_a_fixed_point(self) -> None:
        for district in ("almaly", "bostandyk"):
            for lat, lon, _cell in factories._lattice(district).points:
                for fixed in factories.FIXED_POINTS:
                    assert haversine_m(lat, lon, *fixed) >= factories.FIXED_CLEARANCE_M

    def test_a_yard_of_its_own_placed_as_the_service_would(self, session: Session) -> None:
        yard = create_yard(session, district="bostandyk", address="ул. Тестовая 1")
        assert yard.id is not None
        where = {"lat": yard.lat, "lon": yard.lon}
        assert (yard.district_id, yard.micro_district_id) == placement_of(where)
        assert yard.district_id == "bostandyk" and yard.micro_district_id

    def test_two_points_are_two_yards(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        here, there = new_location(), new_location()
        first = post_submission(client, registry.current, location=here)
        second = post_submission(client, registry.current, location=there)
        assert first["yard_id"] != second["yard_id"]
        # Neither is in the other's near-search (the 50 m a resident's phone is offered).
        near = client.get(f"/api/v1/yards?near={there['lat']},{there['lon']}").json()
        assert [y["id"] for y in near] == [second["yard_id"]]


class TestNoSeeds:
    def test_the_seeded_helpers_are_gone(self) -> None:
        assert not hasattr(factories, "unique_location")
        assert not hasattr(factories, "scratch_location")

    def test_no_test_module_calls_one(self) -> None:
        calls = [
            f"{path.relative_to(TESTS)}:{number}: {line.strip()}"
            for path in sorted(TESTS.rglob("*.py"))
            if path != Path(__file__) and "node_modules" not in path.parts
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if SEEDED_CALL.search(line)
        ]
        assert calls == [], "use tests.factories.new_location() instead:\n" + "\n".join(calls)
