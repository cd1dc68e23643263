"""The map's cached bodies: gzip-compressed once, served compressed or not, and rebuilt
(only the changed areas re-read) right after a submission."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.accounts.support import create_user, logged_in
from tests.factories import new_location, submission_body

MAP = "/api/v1/micro-districts.geojson"


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.inspector))


def _area(body: dict, area_id: str) -> dict:
    return next(f["properties"] for f in body["features"] if f["id"] == area_id)


def test_compressed_once_and_plain_on_request(inspector: TestClient) -> None:
    zipped = inspector.get(MAP, headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    plain = inspector.get(MAP, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith("application/geo+json")
    assert zipped.json() == plain.json() == json.loads(plain.content)
    # What travels is the compressed body (the client decoded it above).
    assert int(zipped.headers["content-length"]) < len(plain.content) / 4


def test_a_submission_shows_on_the_next_read(
    client: TestClient, inspector: TestClient, registry: ChecklistRegistry
) -> None:
    first = client.post("/api/v1/submissions", json=submission_body(registry.current))
    assert first.status_code == 201, first.text
    area_id = first.json()["micro_district_id"]
    before = _area(inspector.get(MAP).json(), area_id)
    districts_before = inspector.get("/api/v1/districts").json()
    again = inspector.get(MAP).json()  # unchanged tables: the same body
    assert _area(again, area_id) == before
    second = client.post(
        "/api/v1/submissions",
        # A new yard in the same area.
        json=submission_body(registry.current, location=new_location(micro_district=area_id)),
    )
    assert second.status_code == 201, second.text
    assert second.json()["micro_district_id"] == area_id
    after = _area(inspector.get(MAP).json(), area_id)
    assert after["last_submission_at"] > before["last_submission_at"]
    assert after["yards_known"] == before["yards_known"] + (
        second.json()["yard_id"] != first.json()["yard_id"]
    )
    districts_after = inspector.get("/api/v1/districts").json()
    assert districts_after != districts_before
