"""A signed-in user's pages carry the CSRF token the offline queue sends with API calls."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.accounts.support import create_user, logged_in
from tests.factories import answers_for, submission_body

META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class TestQueueToken:
    def test_the_page_token_lets_the_queue_post(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        inspector = logged_in(
            client.app,
            create_user(
                db, role=UserRole.inspector, links=accounts_service.Links([], [], [], True)
            ),
        )
        del inspector.headers["X-CSRF-Token"]  # the queue has only what the page gives it
        match = META.search(inspector.get("/checklist").text)
        assert match, "a signed-in page carries the token"
        body = submission_body(
            registry.current,
            id=str(uuid.uuid4()),
            answers=answers_for(registry.current, role="inspector"),
            location={"lat": 43.2335, "lon": 76.9025, "accuracy_m": 8.0},
        )
        refused = inspector.post("/api/v1/submissions", json=body)
        assert refused.status_code == 403
        sent = inspector.post(
            "/api/v1/submissions", json=body, headers={"X-CSRF-Token": match.group(1)}
        )
        assert sent.status_code == 201, sent.text

    def test_anonymous_pages_carry_no_token(self, client: TestClient) -> None:
        assert not META.search(TestClient(client.app).get("/checklist").text)
