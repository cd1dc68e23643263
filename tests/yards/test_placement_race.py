"""Two submissions placing the same new yard at once on PostgreSQL: the second waits at the
placement lock while the first creates the yard, and must then see it (READ COMMITTED takes a
statement's snapshot when the statement starts, so the read of nearby yards has to start
after the lock is granted, not in the statement that waits for it)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.checklists.loader import ChecklistRegistry
from app.intake import service as intake_service
from app.platform.config import Settings
from app.platform.db import Database
from app.yards import service as yards_service
from tests.factories import area_index, new_location
from tests.intake.test_receive import DISTRICT, checklist, yards_at

_WAITING = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class TestPlacementRace:
    def test_a_yard_created_while_waiting_for_the_lock_is_found(
        self, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        if db.is_sqlite:
            pytest.skip("SQLite runs one writer at a time: two placements never race")
        location = new_location(DISTRICT)
        first, second = (checklist(registry, location=location) for _ in range(2))
        results: list[intake_service.Received] = []
        failures: list[BaseException] = []

        def place_second() -> None:
            try:
                with db.write_session() as session:
                    results.append(
                        intake_service.receive_checklist(
                            session,
                            data=second,
                            registry=registry,
                            areas=area_index(),
                            settings=settings,
                        )
                    )
            except BaseException as exc:  # reported below, in the test's thread
                failures.append(exc)

        with db.write_session() as session:
            made = intake_service.receive_checklist(
                session, data=first, registry=registry, areas=area_index(), settings=settings
            )
            # The first holds the place's lock with its new yard not yet committed: the
            # second waits for it, then commits the yard while the second still waits.
            thread = threading.Thread(target=place_second)
            thread.start()
            deadline = time.monotonic() + 20
            with db.engine.connect() as watch:
                while watch.execute(_WAITING).scalar_one() < 1:
                    assert time.monotonic() < deadline, "the second never reached the lock"
                    assert not failures, failures
                    time.sleep(0.02)
        thread.join(30)
        assert not failures, failures
        assert [r.submission.yard_id for r in results] == [made.submission.yard_id]
        with db.session() as read:
            assert yards_at(read, location) == 1

    def test_a_lock_wait_past_the_timeout_is_an_operational_error(
        self, db: Database, settings: Settings
    ) -> None:
        # The writer answers 503 (and the rest of its batch at once) on an OperationalError:
        # the lock's driver error arrives as SQLAlchemy's, like any statement's.
        if db.is_sqlite:
            pytest.skip("SQLite has no placement lock")
        location = new_location(DISTRICT)
        lat, lon, radius = location["lat"], location["lon"], settings.yard_match_radius_m
        keys = yards_service.placement_lock_keys(lat=lat, lon=lon, radius_m=radius)
        with db.engine.connect() as holder:
            held = holder.begin()
            holder.execute(
                text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
                {"keys": keys},
            )
            with pytest.raises(OperationalError, match="lock timeout"), db.write_session() as s:
                s.execute(text("SET LOCAL lock_timeout = 100"))
                yards_service.lock_and_find_near(s, lat=lat, lon=lon, radius_m=radius)
            held.rollback()
        with db.write_session() as s:  # free again: found nothing there, no error
            assert yards_service.lock_and_find_near(s, lat=lat, lon=lon, radius_m=radius) == []
