"""Map and export APIs: GeoJSON shape, attribution, and no personal data in exports."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.accounts.support import create_user, logged_in
from tests.factories import new_location, post_submission

ATTRIBUTION = "© OpenStreetMap contributors"


@pytest.fixture(scope="module")
def staff(client: TestClient, db: Database) -> TestClient:
    """The area APIs are for staff (tests/accounts/test_route_access.py): an admin reads them."""
    return logged_in(client.app, create_user(db, role=UserRole.admin))


class TestMicroDistrictsGeoJSON:
    def test_shape_and_attribution(
        self, client: TestClient, staff: TestClient, registry: ChecklistRegistry
    ) -> None:
        created = post_submission(client, registry.current)
        response = staff.get("/api/v1/micro-districts.geojson")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/geo+json")
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["attribution"] == ATTRIBUTION
        assert body["features"]
        feature = next(f for f in body["features"] if f["id"] == created["micro_district_id"])
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        props = feature["properties"]
        assert props["yards_audited"] >= 1 and props["yards_known"] >= props["yards_audited"]
        assert props["value"] == props["coverage_risk"]
        assert all({"code", "reason", "values"} == set(f) for f in props["flags"])
        # Inspector-audited and resident-only yards apart; every figure with its interval.
        assert props["yards_resident_reported"] >= 1  # a resident's submission, no audit
        assert props["yards_inspected"] + props["yards_resident_reported"] == props["yards_audited"]
        assert props["risk_low"] <= props["coverage_risk"] <= props["risk_high"]
        assert 0.0 <= props["p_problem"] <= 1.0
        assert not any(f["code"] == "hotspot" for f in props["flags"])

    def test_section_and_district_filters(
        self, client: TestClient, staff: TestClient, registry: ChecklistRegistry
    ) -> None:
        created = post_submission(client, registry.current)
        body = staff.get(
            "/api/v1/micro-districts.geojson",
            params={"section": "lighting", "district": created["district_id"]},
        ).json()
        assert body["value"] == "section_fail_share.lighting"
        assert {f["properties"]["district_id"] for f in body["features"]} == {
            created["district_id"]
        }
        mine = next(f for f in body["features"] if f["id"] == created["micro_district_id"])
        assert mine["properties"]["value"] == mine["properties"]["section_fail_share"]["lighting"]

    def test_unknown_section_is_422(self, client: TestClient, staff: TestClient) -> None:
        response = staff.get("/api/v1/micro-districts.geojson", params={"section": "nope"})
        assert response.status_code == 422


class TestDistricts:
    def test_every_district(self, client: TestClient, staff: TestClient) -> None:
        body = staff.get("/api/v1/districts").json()
        assert len(body["districts"]) == 8
        first = body["districts"][0]
        assert {"coverage_risk", "audited_per_10k_residents", "flags", "name_en"} <= set(first)
        assert {"risk_low", "risk_high", "yards_inspected", "yards_resident_reported"} <= set(first)


class TestExports:
    def test_no_personal_data(
        self, client: TestClient, staff: TestClient, registry: ChecklistRegistry
    ) -> None:
        secret = "my flat is number 17, call me"
        created = post_submission(client, registry.current, comment=secret)
        yards = staff.get("/api/v1/exports/yards.geojson")
        csv_text = staff.get("/api/v1/exports/areas.csv").text
        for text in (yards.text, csv_text):
            assert secret not in text and created["id"] not in text
        body = yards.json()
        assert body["attribution"] == ATTRIBUTION
        assert ATTRIBUTION in csv_text
        feature = next(f for f in body["features"] if f["id"] == created["yard_id"])
        lon, lat = feature["geometry"]["coordinates"]
        assert round(lon, 4) == lon and round(lat, 4) == lat
        assert "address" not in feature["properties"]
        assert feature["properties"]["risk_index"] is not None


class TestFreshness:
    def test_a_new_submission_shows_at_once(
        self, client: TestClient, staff: TestClient, registry: ChecklistRegistry
    ) -> None:
        first = post_submission(client, registry.current)

        def audited() -> int:
            body = staff.get("/api/v1/micro-districts.geojson").json()
            mine = next(f for f in body["features"] if f["id"] == first["micro_district_id"])
            return int(mine["properties"]["yards_audited"])

        before = audited()
        same_area = new_location(micro_district=first["micro_district_id"])
        second = post_submission(client, registry.current, location=same_area)
        assert second["micro_district_id"] == first["micro_district_id"]
        assert audited() == before + (second["yard_id"] != first["yard_id"])
