"""Yard look-ups: nearby yards, one yard's current risk and history."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.checklists.loader import ChecklistRegistry
from tests.factories import answers_for, new_location, submission_body


def post(client: TestClient, body: dict) -> dict:
    response = client.post("/api/v1/submissions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


class TestYardsNear:
    def test_finds_the_yard_and_not_a_far_one(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        here = new_location()
        created = post(client, submission_body(registry.current, location=here))
        near = client.get(f"/api/v1/yards?near={here['lat']},{here['lon']}")
        assert near.status_code == 200
        found = near.json()
        assert found[0]["id"] == created["yard_id"] and found[0]["distance_m"] < 1
        far = new_location()
        ids = [y["id"] for y in client.get(f"/api/v1/yards?near={far['lat']},{far['lon']}").json()]
        assert created["yard_id"] not in ids

    def test_a_second_resident_joins_the_same_yard(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        here = new_location()
        first = post(client, submission_body(registry.current, location=here))
        nearby = {**here, "lat": here["lat"] + 0.0001}  # about 11 m away
        second = post(client, submission_body(registry.current, location=nearby))
        assert second["yard_id"] == first["yard_id"]

    def test_bad_point_is_422(self, client: TestClient) -> None:
        for near in ("abc", "43.2", "95,76.9"):
            response = client.get(f"/api/v1/yards?near={near}")
            assert response.status_code == 422, near
            assert "near" in response.json()["message"]


class TestYardDetail:
    def test_current_risk_is_the_residents_median(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        loaded = registry.current
        here = new_location()
        worst, best = answers_for(loaded), answers_for(loaded, pick="best")
        yard_id = post(client, submission_body(loaded, location=here, answers=worst))["yard_id"]
        for answers in (best, best):
            post(client, submission_body(loaded, yard_id=yard_id, location=None, answers=answers))
        detail = client.get(f"/api/v1/yards/{yard_id}?lang=en").json()
        assert detail["submission_count"] == 3
        assert detail["district_id"] == "almaly" and detail["district_name"] == "Almaly"
        current = detail["current"]
        assert current["basis"] == "residents_median" and current["residents"] == 3
        assert current["score"]["risk_index"] == 0  # two of three say all is well
        assert [h["risk_index"] for h in detail["history"]] == [0, 0, 100]
        # Built from three checks: an 80% interval around the figure (0 at the bottom).
        assert current["risk_low"] == 0 and current["risk_high"] > 0
        assert current["cooperatives"] == 0 and current["cooperative_index"] is None

    def test_two_residents_half_way_with_an_interval_on_the_page(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        """One safest and one riskiest resident: half way, not 0 (issue 13)."""
        loaded = registry.current
        worst, best = answers_for(loaded), answers_for(loaded, pick="best")
        yard_id = post(client, submission_body(loaded, location=new_location(), answers=worst))[
            "yard_id"
        ]
        post(client, submission_body(loaded, yard_id=yard_id, location=None, answers=best))
        current = client.get(f"/api/v1/yards/{yard_id}?lang=en").json()["current"]
        assert 25 <= current["score"]["risk_index"] <= 75
        assert current["risk_low"] < current["score"]["risk_index"] < current["risk_high"]
        page = client.get(f"/yards/{yard_id}?lang=en")
        assert page.status_code == 200
        assert "Likely range (80% interval)" in page.text
        assert "half way between the two middle ones" in page.text
        ru = client.get(f"/yards/{yard_id}?lang=ru").text
        assert "Вероятный диапазон (интервал 80 %)" in ru

    def test_unknown_yard_is_404(self, client: TestClient) -> None:
        response = client.get("/api/v1/yards/999999999")
        assert response.status_code == 404
        assert "999999999" in response.json()["message"]
