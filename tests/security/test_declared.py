"""The OpenAPI schema declares what the server enforces, and a refusal says it in words."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from app.channels.api.yards import parse_point
from app.channels.staff.map_views import BBox
from app.checklists.loader import ChecklistRegistry
from app.platform.security.openapi import BBOX_PATTERN, MONTH_PATTERN, NEAR_PATTERN, UUID4_PATTERN


@pytest.fixture(scope="module")
def schema(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def parameter(schema: dict[str, Any], method: str, path: str, name: str) -> dict[str, Any]:
    found = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    assert len(found) == 1, f"{method} {path} declares no {name}"
    return found[0]


def string_schema(declared: dict[str, Any]) -> dict[str, Any]:
    """The string branch of ``anyOf: [string, null]`` (an optional parameter) or the schema."""
    body = declared["schema"]
    return next((s for s in body.get("anyOf", []) if s.get("type") == "string"), body)


class TestSchema:
    def test_near_and_bbox_are_required_with_their_pattern(self, schema: dict[str, Any]) -> None:
        near = parameter(schema, "get", "/api/v1/yards", "near")
        bbox = parameter(schema, "get", "/api/v1/map/yards", "bbox")
        assert near["required"] and near["schema"]["pattern"] == NEAR_PATTERN
        assert bbox["required"] and bbox["schema"]["pattern"] == BBOX_PATTERN

    def test_month_pattern(self, schema: dict[str, Any]) -> None:
        month = parameter(schema, "get", "/api/v1/districts/{district_id}/monthly", "month")
        assert string_schema(month)["pattern"] == MONTH_PATTERN

    def test_sections_and_versions_are_the_checklists(
        self, schema: dict[str, Any], registry: ChecklistRegistry
    ) -> None:
        section = parameter(schema, "get", "/api/v1/micro-districts.geojson", "section")
        assert section["schema"]["enum"] == list(registry.current.scoring.sections)
        body = schema["components"]["schemas"]["SubmissionCreate"]["properties"]
        assert body["checklist_version"]["enum"] == registry.versions
        form = schema["paths"]["/api/v1/submissions/{submission_id}/photos"]["post"]
        ref = form["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
        upload = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
        assert set(registry.current.items_by_id) <= set(upload["item_id"]["enum"])
        assert "x-safeyard-choices" not in str(schema)

    def test_the_example_submission_is_stored(
        self, schema: dict[str, Any], client: TestClient
    ) -> None:
        """The schema's example is what a client may copy: it is accepted as it stands."""
        example = schema["components"]["schemas"]["SubmissionCreate"]["examples"][0]
        response = client.post("/api/v1/submissions", json=example)
        assert response.status_code in (200, 201), response.text
        result = response.json()
        links = schema["paths"]["/api/v1/submissions"]["post"]["responses"]["201"]["links"]
        assert client.get(f"/api/v1/submissions/{result['id']}").status_code == 200
        assert client.get(f"/api/v1/yards/{result['yard_id']}").status_code == 200
        assert {"ReadSubmission", "ReadYard", "UploadPhoto", "ListPhotos"} <= set(links)

    def test_submission_ids_are_version_4_uuids(self, schema: dict[str, Any]) -> None:
        for path in (
            "/api/v1/submissions/{submission_id}",
            "/api/v1/submissions/{submission_id}/photos",
        ):
            declared = parameter(schema, "get", path, "submission_id")["schema"]
            assert declared["pattern"] == UUID4_PATTERN and declared["format"] == "uuid"
        assert '"uuid4"' not in str(schema).replace("'", '"')

    def test_platform_answers_are_documented(self, schema: dict[str, Any]) -> None:
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                answers = operation["responses"]
                assert "503" in answers, f"{method} {path}"
                if "requestBody" in operation:
                    assert {"400", "413"} <= set(answers), f"{method} {path}"
        photo = schema["paths"]["/api/v1/submissions/{submission_id}/photos"]["post"]
        assert "415" in photo["responses"]  # an empty or undecodable file


class TestPatternsAgreeWithTheCode:
    """Whatever the declared pattern allows, the code's own parsing accepts: the schema
    never promises what the server refuses."""

    @given(st.from_regex(NEAR_PATTERN, fullmatch=True))
    def test_near(self, text: str) -> None:
        lat, lon = parse_point(text)
        assert -90 <= lat <= 90 and -180 <= lon <= 180

    @given(st.from_regex(BBOX_PATTERN, fullmatch=True))
    def test_bbox_numbers(self, text: str) -> None:
        west, south, east, north = (float(p) for p in text.split(","))
        if west < east and south < north:  # the order is the one thing left to the code
            assert BBox.parse(text) == BBox(west, south, east, north)

    @given(st.from_regex(MONTH_PATTERN, fullmatch=True))
    def test_month(self, text: str) -> None:
        from app.areas.trend import parse_month

        assert text == "" or parse_month(text) == text


class TestRefusalsInWords:
    def test_a_bad_near_says_what_it_expects(self, client: TestClient) -> None:
        response = client.get("/api/v1/yards", params={"near": "43.2;76.9"})
        assert response.status_code == 422
        message = response.json()["message"]
        assert "near: expected lat,lon" in message and "e.g. 43.238,76.945" in message
        assert not re.search(r"\[0-9\]", message)  # no regular expression shown

    def test_a_missing_bbox_is_named(self, admin_client: TestClient) -> None:
        response = admin_client.get("/api/v1/map/yards")
        assert response.status_code == 422
        assert response.json()["details"][0]["field"] == "bbox"

    def test_a_bad_month_names_the_format(self, admin_client: TestClient) -> None:
        response = admin_client.get("/api/v1/districts/almaly/monthly", params={"month": "2026-1"})
        assert response.status_code == 422
        assert "YYYY-MM" in response.json()["message"]


@pytest.fixture(scope="module")
def admin_client(client: TestClient, db: Any) -> TestClient:
    from app.accounts.models import UserRole
    from tests.accounts.support import create_user, logged_in

    return logged_in(client.app, create_user(db, role=UserRole.admin))
