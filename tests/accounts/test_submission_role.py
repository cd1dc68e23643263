"""A logged-in inspector's checklist is stored as an inspector's audit, with their questions."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.db import Database
from tests.accounts.support import create_user, logged_in
from tests.factories import answers_for, submission_body
from tests.pages.support import fill_from, send, stored

POINT = "lat=43.23310&lon=76.90210&accuracy_m=8"


def inspector_only_item(registry: ChecklistRegistry) -> str:
    return next(
        item.id
        for item in registry.current.checklist.items()
        if "inspector" in item.roles and "resident" not in item.roles
    )


class TestInspectorForm:
    def test_form_shows_inspector_questions(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        item = inspector_only_item(registry)
        inspector = logged_in(client.app, create_user(db, role=UserRole.inspector))
        assert f"answer.{item}" in inspector.get(f"/checklist?{POINT}").text
        assert f"answer.{item}" not in TestClient(client.app).get(f"/checklist?{POINT}").text

    def test_form_submission_is_stored_as_inspector(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        inspector = logged_in(client.app, create_user(db, role=UserRole.inspector))
        fields = fill_from(inspector, POINT, "en")
        answers = answers_for(registry.current, role="inspector")
        assert inspector_only_item(registry) in answers
        response = send(inspector, fields, answers, lang="en")
        assert response.status_code == 303, response.text
        submission_id = response.headers["location"].rsplit("/", 1)[-1]
        assert stored(db, submission_id).role == "inspector"

    def test_resident_form_submission_stays_resident(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        resident = TestClient(client.app)
        fields = fill_from(resident, POINT, "en")
        response = send(resident, fields, answers_for(registry.current), lang="en")
        assert response.status_code == 303, response.text
        assert stored(db, response.headers["location"].rsplit("/", 1)[-1]).role == "resident"


class TestCooperativeApi:
    def test_api_submission_is_stored_as_cooperative(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        cooperative = logged_in(client.app, create_user(db, role=UserRole.cooperative))
        body = submission_body(
            registry.current,
            id=str(uuid.uuid4()),
            answers=answers_for(registry.current, role="cooperative"),
            location={"lat": 43.2331, "lon": 76.9021, "accuracy_m": 8.0},
        )
        response = cooperative.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text
        assert stored(db, body["id"]).role == "cooperative"
