"""Test database and application, built once per run with the real migrations.

SQLite by default; set SAFEYARD_TEST_DATABASE_URL to a PostgreSQL URL (any database the
user may create databases from) to run the same suite on PostgreSQL: a fresh database is
created for the run and dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry, load_registry
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.config import PROJECT_ROOT, Settings
from app.platform.db import Database
from tests.databases import empty_database

# Property tests judge correctness, not speed: a loaded CI machine must not fail them on time.
hypothesis_settings.register_profile("safeyard", deadline=None)
hypothesis_settings.load_profile("safeyard")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    sqlite_file = tmp_path_factory.mktemp("db") / "safeyard-test.db"
    with empty_database(sqlite_file, prefix="safeyard_test") as url:
        yield url


@pytest.fixture(scope="session")
def registry() -> ChecklistRegistry:
    return load_registry(PROJECT_ROOT / "app" / "checklists" / "data")


@pytest.fixture(scope="session")
def db(database_url: str, registry: ChecklistRegistry) -> Iterator[Database]:
    """The migrated test database with the real checklist and Almaty's districts loaded."""
    migrate.upgrade(database_url)
    database = Database(database_url)
    load_reference_data(database, registry=registry)
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A session whose changes are rolled back after the test (commits become savepoints)."""
    connection = db.engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture(scope="session")
def settings(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # The suite posts hundreds of checklists and logins from one address: limits high enough
    # never to refuse it (tests/security/ checks the real defaults).
    return Settings(
        database_url=db.url,
        data_dir=Path(tmp_path_factory.mktemp("data")),
        rate_limit_submissions=100_000,
        rate_limit_photos=100_000,
        rate_limit_login=100_000,
        rate_limit_reports=100_000,
        api_docs=True,
    )


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    """The application over the test database (its own engines, real commits)."""
    from app.main import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client
