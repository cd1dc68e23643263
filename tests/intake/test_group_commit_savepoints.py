"""Group commit's savepoints: one per submission (on PostgreSQL the writer's, which the intake
takes instead of nesting its own), and a submission that fails, or finds its id stored late,
undoes only itself while the batch's transaction stays usable (PostgreSQL aborts a whole
transaction on a failed statement outside a savepoint)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.findings import service as findings_service
from app.findings import summary as findings_summary
from app.platform.config import Settings
from app.platform.db import Database
from tests.factories import answers_for
from tests.intake.test_group_commit import run_together, stored, storing
from tests.intake.test_receive import checklist, yards_at


@pytest.fixture
def savepoints(db: Database) -> Iterator[list[str]]:
    """Every savepoint the write engine begins (on PostgreSQL its SAVEPOINT rides with the
    next statement, not through SQLAlchemy's cursor: app.platform.deferred)."""
    sent: list[str] = []

    def counting(_c: Any, name: str) -> None:
        sent.append(name)

    event.listen(db.write_engine, "savepoint", counting)
    yield sent
    event.remove(db.write_engine, "savepoint", counting)


def yards_of(db: Database, location: dict[str, float]) -> int:
    with db.session() as session:
        return yards_at(session, location)


def only_the_middle_one_undone(
    db: Database, results: list[Any], first: Any, failing: Any, last: Any
) -> None:
    """The first and last of a batch of three stored; the failing middle one, its row and the
    yard made for it, undone."""
    assert results[0].created and results[2].created
    assert isinstance(results[1], IntegrityError)
    assert stored(db, [first.id, last.id]) == 2
    assert stored(db, [failing.id]) == 0
    assert failing.location is not None
    assert yards_of(db, failing.location.model_dump()) == 0


class TestSavepoints:
    def test_one_savepoint_a_submission(
        self, db: Database, registry: ChecklistRegistry, settings: Settings, savepoints: list[str]
    ) -> None:
        bodies = [checklist(registry) for _ in range(3)]
        results = run_together(db, [storing(b, registry, settings) for b in bodies])
        assert [r.created for r in results] == [True] * 3
        assert len(savepoints) == 3

    def test_a_failed_statement_undoes_its_submission_alone(
        self,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        first, failing, last = (checklist(registry) for _ in range(3))
        sync_yard = findings_service.sync_yard

        def sync_or_fail(session: Session, **kwargs: Any) -> int:
            if session.info.get("fail"):
                # A statement the database refuses, after the yard and the row were written.
                session.execute(text("INSERT INTO yard_findings (yard_id) VALUES (NULL)"))
            return sync_yard(session, **kwargs)

        monkeypatch.setattr(findings_service, "sync_yard", sync_or_fail)

        def fail(session: Session) -> Any:
            session.info["fail"] = True
            try:
                return storing(failing, registry, settings)(session)
            finally:
                del session.info["fail"]

        works = [storing(first, registry, settings), fail, storing(last, registry, settings)]
        only_the_middle_one_undone(db, run_together(db, works), first, failing, last)

    def test_an_id_stored_a_moment_earlier_is_answered_as_a_retry_and_the_batch_goes_on(
        self, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        earlier, last = checklist(registry), checklist(registry)
        run_together(db, [storing(earlier, registry, settings)])
        # The retry is not looked for first: the insert finds the id taken, and the intake
        # rolls back what it wrote (a yard placed again) and answers with the stored one.
        works = [storing(earlier, registry, settings), storing(last, registry, settings)]
        results = run_together(db, works)
        assert [r.created for r in results] == [False, True]
        assert results[0].submission.id == earlier.id
        assert stored(db, [earlier.id, last.id]) == 2
        assert earlier.location is not None
        assert yards_of(db, earlier.location.model_dump()) == 1

    def test_the_intake_alone_keeps_a_savepoint_of_its_own(
        self, db: Database, registry: ChecklistRegistry, settings: Settings, savepoints: list[str]
    ) -> None:
        # Outside the writer (the form, the bot): its own savepoint, released by itself.
        data = checklist(registry)
        with db.write_session() as session:
            assert storing(data, registry, settings)(session).created
        assert len(savepoints) == 1
        assert stored(db, [data.id]) == 1

    def test_a_failure_in_the_syncs_last_writes_undoes_its_submission_alone(
        self,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # PostgreSQL sends the sync's last writes (history, updates, summary) together; a
        # failure among them is undone like any other (SQLite writes them one by one).
        worst = answers_for(registry.current)
        first, failing, last = (checklist(registry, answers=worst) for _ in range(3))
        write_summary = findings_summary.write
        refresh_later = findings_summary.refresh_later
        refused = "INSERT INTO yard_findings (yard_id) VALUES (NULL)"

        def failing_write(connection: Any, **kwargs: Any) -> None:
            if connection.info.get("fail"):
                connection.exec_driver_sql(refused)
            write_summary(connection, **kwargs)

        def failing_later(connection: Any, *, yard_id: int, later: list[Any]) -> None:
            refresh_later(connection, yard_id=yard_id, later=later)
            if connection.info.get("fail"):
                later.append((refused, ()))

        monkeypatch.setattr(findings_summary, "write", failing_write)
        monkeypatch.setattr(findings_summary, "refresh_later", failing_later)

        def fail(session: Session) -> Any:
            session.connection().info["fail"] = True
            try:
                return storing(failing, registry, settings)(session)
            finally:
                del session.connection().info["fail"]

        works = [storing(first, registry, settings), fail, storing(last, registry, settings)]
        only_the_middle_one_undone(db, run_together(db, works), first, failing, last)
