"""The database going away answers 503 with Retry-After, and nothing is half-written."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.checklists.loader import ChecklistRegistry
from app.main import create_app
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.health import DatabaseProbe
from tests.factories import submission_body


class TestDatabaseUnavailable:
    def test_503_with_retry_after(self, settings: Settings, registry: ChecklistRegistry) -> None:
        app = create_app(settings)
        with TestClient(app) as client:
            # After start-up the database goes away: nothing listens on port 1.
            app.state.context.db.dispose()
            gone = "postgresql+psycopg://postgres@127.0.0.1:1/gone"
            app.state.context.db = Database(gone)
            app.state.context.health = DatabaseProbe(gone, engine=app.state.context.db.engine)
            body = submission_body(registry.current)
            response = client.post("/api/v1/submissions", json=body)
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "5"
            assert "try again" in response.json()["message"]
            health = client.get("/healthz")
            assert health.status_code == 503 and health.headers["Retry-After"]
