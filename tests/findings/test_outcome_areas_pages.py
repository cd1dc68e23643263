"""Outcomes per micro-district where people read them: the "By micro-district" table of the
district monthly page and ``GET /api/v1/districts/{id}/areas`` (documented in the OpenAPI
schema), with who may read them: admins and the district's own inspectors; an inspector of
another district is refused. The figures per area are checked against a known world in
test_outcome_areas.py; here, a micro-district of the test's own with two yards this month:

- Y1: an audit with every answer at its worst, then one at its best (each of its K findings
  opened and verified without a fix, a minute apart);
- Y2: an audit at its worst (K findings opened and still owed a fix, none overdue).

So the area's month: opened 2K, fixed 0, verified K, reopened 0, owed K, overdue 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import UserRole
from app.areas.trend import month_of, month_start
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.accounts.support import fresh_client
from tests.factories import answers_for, new_location, placement_of, store_submission
from tests.inspectors.support import staff_client

DISTRICT = "zhetysu"


@dataclass(frozen=True)
class Area:
    id: str
    per_yard: int  # K: the findings one worst audit confirms


def _two_points_of_an_own_area() -> tuple[dict[str, float], dict[str, float]]:
    """Two points of a micro-district no other test has: some cut cells hold one point only."""
    for _ in range(10):
        first = new_location(DISTRICT, own_area=True)
        try:
            return first, new_location(DISTRICT, micro_district=placement_of(first)[1])
        except AssertionError:
            continue
    raise AssertionError(f"no micro-district of {DISTRICT} with two free points is left")


@pytest.fixture(scope="module")
def area(db: Database, registry: ChecklistRegistry, settings: Settings) -> Area:
    loaded = registry.current
    worst = answers_for(loaded, pick="worst", role="inspector")
    best = answers_for(loaded, pick="best", role="inspector")
    now = utcnow()
    start = max(month_start(month_of(now)), now - timedelta(days=2))
    first, second = _two_points_of_an_own_area()
    with db.write_session() as session:

        def audit(location: dict[str, float], answers: dict[str, str], minute: int) -> int:
            received = store_submission(
                session,
                registry=registry,
                settings=settings,
                role="inspector",
                location=location,
                answers=answers,
                received_at=start + timedelta(minutes=minute),
            )
            return received.submission.yard_id

        y1 = audit(first, worst, 1)
        audit(first, best, 2)
        area_id = session.get_one(Finding, _first_finding(session, y1)).micro_district_id
        assert area_id is not None
        assert placement_of(second)[1] == area_id
        y2 = audit(second, worst, 3)
        k = session.execute(
            select(func.count()).where(Finding.yard_id == y2, Finding.confirmed.is_(True))  # type: ignore[arg-type,attr-defined]
        ).scalar_one()
    assert k > 0
    return Area(area_id, k)


def _first_finding(session: object, yard_id: int) -> int:
    found = session.execute(  # type: ignore[attr-defined]
        select(Finding.id).where(Finding.yard_id == yard_id).limit(1)  # type: ignore[arg-type]
    ).scalar_one()
    return int(found)


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    return staff_client(client.app, db, UserRole.inspector, districts=[DISTRICT])


class TestMonthlyPage:
    @pytest.mark.parametrize(
        ("lang", "title"),
        [("ru", "По микрорайонам"), ("kk", "Шағын аудандар бойынша"), ("en", "By micro-district")],
    )
    def test_the_area_row(self, inspector: TestClient, area: Area, lang: str, title: str) -> None:
        html = inspector.get(f"/inspector/districts/{DISTRICT}/monthly?lang={lang}").text
        assert f"<h3>{title}</h3>" in html
        table = html.split(f"<h3>{title}</h3>", 1)[1].split("</table>", 1)[0]
        row = table.split(f'href="/inspector/areas/{area.id}"', 1)[1].split("</tr>", 1)[0]
        cells = [c.split("</td>")[0].strip() for c in row.split('<td class="num">')[1:]]
        k = area.per_yard
        assert cells[:4] == [str(2 * k), "0", str(k), "0"]
        owed = {"ru": f"(0 из {k})", "kk": f"({k} ішінен 0)", "en": f"(0 of {k})"}[lang]
        assert owed in cells[5]  # overdue: none of the K owed a fix


class TestApi:
    def test_the_area_outcomes(self, inspector: TestClient, area: Area) -> None:
        response = inspector.get(f"/api/v1/districts/{DISTRICT}/areas")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["district_id"] == DISTRICT
        by_id = {a["id"]: a for a in body["areas"]}
        entry = by_id[area.id]
        assert entry["name"]
        current = entry["outcomes"]["current"]
        k = area.per_yard
        assert current["month"] == month_of(utcnow())
        assert (current["opened"], current["fixed"], current["verified"]) == (2 * k, 0, k)
        assert current["verified_how"] == {
            "audit_after_fix": 0,
            "audit_without_fix": k,
            "residents": 0,
        }
        assert (current["active_at_end"], current["overdue_at_end"]) == (k, 0)
        assert current["overdue_share"] == 0.0
        assert current["median_count"] == k
        previous = entry["outcomes"]["previous"]
        assert (previous["opened"], previous["verified"], previous["active_at_end"]) == (0, 0, 0)
        # Every micro-district of the district is listed, with zeros where nothing happened.
        ids = [a["id"] for a in body["areas"] if a["id"] is not None]
        assert ids == sorted(ids) and len(ids) > 10

    def test_an_admin_reads_every_district(
        self, client: TestClient, db: Database, area: Area
    ) -> None:
        admin = staff_client(client.app, db, UserRole.admin)
        assert admin.get(f"/api/v1/districts/{DISTRICT}/areas").status_code == 200

    def test_an_inspector_of_another_district_is_refused(
        self, client: TestClient, db: Database, area: Area
    ) -> None:
        other = staff_client(client.app, db, UserRole.inspector, districts=["medeu"])
        response = other.get(f"/api/v1/districts/{DISTRICT}/areas")
        assert response.status_code == 403
        assert area.id not in response.text
        # Linked to the micro-district alone: not to the district's other areas.
        one_area = staff_client(client.app, db, UserRole.inspector, micro_districts=[area.id])
        assert one_area.get(f"/api/v1/districts/{DISTRICT}/areas").status_code == 403

    def test_others_are_refused(self, client: TestClient, db: Database) -> None:
        assert (
            fresh_client(client.app).get(f"/api/v1/districts/{DISTRICT}/areas").status_code == 401
        )
        for role in (UserRole.official, UserRole.cooperative):
            other = staff_client(client.app, db, role)
            assert other.get(f"/api/v1/districts/{DISTRICT}/areas").status_code == 403

    def test_an_unknown_district(self, inspector: TestClient) -> None:
        assert inspector.get("/api/v1/districts/atlantis/areas").status_code == 404

    def test_documented_in_the_schema(self, client: TestClient) -> None:
        schema = client.get("/openapi.json").json()
        operation = schema["paths"]["/api/v1/districts/{district_id}/areas"]["get"]
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer["$ref"].endswith("/DistrictAreasAnswer")
        assert {"403", "404"} <= set(operation["responses"])
        entry = schema["components"]["schemas"]["AreaEntry"]
        assert set(entry["properties"]) == {"id", "name", "outcomes"}
        assert all("description" in p or "$ref" in p for p in entry["properties"].values())
