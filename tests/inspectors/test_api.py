"""The inspectors' API: who may call it, what an inspector's scope lets through, the panel's
figures, the monthly summary's answers and refusals, yard markers in a box."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.areas.monthly import WORST_YARDS
from app.checklists.loader import ChecklistRegistry
from app.districts.models import MicroDistrict
from app.districts.naming import area_name
from app.platform.db import Database
from tests.factories import new_location, submission_body
from tests.inspectors.conftest import HOME
from tests.inspectors.support import place_in

OTHER = "bostandyk"
AREA_ROUTES = [
    "/api/v1/micro-districts.geojson",
    "/api/v1/districts",
    "/api/v1/exports/areas.csv",
    "/api/v1/exports/yards.geojson",
]


def post(client: TestClient, registry: ChecklistRegistry, location: dict, **extra: Any) -> dict:
    body = submission_body(registry.current, location=location, **extra)
    response = client.post("/api/v1/submissions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def elsewhere(db: Database, index: int = 0) -> dict[str, float]:
    with db.session() as session:
        _cell, lat, lon = place_in(session, OTHER, index)
    return {"lat": lat, "lon": lon, "accuracy_m": 8.0}


class TestAccess:
    @pytest.mark.parametrize("path", AREA_ROUTES)
    def test_staff_only(
        self,
        path: str,
        anonymous: TestClient,
        cooperative: TestClient,
        inspector: TestClient,
        admin: TestClient,
    ) -> None:
        assert anonymous.get(path).status_code == 401
        refused = cooperative.get(path)
        assert refused.status_code == 403
        assert refused.json()["message"]
        assert inspector.get(path).status_code == 200
        assert admin.get(path).status_code == 200

    def test_area_figures_cover_the_city_for_any_inspector(self, inspector: TestClient) -> None:
        body = inspector.get("/api/v1/micro-districts.geojson", params={"district": OTHER}).json()
        assert body["features"]
        assert {f["properties"]["district_id"] for f in body["features"]} == {OTHER}

    def test_yards_export_keeps_to_the_scope(
        self,
        client: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        inspector: TestClient,
        admin: TestClient,
    ) -> None:
        mine = post(client, registry, new_location())
        theirs = post(client, registry, elsewhere(db))
        seen = {f["id"] for f in inspector.get("/api/v1/exports/yards.geojson").json()["features"]}
        assert mine["yard_id"] in seen and theirs["yard_id"] not in seen
        everything = admin.get("/api/v1/exports/yards.geojson").json()["features"]
        assert {mine["yard_id"], theirs["yard_id"]} <= {f["id"] for f in everything}


class TestPanel:
    def test_figures_flags_worst_yards_and_trend(
        self, client: TestClient, registry: ChecklistRegistry, inspector: TestClient
    ) -> None:
        here = new_location(own_area=True)  # its worst yards are this test's
        first = post(client, registry, here)
        second = post(client, registry, here)  # the same yard again
        assert second["yard_id"] == first["yard_id"]
        area = first["micro_district_id"]
        response = inspector.get(f"/api/v1/micro-districts/{area}")
        assert response.status_code == 200, response.text
        panel = response.json()
        assert panel["id"] == area and panel["district_id"] == HOME
        figures = panel["figures"]
        assert figures["yards_audited"] >= 1
        assert figures["yards_known"] >= figures["yards_audited"]
        assert all(set(f) == {"code", "reason", "values"} and f["reason"] for f in figures["flags"])
        # The same figures as the map's feature for this area.
        feature = next(
            f
            for f in inspector.get("/api/v1/micro-districts.geojson").json()["features"]
            if f["id"] == area
        )
        assert feature["properties"]["coverage_risk"] == figures["coverage_risk"]
        assert feature["properties"]["flags"] == figures["flags"]
        worst = panel["worst_yards"]
        assert first["yard_id"] in {y["yard_id"] for y in worst}
        assert worst == sorted(worst, key=lambda y: -y["risk_index"])
        assert all(y["url"] == f"/yards/{y['yard_id']}" for y in worst)
        assert len(panel["trend"]) == 12
        assert panel["trend"][-1]["submissions"] >= 2

    def test_outside_the_scope_is_403_with_the_reason(
        self, db: Database, inspector: TestClient, unlinked: TestClient, admin: TestClient
    ) -> None:
        with db.session() as session:
            cell, _lat, _lon = place_in(session, OTHER)
        refused = inspector.get(f"/api/v1/micro-districts/{cell}")
        assert refused.status_code == 403
        assert cell in refused.json()["message"]
        assert "administrator" in refused.json()["message"]
        assert unlinked.get(f"/api/v1/micro-districts/{cell}").status_code == 403
        assert admin.get(f"/api/v1/micro-districts/{cell}").status_code == 200

    def test_unknown_area_is_404(self, admin: TestClient) -> None:
        assert admin.get("/api/v1/micro-districts/nowhere").status_code == 404

    def test_period(self, admin: TestClient, db: Database) -> None:
        with db.session() as session:
            cell, _lat, _lon = place_in(session, HOME)
        assert admin.get(f"/api/v1/micro-districts/{cell}?months=3").json()["months"] == 3
        assert admin.get(f"/api/v1/micro-districts/{cell}?months=0").status_code == 422


class TestMonthly:
    def test_this_month(
        self, client: TestClient, registry: ChecklistRegistry, inspector: TestClient
    ) -> None:
        before = inspector.get(f"/api/v1/districts/{HOME}/monthly").json()
        created = post(client, registry, new_location())
        body = inspector.get(f"/api/v1/districts/{HOME}/monthly").json()
        assert body["district_id"] == HOME and body["district_names"]["en"]
        assert body["current"]["submissions"] == before["current"]["submissions"] + 1
        assert body["trend"][-1]["month"] == body["month"]
        # Earlier tests share the database: the new yard is listed unless ten yards at least
        # as risky fill the list (ties go to the older yard).
        worst = body["worst_yards"]
        risks = [y["risk_index"] for y in worst]
        assert risks == sorted(risks, reverse=True)
        assert created["yard_id"] in {y["yard_id"] for y in worst} or (
            len(worst) == WORST_YARDS and min(risks) >= created["risk_index"]
        )
        assert set(body) >= {"previous", "mean_risk_change", "problem_areas", "flagged_areas"}

    def test_area_names_in_the_language_asked(
        self, client: TestClient, registry: ChecklistRegistry, inspector: TestClient, db: Database
    ) -> None:
        post(client, registry, new_location())
        for lang in ("ru", "kk", "en"):
            body = inspector.get(f"/api/v1/districts/{HOME}/monthly?lang={lang}").json()
            assert body["areas"]
            with db.session() as session:
                for row in body["areas"]:
                    area = session.get(MicroDistrict, row["micro_district_id"])
                    assert area is not None and row["name"] == area_name(area, lang)

    @pytest.mark.parametrize("month", ["2026-13", "last month", "2026-1"])
    def test_bad_month_is_422_naming_the_format(self, admin: TestClient, month: str) -> None:
        response = admin.get(f"/api/v1/districts/{HOME}/monthly", params={"month": month})
        assert response.status_code == 422
        assert "YYYY-MM" in response.json()["message"]

    def test_future_month_is_422(self, admin: TestClient) -> None:
        response = admin.get(f"/api/v1/districts/{HOME}/monthly", params={"month": "2999-01"})
        assert response.status_code == 422
        assert "not begun" in response.json()["message"]

    def test_scope_and_unknown(self, inspector: TestClient, admin: TestClient) -> None:
        refused = inspector.get(f"/api/v1/districts/{OTHER}/monthly")
        assert refused.status_code == 403 and "Bostandyk" in refused.json()["message"]
        assert admin.get(f"/api/v1/districts/{OTHER}/monthly").status_code == 200
        assert admin.get("/api/v1/districts/atlantis/monthly").status_code == 404


class TestMapYards:
    def test_yards_in_the_box_and_scope(
        self,
        client: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        inspector: TestClient,
        admin: TestClient,
    ) -> None:
        mine = post(client, registry, new_location())
        where = elsewhere(db, 1)
        theirs = post(client, registry, where)
        box = "76.5,43.0,77.3,43.5"  # the whole city
        seen = inspector.get("/api/v1/map/yards", params={"bbox": box}).json()
        ids = {f["id"] for f in seen["features"]}
        assert mine["yard_id"] in ids and theirs["yard_id"] not in ids
        assert seen["truncated"] is False
        lat, lon = where["lat"], where["lon"]
        small = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
        near = admin.get("/api/v1/map/yards", params={"bbox": small}).json()["features"]
        assert theirs["yard_id"] in {f["id"] for f in near}
        assert mine["yard_id"] not in {f["id"] for f in near}
        feature = next(f for f in near if f["id"] == theirs["yard_id"])
        assert feature["properties"]["url"] == f"/yards/{theirs['yard_id']}"
        assert "address" not in feature["properties"]

    @pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "77,43,76,44"])
    def test_bad_box_is_422(self, admin: TestClient, bbox: str) -> None:
        response = admin.get("/api/v1/map/yards", params={"bbox": bbox})
        assert response.status_code == 422
        assert "west,south,east,north" in response.json()["message"]


def test_session_helper_finds_inner_cells(session: Session) -> None:
    cell, lat, lon = place_in(session, OTHER)
    assert cell and 43 < lat < 44 and 76 < lon < 78
