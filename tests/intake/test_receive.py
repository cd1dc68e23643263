"""The intake: everything a checklist derives is written in one transaction, its writes in a
savepoint of the caller's, and a retry of the same id answers with the stored submission."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlmodel import Session

from app.accounts.models import UserRole
from app.accounts.scope import Scope
from app.checklists.loader import ChecklistRegistry
from app.intake import service as intake_service
from app.intake.placement import OutsideAuditScope
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.db import Database, table_of
from app.platform.errors import Conflict
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate
from app.yards import service as yards_service
from app.yards.models import Yard
from app.yards.risk_models import YardRisk
from tests.factories import answers_for, area_index, new_location, submission_body

# An inspector whose areas are elsewhere: their audit of an Almaly yard is refused only after
# the yard has been placed (and, at a new point, created).
ELSEWHERE = Scope(role=UserRole.inspector, district_ids=frozenset({"medeu"}))


# These tests commit to the shared database: in a district of their own, with safe answers,
# so no area's worst yards or figures elsewhere in the suite change with them.
DISTRICT = "nauryzbay"


def checklist(registry: ChecklistRegistry, **overrides: Any) -> SubmissionCreate:
    loaded = registry.current
    body = {"answers": answers_for(loaded, pick="best"), "location": new_location(DISTRICT)}
    return SubmissionCreate.model_validate(submission_body(loaded, **(body | overrides)))


def receive(
    session: Session,
    data: SubmissionCreate,
    registry: ChecklistRegistry,
    settings: Settings,
    **options: Any,
) -> intake_service.Received:
    return intake_service.receive_checklist(
        session, data=data, registry=registry, areas=area_index(), settings=settings, **options
    )


def yards_at(session: Session, location: dict[str, float]) -> int:
    near = yards_service.find_near(session, lat=location["lat"], lon=location["lon"], radius_m=30)
    return len(near)


def outbox_rows(session: Session, key: str) -> int:
    column = table_of(OutboxMessage).c.dedupe_key
    return session.execute(select(func.count()).where(column == key)).scalar_one()


def stored(session: Session, submission_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(Submission).where(Submission.id == submission_id)
    return session.execute(query).scalar_one()


class TestOneTransaction:
    def test_what_it_derives_and_the_outbox_commit_together(
        self, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        data, key = checklist(registry), f"test:{uuid.uuid4()}"
        with db.write_session() as session:
            received = receive(session, data, registry, settings)
            outbox.enqueue(
                session, kind="test.effect", payload={"id": str(data.id)}, dedupe_key=key
            )
        assert received.created
        with db.session() as session:
            yard = session.get(Yard, received.submission.yard_id)
            risk = session.get(YardRisk, received.submission.yard_id)
            assert stored(session, data.id) == 1 and outbox_rows(session, key) == 1
            assert yard is not None and yard.submission_count == 1
            assert risk is not None and risk.residents == 1
            assert risk.risk_index == received.submission.risk_index

    def test_a_refusal_after_placement_leaves_no_row(
        self, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        location = new_location(DISTRICT)
        data = checklist(
            registry, location=location, answers=answers_for(registry.current, role="inspector")
        )
        key = f"test:{uuid.uuid4()}"
        with pytest.raises(OutsideAuditScope), db.write_session() as session:
            outbox.enqueue(session, kind="test.effect", payload={}, dedupe_key=key)
            receive(session, data, registry, settings, role="inspector", audit_scope=ELSEWHERE)
        with db.session() as session:
            assert yards_at(session, location) == 0
            assert stored(session, data.id) == 0 and outbox_rows(session, key) == 0

    def test_a_failure_after_the_intake_undoes_all_of_it(
        self, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        location = new_location(DISTRICT)
        data = checklist(registry, location=location)
        with pytest.raises(RuntimeError), db.write_session() as session:
            assert receive(session, data, registry, settings).created
            raise RuntimeError("the caller fails before its commit")
        with db.session() as session:
            assert yards_at(session, location) == 0 and stored(session, data.id) == 0


class TestSavepoint:
    def test_a_refusal_keeps_the_callers_earlier_work(
        self, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        """A caller that goes on after the intake refused one checklist (as the demo
        generator's batches may) commits its own work and none of the refused one's."""
        first = checklist(registry)
        refused_at = new_location(DISTRICT)
        audit = checklist(
            registry,
            location=refused_at,
            answers=answers_for(registry.current, role="inspector"),
        )
        key = f"test:{uuid.uuid4()}"
        with db.write_session() as session:
            kept = receive(session, first, registry, settings)
            outbox.enqueue(session, kind="test.effect", payload={}, dedupe_key=key)
            with pytest.raises(OutsideAuditScope):
                receive(session, audit, registry, settings, role="inspector", audit_scope=ELSEWHERE)
        with db.session() as session:
            assert stored(session, first.id) == 1 and outbox_rows(session, key) == 1
            risk = session.get(YardRisk, kept.submission.yard_id)
            assert risk is not None and risk.residents == 1
            assert yards_at(session, refused_at) == 0 and stored(session, audit.id) == 0

    def test_a_retry_inside_the_callers_transaction_keeps_its_work(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        data = checklist(registry)
        receive(session, data, registry, settings)
        key = f"test:{uuid.uuid4()}"
        outbox.enqueue(session, kind="test.effect", payload={}, dedupe_key=key)
        again = receive(session, data, registry, settings)
        assert not again.created and outbox_rows(session, key) == 1

    def test_a_lost_race_for_one_id_keeps_the_callers_work(
        self, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        """Two writers of one id, both past the "already stored?" look-up: the one that loses
        the insert undoes only its own attempt and commits the work it did before."""
        if db.is_sqlite:
            pytest.skip("SQLite runs one writer at a time: two writers never race")
        location = new_location(DISTRICT)
        data = checklist(registry, location=location)
        keys = yards_service.placement_lock_keys(
            lat=location["lat"], lon=location["lon"], radius_m=settings.yard_match_radius_m
        )
        results: dict[str, intake_service.Received] = {}
        failures: list[BaseException] = []
        names = [f"test:{uuid.uuid4()}" for _ in range(2)]

        def writer(name: str) -> None:
            try:
                with db.write_session() as session:
                    outbox.enqueue(session, kind="test.effect", payload={}, dedupe_key=name)
                    results[name] = receive(session, data, registry, settings)
            except BaseException as exc:  # reported below, in the test's thread
                failures.append(exc)

        # Hold the place's placement lock, so both writers look the id up before either
        # stores it, then wait at the lock.
        with db.engine.connect() as gate:
            held = gate.begin()
            gate.execute(
                text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
                {"keys": keys},
            )
            threads = [threading.Thread(target=writer, args=(n,)) for n in names]
            for thread in threads:
                thread.start()
            waiting = text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            deadline = time.monotonic() + 20
            with db.engine.connect() as watch:
                while watch.execute(waiting).scalar_one() < 2:
                    assert time.monotonic() < deadline, "the writers never reached the lock"
                    time.sleep(0.02)
            held.rollback()
        for thread in threads:
            thread.join(30)
        assert not failures, failures
        assert sorted(r.created for r in results.values()) == [False, True]
        with db.session() as session:
            assert all(outbox_rows(session, n) == 1 for n in names)
            assert stored(session, data.id) == 1 and yards_at(session, location) == 1
            yard = session.get(Yard, results[names[0]].submission.yard_id)
            assert yard is not None and yard.submission_count == 1


class TestReplay:
    def test_the_same_id_and_body_answer_with_the_stored_submission(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        data = checklist(registry)
        first = receive(session, data, registry, settings)
        yard_id = first.submission.yard_id
        risk_before = session.execute(
            select(table_of(YardRisk)).where(table_of(YardRisk).c.yard_id == yard_id)
        ).one()
        again = receive(session, data, registry, settings)
        assert first.created and not again.created and again.score is None
        assert again.submission.id == data.id and again.submission.yard_id == yard_id
        assert again.submission.risk_index == first.submission.risk_index
        assert again.submission.received_at == first.submission.received_at
        yard = session.get(Yard, yard_id)
        assert yard is not None and yard.submission_count == 1
        risk_after = session.execute(
            select(table_of(YardRisk)).where(table_of(YardRisk).c.yard_id == yard_id)
        ).one()
        assert risk_after == risk_before  # nothing recomputed: not even its time

    def test_the_same_id_with_other_answers_is_a_conflict(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        data = checklist(registry)
        first = receive(session, data, registry, settings)
        other = data.model_copy(update={"answers": answers_for(registry.current)})
        with pytest.raises(Conflict):
            receive(session, other, registry, settings)
        yard = session.get(Yard, first.submission.yard_id)
        assert yard is not None and yard.submission_count == 1

    def test_a_retry_refused_now_is_answered_as_stored(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        # The retry is not looked for before placing: it is found when something refuses it.
        data = checklist(registry)
        first = receive(session, data, registry, settings)
        no_areas = intake_service.receive_checklist(
            session, data=data, registry=registry, areas=None, settings=settings
        )
        outside = receive(
            session, data, registry, settings, role="inspector", audit_scope=ELSEWHERE
        )
        for again in (no_areas, outside):
            assert not again.created and again.submission.id == data.id
            assert again.submission.received_at == first.submission.received_at
        yard = session.get(Yard, first.submission.yard_id)
        assert yard is not None and yard.submission_count == 1
        assert yards_at(session, data.location.model_dump()) == 1  # type: ignore[union-attr]

    def test_the_same_id_with_an_invalid_body_is_a_conflict(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        data = checklist(registry)
        receive(session, data, registry, settings)
        broken = data.model_copy(update={"answers": {"no.such.item": "yes"}})
        with pytest.raises(Conflict):
            receive(session, broken, registry, settings)

    def test_a_new_submission_is_not_looked_up_first(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        statements: list[str] = []
        connection = session.connection()

        def seen(_c: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement)

        event.listen(connection, "before_cursor_execute", seen)
        try:
            receive(session, checklist(registry), registry, settings)
        finally:
            event.remove(connection, "before_cursor_execute", seen)
        reads = [s for s in statements if "FROM submission \nWHERE submission.id =" in s]
        assert not reads, reads
