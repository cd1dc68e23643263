"""Staff clients for the inspectors' tests (users committed to the test database)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.platform.db import Database
from tests.accounts.support import fresh_client
from tests.inspectors.support import staff_client

HOME = "almaly"  # the district of the scoped inspector (tests.factories posts there)


@pytest.fixture(scope="module")
def admin(client: TestClient, db: Database) -> TestClient:
    return staff_client(client.app, db, UserRole.admin)


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    """An inspector of Almaly only."""
    return staff_client(client.app, db, UserRole.inspector, districts=[HOME])


@pytest.fixture(scope="module")
def unlinked(client: TestClient, db: Database) -> TestClient:
    """An inspector linked to nothing yet."""
    return staff_client(client.app, db, UserRole.inspector)


@pytest.fixture(scope="module")
def cooperative(client: TestClient, db: Database) -> TestClient:
    return staff_client(client.app, db, UserRole.cooperative)


@pytest.fixture(scope="module")
def anonymous(client: TestClient) -> TestClient:
    return fresh_client(client.app)
