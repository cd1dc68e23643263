"""What a signed-in person is shown is never kept by a cache: every answer to a request with a
session cookie that sets no Cache-Control of its own says ``private, no-store`` (a shared
office computer's Back button or disk cache must not show the audit log, a resident's comment
in the deletion preview, or the address typed for a yard after logout; nor may a proxy cache
hand the staff version of a yard's page to a resident). Answers that chose their own caching
(versioned static files, photos) keep it; anonymous pages are unchanged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.accounts.support import create_user, fresh_client, logged_in
from tests.factories import submission_body


@pytest.fixture(scope="module")
def admin(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.admin))


STAFF_PAGES = ["/admin/audit", "/admin/privacy", "/admin/users", "/inspector/photos", "/inspector"]


@pytest.mark.parametrize("path", [*STAFF_PAGES, "/"])
def test_signed_in_pages_are_not_stored(admin: TestClient, path: str) -> None:
    response = admin.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"


def test_a_staff_yard_page_is_not_stored(admin: TestClient, registry: ChecklistRegistry) -> None:
    # A yard of its own (the scratch points are shared, and a yard keeps its first address).
    own_yard = {"lat": 43.2611, "lon": 76.9263, "accuracy_m": 5.0}
    body = submission_body(registry.current, location=own_yard, address="Flat 5")
    sent = fresh_client(admin.app).post("/api/v1/submissions", json=body)
    assert sent.status_code == 201, sent.text
    path = f"/yards/{sent.json()['yard_id']}"
    response = admin.get(path)
    assert response.status_code == 200 and "Flat 5" in response.text
    assert response.headers["cache-control"] == "private, no-store"
    assert "cache-control" not in fresh_client(admin.app).get(path).headers


def test_own_caching_is_kept(admin: TestClient) -> None:
    page = fresh_client(admin.app).get("/")
    asset = next(part for part in page.text.split('"') if part.startswith("/static/css/app.css?v="))
    assert admin.get(asset).headers["cache-control"] == "public, max-age=31536000, immutable"


def test_anonymous_pages_unchanged(client: TestClient) -> None:
    response = fresh_client(client.app).get("/privacy")
    assert response.status_code == 200
    assert "cache-control" not in response.headers
