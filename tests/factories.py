"""Builders of test data, in one place: points with a yard of their own, yards, submissions
(bodies, posted through the API or stored through the intake service) and staff users.

Every test run shares one committed database, so a test that writes keeps apart from the
others by where it writes: ``new_location()`` hands each call a point no other call gets and no
test names literally, so its yard is the test's own. The points are handed out once per pytest
process, and each process builds its own database (tests/conftest.py), so they never meet a
yard of another run.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import shapely
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.districts.service import DEMO_DATA_DIR
from app.geo.distance import haversine_m
from app.geo.features import PolygonFeature, read_polygon_features
from app.geo.locator import Area, AreaIndex
from app.geo.nesting import Districts, split_by_districts
from app.intake import service as intake_service
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.schemas import SubmissionCreate
from app.yards import service as yards_service
from app.yards.models import Yard

# --- Points -------------------------------------------------------------------------------

DISTRICTS_FILE = DEMO_DATA_DIR / "almaty_districts_osm.geojson"
CELLS_FILE = DEMO_DATA_DIR / "almaty_grid_h3_r8.geojson"

# One lattice over the whole city, ~100 m a step (0.0009° of latitude, 0.0012° of longitude at
# 43.2° N): far beyond the 30 m that joins a yard and the 50 m of a near-search, so a test may
# move up to ~20 m from its point and still be alone there.
LAT_STEP, LON_STEP = 0.0009, 0.0012
SPACING_M = 96.0  # the shorter step in metres (longitude's, at the city's northern edge)
BORDER_MARGIN_DEG = 0.0008  # ~65-90 m inside the district: never a border case
# Points that tests name literally (committed yards, near-searches, the map's centre): the
# lattice keeps FIXED_CLEARANCE_M away from each, so no factory yard turns up in their results.
FIXED_CLEARANCE_M = 250.0
FIXED_POINTS: tuple[tuple[float, float], ...] = (
    (43.2515, 76.9120),  # tests/geo, tests/yards/test_placement_lock, tests/observability
    (43.2467381, 76.9271937),  # tests/security/test_privacy.py
    (43.2491357, 76.9182468),  # tests/security/test_bad_input_text.py
    (43.2611, 76.9263),  # tests/security/test_staff_caching.py
    (43.2402, 76.9338),  # tests/privacy/test_typed_address.py (HERE)
    (43.2460, 76.9338),  # tests/privacy/test_typed_address.py (FAR)
    (43.2331, 76.9021),  # tests/accounts/test_submission_role.py
    (43.2335, 76.9025),  # tests/accounts/test_queue_token.py
    (43.2389, 76.8897),  # the map's default centre (tests/pages)
    (43.2050, 76.8900),  # tests/pages: a point to find near and to open the checklist at
    (43.2500, 76.9100),  # yards made in rolled-back sessions (tests/areas, tests/yards)
    (43.2500, 76.9200),  # tests/submissions/test_strict_input.py
    (43.2460, 77.0000),  # tests/submissions/test_strict_input.py (whole degrees)
    (43.2380, 76.9450),  # tests/geo/test_locator.py, tests/security/test_declared.py
)


@dataclass
class _Lattice:
    """The lattice points of one district, each with its micro-district, handed out once."""

    points: list[tuple[float, float, str | None]]
    next_free: int = 0
    next_in: dict[str | None, int] = field(default_factory=dict)
    used: set[str | None] = field(default_factory=set)  # micro-districts with a point out
    owned: set[str | None] = field(default_factory=set)  # given whole to one test


_taken: set[tuple[float, float]] = set()  # every point handed out in this process


@cache
def _features(kind: str) -> tuple[PolygonFeature, ...]:
    """The districts or the H3 cells, from the files the test database loads
    (``load_reference_data``)."""
    if kind == "districts":
        return tuple(read_polygon_features(DISTRICTS_FILE, id_property="district_id"))
    return tuple(read_polygon_features(CELLS_FILE, id_property="cell_id"))


@cache
def _micro_areas() -> tuple[Area, ...]:
    """The H3 cells as the import stores them: a cell across a border cut into one area per
    district (``app.geo.nesting``)."""
    districts = Districts([Area(d.id, d.geometry) for d in _features("districts")])
    areas = []
    for cell in _features("cells"):
        for piece in split_by_districts(cell.id, cell.geometry, districts):
            own = piece.district_id or cell.properties.get("district_id")
            areas.append(Area(piece.id, piece.geometry, own))
    return tuple(areas)


@cache
def area_index() -> AreaIndex:
    """The service's locator over the test database's geography, without a database."""
    return AreaIndex([Area(d.id, d.geometry) for d in _features("districts")], _micro_areas())


@cache
def _cell_districts() -> dict[str | None, str | None]:
    """Each area's district (areas nest in districts)."""
    return {None: None} | {a.id: a.district_id for a in _micro_areas()}


@cache
def _lattice(district: str) -> _Lattice:
    outline = next(d.geometry for d in _features("districts") if d.id == district)
    inner = outline.buffer(-BORDER_MARGIN_DEG)
    west, south, east, north = inner.bounds
    rows = range(math.ceil((south - 43) / LAT_STEP), math.floor((north - 43) / LAT_STEP) + 1)
    cols = range(math.ceil((west - 76) / LON_STEP), math.floor((east - 76) / LON_STEP) + 1)
    index = area_index()
    points = []
    for row in rows:
        lat = round(43 + row * LAT_STEP, 5)
        lons = [round(76 + col * LON_STEP, 5) for col in cols]
        inside = shapely.contains_xy(inner, lons, lat)
        for lon in (x for x, keep in zip(lons, inside, strict=True) if keep):
            if any(haversine_m(lat, lon, *p) < FIXED_CLEARANCE_M for p in FIXED_POINTS):
                continue
            placed = index.locate(lat, lon)
            # Only cells counted in this district: an area filter by district then shows it.
            if placed.district_id == district and _cell_districts()[placed.micro_district_id] in (
                district,
                None,
            ):
                points.append((lat, lon, placed.micro_district_id))
    return _Lattice(points)


def new_location(
    district: str = "almaly",
    *,
    micro_district: str | None = None,
    own_area: bool = False,
    accuracy_m: float = 8.0,
) -> dict[str, float]:
    """A point of the district that no other call in this test process gets: its yard, if a
    submission makes one, belongs to the caller.

    ``micro_district``: a point of that micro-district. ``own_area``: the first point of a
    micro-district nobody has had a point of, kept from every later call without
    ``micro_district`` (for a test that checks an area's figures or its worst yards).
    """
    lattice = _lattice(district)
    if own_area:
        taken_areas = lattice.used | _fixed_point_areas()
        free = [c for _, _, c in reversed(lattice.points) if c and c not in taken_areas]
        if not free:
            raise AssertionError(f"No micro-district of its own is left in {district}.")
        lattice.owned.add(free[0])
        micro_district = free[0]
    start = lattice.next_in.get(micro_district, 0) if micro_district else lattice.next_free
    for i in range(start, len(lattice.points)):
        lat, lon, cell = lattice.points[i]
        wrong_area = cell != micro_district if micro_district else cell in lattice.owned
        if (lat, lon) in _taken or wrong_area:
            continue
        _taken.add((lat, lon))
        lattice.used.add(cell)
        if micro_district is None:
            lattice.next_free = i + 1
        else:
            lattice.next_in[micro_district] = i + 1
        return {"lat": lat, "lon": lon, "accuracy_m": accuracy_m}
    where = f"{district}, micro-district {micro_district}" if micro_district else district
    raise AssertionError(f"No free test location is left in {where}.")


@cache
def _fixed_point_areas() -> set[str | None]:
    """The micro-districts holding a fixed point: never a test's own area."""
    return {placement_of({"lat": lat, "lon": lon})[1] for lat, lon in FIXED_POINTS}


def placement_of(location: Mapping[str, Any]) -> tuple[str, str | None]:
    """(district id, micro-district id) of a point, as the service places it."""
    placed = area_index().locate(float(location["lat"]), float(location["lon"]))
    return placed.district_id, placed.micro_district_id


# --- Yards --------------------------------------------------------------------------------


def create_yard(
    session: Session,
    *,
    location: Mapping[str, Any] | None = None,
    district: str = "almaly",
    address: str | None = None,
) -> Yard:
    """A yard at a point of its own (``new_location(district)`` unless given), placed in its
    district and micro-district as the service would; in ``session``, not committed."""
    where = location or new_location(district)
    district_id, micro_district_id = placement_of(where)
    return yards_service.create_yard(
        session,
        lat=float(where["lat"]),
        lon=float(where["lon"]),
        district_id=district_id,
        micro_district_id=micro_district_id,
        address=address,
    )


# --- Submissions --------------------------------------------------------------------------


def answers_for(
    loaded: LoadedChecklist, *, pick: str = "worst", role: str = "resident"
) -> dict[str, str]:
    """Every scored item the role may answer, at its safest ('best') or worst option."""
    out = {}
    for item in loaded.checklist.items():
        if not item.scored or role not in item.roles:
            continue
        chooser = min if pick == "best" else max
        out[item.id] = chooser(item.options, key=lambda o: o.risk or 0.0).value
    return out


def submission_body(loaded: LoadedChecklist, **overrides: Any) -> dict[str, Any]:
    """A resident's checklist as the phone sends it: the worst answers, at a new location
    (a yard of its own) unless ``location`` or other fields are given."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "checklist_version": loaded.version,
        "answers": answers_for(loaded),
    }
    if "location" not in overrides:
        body["location"] = new_location()
    body.update(overrides)
    return body


def post_submission(
    client: TestClient, loaded: LoadedChecklist, *, lang: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """POST ``submission_body(loaded, **overrides)``; the API's answer (it must be 201)."""
    query = f"?lang={lang}" if lang else ""
    response = client.post(f"/api/v1/submissions{query}", json=submission_body(loaded, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def store_submission(
    session: Session,
    *,
    registry: ChecklistRegistry,
    settings: Settings,
    areas: AreaIndex | None = None,
    role: str = "resident",
    **overrides: Any,
) -> intake_service.Received:
    """A submission stored through the intake service in ``session`` (the caller commits or
    rolls back); ``overrides`` go to ``submission_body`` except ``received_at``."""
    received_at = overrides.pop("received_at", None)
    data = SubmissionCreate.model_validate(submission_body(registry.current, **overrides))
    return intake_service.receive_checklist(
        session,
        data=data,
        registry=registry,
        areas=areas or area_index(),
        settings=settings,
        role=role,
        received_at=received_at,
    )


# --- Users --------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@Example.KZ"


def create_user(
    db: Database,
    *,
    role: UserRole,
    email: str | None = None,
    links: accounts_service.Links | None = None,
) -> User:
    """A staff user committed to the test database, with ``PASSWORD`` and a new email;
    ``tests.accounts.support.logged_in`` gives a client with their session."""
    with db.write_session() as session:
        return accounts_service.create_user(
            session,
            email=email or new_email(role.value),
            name=f"Test {role.value}",
            role=role,
            password=PASSWORD,
            links=links or accounts_service.Links([], [], []),
        )
