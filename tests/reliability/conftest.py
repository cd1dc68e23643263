"""Fixtures of the reliability tests: a fresh database per test and the checklist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from tests.reliability.support import Server, fresh_database, running


@pytest.fixture
def fresh_url(tmp_path: Path, registry: ChecklistRegistry) -> Iterator[str]:
    """A database of this test's own (SQLite, or PostgreSQL with SAFEYARD_TEST_DATABASE_URL)."""
    with fresh_database(tmp_path, registry) as url:
        yield url


@pytest.fixture(scope="module")
def module_url(
    tmp_path_factory: pytest.TempPathFactory, registry: ChecklistRegistry
) -> Iterator[str]:
    """A database shared by one module's tests (each uses places of its own)."""
    with fresh_database(tmp_path_factory.mktemp("reliability"), registry) as url:
        yield url


@pytest.fixture(scope="module")
def server(module_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``safeyard serve --workers 2`` on the module's database: two processes, many threads."""
    with running(Server(module_url, tmp_path_factory.mktemp("server"), workers=2)) as started:
        yield started


@pytest.fixture(scope="session")
def loaded(registry: ChecklistRegistry) -> LoadedChecklist:
    return registry.current
