"""A logged-in inspector's checklist is stored as an inspector's audit, with their questions,
in the areas they inspect only: an official audit outranks residents' checks."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.accounts.support import create_user, logged_in
from tests.factories import answers_for, submission_body
from tests.pages.support import fill_from, send, stored, stored_count

POINT = "lat=43.23310&lon=76.90210&accuracy_m=8"  # in Bostandyk


def local_inspector(db: Database) -> User:
    return create_user(
        db, role=UserRole.inspector, links=accounts_service.Links(["bostandyk"], [], [])
    )


def medeu_inspector(db: Database) -> User:
    return create_user(db, role=UserRole.inspector, links=accounts_service.Links(["medeu"], [], []))


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
        inspector = logged_in(client.app, local_inspector(db))
        fields = fill_from(inspector, POINT, "en")
        answers = answers_for(registry.current, role="inspector")
        assert inspector_only_item(registry) in answers
        response = send(inspector, fields, answers, lang="en")
        assert response.status_code == 303, response.text
        submission_id = response.headers["location"].rsplit("/", 1)[-1]
        assert stored(db, submission_id).role == "inspector"

    def test_an_audit_outside_the_inspectors_areas_is_refused_and_kept_in_the_form(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        inspector = logged_in(client.app, medeu_inspector(db))
        fields = fill_from(inspector, POINT, "ru")
        answers = answers_for(registry.current, role="inspector")
        response = send(inspector, fields, answers, lang="ru")
        assert response.status_code == 403
        assert "вне территорий, которые вы проверяете" in response.text
        assert "Бостандыкский" in response.text
        assert stored_count(db, fields["id"]) == 0
        # The answers come back in the form: nothing the inspector entered is lost.
        item = inspector_only_item(registry)
        assert f'name="answer.{item}"' in response.text

    def test_resident_form_submission_stays_resident(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        resident = TestClient(client.app)
        fields = fill_from(resident, POINT, "en")
        response = send(resident, fields, answers_for(registry.current), lang="en")
        assert response.status_code == 303, response.text
        assert stored(db, response.headers["location"].rsplit("/", 1)[-1]).role == "resident"


class TestInspectorApi:
    def test_an_audit_in_the_inspectors_areas_is_stored_as_inspector(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        inspector = logged_in(client.app, local_inspector(db))
        body = submission_body(
            registry.current,
            answers=answers_for(registry.current, role="inspector"),
            location={"lat": 43.2331, "lon": 76.9021, "accuracy_m": 8.0},
        )
        response = inspector.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text
        assert stored(db, body["id"]).role == "inspector"

    def test_an_audit_outside_the_inspectors_areas_is_403_and_nothing_is_stored(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        """An inspector's audit outranks residents: one of another district's yard would
        overwrite that yard's public picture."""
        for inspector_user in (medeu_inspector(db), create_user(db, role=UserRole.inspector)):
            inspector = logged_in(client.app, inspector_user)
            body = submission_body(
                registry.current,
                answers=answers_for(registry.current, role="inspector"),
                location={"lat": 43.2331, "lon": 76.9021, "accuracy_m": 8.0},
            )
            response = inspector.post("/api/v1/submissions", json=body)
            assert response.status_code == 403, response.text
            assert response.json()["error"] == "outside_audit_scope"
            assert "outside the areas you inspect" in response.json()["message"]
            assert stored_count(db, body["id"]) == 0


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
