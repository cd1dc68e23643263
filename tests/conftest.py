"""Test database and application, built once per run with the real migrations.

SQLite by default; set SAFEYARD_TEST_DATABASE_URL to a PostgreSQL URL (any database the
user may create databases from) to run the same suite on PostgreSQL: a fresh database is
created for the run and dropped afterwards.
"""

from __future__ import annotations

import os
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

# The many apps the tests make render PDFs in their own threads (a render process costs a few
# seconds to start); the suite's shared app renders in one, as served (``settings`` below).
os.environ.setdefault("SAFEYARD_REPORT_PROCESSES", "0")

# Property tests judge correctness, not speed: a loaded CI machine must not fail them on time.
hypothesis_settings.register_profile("safeyard", deadline=None)
hypothesis_settings.load_profile("safeyard")
# `make test-fast` (--hypothesis-profile=fast): fewer examples where a test sets no number.
hypothesis_settings.register_profile(
    "fast", parent=hypothesis_settings.get_profile("safeyard"), max_examples=20
)

TESTS = Path(__file__).parent
# Marked slow (left out of `make test-fast`, run by `make test`): a real browser, servers started,
# killed or starved, Docker, backups through pg_dump, generated API fuzzing, worst-case and large
# data, concurrent renders, the modules that render many PDF reports, `safeyard purge` runs.
SLOW = (
    "browser/",
    "reliability/",
    "deploy/",
    "backup/",
    "bench/",
    "security/test_schemathesis.py",
    "test_server.py",
    "photos/test_worst_case.py",
    "photos/test_decode_memory.py",
    "reports/test_gate.py",
    "reports/test_pages.py",
    "photos/test_moderation.py",
    "security/test_capabilities.py",
    "audit/test_audit.py",
    "privacy/test_purge.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(TESTS) and (
            item.path.relative_to(TESTS).as_posix().startswith(SLOW)
        ):
            item.add_marker(pytest.mark.slow)


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
        report_processes=1,
        # Each test app would start and warm a render process (seconds of CPU): the warm-up
        # has tests of its own (tests/reports/test_render_process.py).
        report_warm_up=False,
        # Each test app would freeze what the tests before it left alive.
        gc_freeze=False,
    )


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    """The application over the test database (its own engines, real commits)."""
    from app.main import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client
