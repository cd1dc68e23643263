"""Group commit: the submissions waiting are stored in one transaction, each answered only
after its commit; one failing submission is answered alone; a failed commit stores none."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.intake import group_commit
from app.intake import service as intake_service
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.errors import Conflict, Invalid, Unavailable
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate
from tests.factories import area_index
from tests.intake.test_receive import checklist
from tests.loops import run_in_own_loop


def storing(
    data: SubmissionCreate, registry: ChecklistRegistry, settings: Settings
) -> Callable[[Session], intake_service.Received]:
    def work(session: Session) -> intake_service.Received:
        return intake_service.receive_checklist(
            session, data=data, registry=registry, areas=area_index(), settings=settings
        )

    return work


def run_together(db: Database, works: list[Callable[[Session], Any]]) -> list[Any]:
    """Every work handed to the writer at once (one batch); their values or exceptions."""

    async def main() -> list[Any]:
        writer = group_commit.writer_of(db)
        return await asyncio.gather(*(writer.run(w) for w in works), return_exceptions=True)

    return run_in_own_loop(main())


def stored(db: Database, ids: list[uuid.UUID]) -> int:
    with db.session() as session:
        return session.scalar(
            select(func.count()).select_from(Submission).where(Submission.id.in_(ids))
        )


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch written."""
    sizes: list[int] = []
    write = group_commit.GroupCommit._write

    def counting(self: group_commit.GroupCommit, batch: list[Any]) -> Any:
        sizes.append(len(batch))
        return write(self, batch)

    monkeypatch.setattr(group_commit.GroupCommit, "_write", counting)
    return sizes


class TestGroupCommit:
    def test_the_waiting_submissions_are_stored_in_one_batch(
        self, db: Database, registry: ChecklistRegistry, settings: Settings, batches: list[int]
    ) -> None:
        bodies = [checklist(registry) for _ in range(5)]
        results = run_together(db, [storing(b, registry, settings) for b in bodies])
        assert batches == [5]
        assert [r.created for r in results] == [True] * 5
        assert [r.submission.id for r in results] == [b.id for b in bodies]
        assert stored(db, [b.id for b in bodies]) == 5

    def test_a_failing_submission_is_answered_alone_and_the_others_are_stored(
        self, db: Database, registry: ChecklistRegistry, settings: Settings, batches: list[int]
    ) -> None:
        first, last = checklist(registry), checklist(registry)
        # Fails in placement, after the intake's savepoint began: its writes are undone.
        no_yard = checklist(registry, yard_id=2**31 - 1, location=None)
        stored_before = checklist(registry)
        run_together(db, [storing(stored_before, registry, settings)])
        # The same id with other content: a Conflict, found before anything is written.
        changed = stored_before.model_copy(update={"comment": "something else"})
        works = [storing(d, registry, settings) for d in (first, no_yard, changed, last)]

        def broken(session: Session) -> None:
            raise RuntimeError("a bug in one submission")

        results = run_together(db, [*works[:2], broken, *works[2:]])
        assert batches[-1] == 5
        assert results[0].created and results[4].created
        assert isinstance(results[1], Invalid)
        assert isinstance(results[2], RuntimeError)
        assert isinstance(results[3], Conflict)
        assert stored(db, [first.id, last.id]) == 2
        assert stored(db, [no_yard.id]) == 0

    def test_the_same_id_twice_in_one_batch_is_stored_once(
        self, db: Database, registry: ChecklistRegistry, settings: Settings, batches: list[int]
    ) -> None:
        data = checklist(registry)
        results = run_together(db, [storing(data, registry, settings)] * 2)
        assert batches == [2]
        assert [r.created for r in results] == [True, False]
        assert results[0].submission.id == results[1].submission.id == data.id
        assert stored(db, [data.id]) == 1

    @pytest.mark.parametrize(
        ("failure", "answered"),
        [
            (OperationalError("COMMIT", None, Exception("disk I/O error")), OperationalError),
            (RuntimeError("the commit broke"), Unavailable),
        ],
    )
    def test_a_failed_commit_answers_every_one_503_and_stores_none(
        self,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
        failure: Exception,
        answered: type[Exception],
    ) -> None:
        bodies = [checklist(registry) for _ in range(3)]

        def failing_commit(self: Session) -> None:
            raise failure

        monkeypatch.setattr(Session, "commit", failing_commit)
        results = run_together(db, [storing(b, registry, settings) for b in bodies])
        monkeypatch.undo()
        # OperationalError is answered 503 + Retry-After by its handler, Unavailable by its own.
        assert all(isinstance(r, answered) for r in results)
        assert stored(db, [b.id for b in bodies]) == 0
        # The writer goes on: the same submissions, sent again, are stored.
        again = run_together(db, [storing(b, registry, settings) for b in bodies])
        assert [r.created for r in again] == [True] * 3

    def test_the_batches_follow_one_another_while_submissions_keep_coming(
        self, db: Database, registry: ChecklistRegistry, settings: Settings, batches: list[int]
    ) -> None:
        bodies = [checklist(registry) for _ in range(group_commit.MAX_BATCH + 3)]
        results = run_together(db, [storing(b, registry, settings) for b in bodies])
        assert batches == [group_commit.MAX_BATCH, 3]
        assert all(r.created for r in results)
        assert stored(db, [b.id for b in bodies]) == len(bodies)

    def test_after_a_lock_timeout_the_rest_of_the_batch_is_answered_503_at_once(
        self, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        first, later = checklist(registry), checklist(registry)
        ran: list[str] = []

        def locked(session: Session) -> None:
            ran.append("locked")
            raise OperationalError("INSERT", None, Exception("lock timeout"))

        def later_work(session: Session) -> intake_service.Received:
            ran.append("later")
            return storing(later, registry, settings)(session)

        results = run_together(db, [storing(first, registry, settings), locked, later_work])
        assert results[0].created
        assert isinstance(results[1], OperationalError)
        assert results[2] is results[1]  # not run: the database is locked, retry later
        assert ran == ["locked"]
        assert stored(db, [first.id]) == 1
        assert stored(db, [later.id]) == 0
