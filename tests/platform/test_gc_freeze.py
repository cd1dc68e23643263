"""Once started, the service moves what is alive out of the cyclic collector's full passes
(SAFEYARD_GC_FREEZE): each pass walked the app, its checklists and area index, ~0.2 s under
ingest, and that stall was the p99 (docs/PERFORMANCE.md, "Ingest, session 11")."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.platform.config import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_started_app_freezes_what_is_alive(settings: Settings, unfrozen: None) -> None:
    app = create_app(settings.model_copy(update={"gc_freeze": True}))
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        # The app and everything it loaded at start is in the permanent generation.
        assert gc.get_freeze_count() > 10_000
        assert client.get("/healthz").status_code == 200


def test_nothing_is_frozen_when_turned_off(settings: Settings, unfrozen: None) -> None:
    assert settings.gc_freeze is False
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0
