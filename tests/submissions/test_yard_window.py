"""A submission reads its yard's window without the answers, then only the answers consensus()
parses, in one query by id (``app.submissions.yard_risk``); the row is still exactly the one a
full recompute builds."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.demo.synthetic import synthetic_answers
from app.intake import service as intake_service
from app.platform import pipeline
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.submissions.schemas import SubmissionCreate
from app.submissions.yard_risk import refresh_yard_risk
from app.yards import risk_tally
from app.yards import service as yards_service
from app.yards.risk_models import YardRisk

_YARD_RISK = table_of(YardRisk)
RESIDENTS = 30


@dataclass
class Reads:
    """The statements that read submissions' answers: the window's and by id (with how
    many ids each asked for)."""

    window: int = 0
    by_id: list[int] = field(default_factory=list)


@pytest.fixture
def reads(session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    found = Reads()

    def seen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "answers" not in statement or not statement.lstrip().upper().startswith("SELECT"):
            return
        if "received_at >=" in statement:
            found.window += 1
        elif " IN (" in statement:
            found.by_id.append(len(params))

    send_together = pipeline.send_together

    def sent(connection: Any, statements: Any) -> None:
        # PostgreSQL: the window is read with the submission's insert, in the driver's pipeline.
        for s in statements:
            if isinstance(s, pipeline.Read):
                seen(None, None, s.statement, s.parameters)
        send_together(connection, statements)

    monkeypatch.setattr(pipeline, "send_together", sent)
    connection = session.connection()
    event.listen(connection, "before_cursor_execute", seen)
    yield found
    event.remove(connection, "before_cursor_execute", seen)


class _Yard:
    def __init__(self, session: Session, registry: ChecklistRegistry, settings: Settings) -> None:
        self.session, self.registry, self.settings = session, registry, settings
        self.rng = random.Random(17)
        yard = yards_service.create_yard(
            session, lat=43.262, lon=76.934, district_id="almaly", micro_district_id=None,
            address=None,
        )  # fmt: skip
        assert yard.id is not None
        self.id = yard.id
        self.start = utcnow() - timedelta(days=10)
        self.step = 0

    def submit(self, role: str = "resident", condition: float | None = None) -> None:
        loaded = self.registry.current
        answers = synthetic_answers(
            self.rng, loaded, condition=self.rng.random() if condition is None else condition,
            role=role,
        )  # fmt: skip
        data = SubmissionCreate.model_validate(
            {
                "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                "checklist_version": loaded.version,
                "yard_id": self.id,
                "answers": answers,
            }
        )
        self.step += 1
        intake_service.receive_checklist(
            self.session,
            data=data,
            registry=self.registry,
            areas=None,
            settings=self.settings,
            role=role,
            received_at=self.start + timedelta(minutes=self.step),
        )

    def row(self) -> dict[str, Any]:
        found = self.session.execute(select(_YARD_RISK).where(_YARD_RISK.c.yard_id == self.id))
        return {k: v for k, v in found.mappings().one().items() if k != "updated_at"}

    def recomputed(self, now: datetime) -> dict[str, Any]:
        """The row a full recompute builds, from nothing kept in memory."""
        risk_tally._tallies.pop(self.id, None)
        refresh_yard_risk(
            self.session,
            yard_id=self.id,
            registry=self.registry,
            window_days=self.settings.current_risk_window_days,
            disagreement_points=self.settings.disagreement_points,
            now=now,
        )
        self.session.expire_all()
        return self.row()


@pytest.fixture
def yard(session: Session, registry: ChecklistRegistry, settings: Settings) -> _Yard:
    """A yard with an audit, two cooperatives' checks and RESIDENTS residents' checks."""
    built = _Yard(session, registry, settings)
    built.submit("inspector")
    built.submit("cooperative")
    for _ in range(RESIDENTS):
        built.submit()
    built.submit("cooperative")
    return built


class TestWindowAnswers:
    def test_a_warm_yard_reads_only_the_parsed_answers(self, yard: _Yard, reads: Reads) -> None:
        yard.submit()
        # The window without answers; by id: the audit and the two cooperatives' (the new
        # resident's are the caller's, the others are in the yard's tally).
        assert reads.window == 0
        assert reads.by_id == [3]
        kept = yard.row()
        assert yard.recomputed(yard.start + timedelta(minutes=yard.step)) == kept

    def test_a_cold_tally_reads_the_answers_with_the_window(
        self, yard: _Yard, reads: Reads
    ) -> None:
        risk_tally._tallies.pop(yard.id, None)  # as in another worker process
        yard.submit()
        # Every resident's answers are parsed: they come with the window, in one query.
        assert reads.window == 1
        assert reads.by_id == []
        reads.window = 0
        yard.submit()  # and the tally is warm again
        assert reads.window == 0
        assert reads.by_id == [3]
        kept = yard.row()
        assert yard.recomputed(yard.start + timedelta(minutes=yard.step)) == kept

    def test_a_rolled_back_submission_is_not_counted(
        self, session: Session, yard: _Yard, reads: Reads
    ) -> None:
        savepoint = session.begin_nested()
        for _ in range(3):
            yard.submit(condition=1.0)  # counted in the tally, then rolled back
        savepoint.rollback()
        reads.by_id.clear()
        yard.submit()
        # The tally holds submissions the window no longer has: rebuilt from every resident,
        # read in a second query at most.
        assert len(reads.by_id) <= 2
        assert sum(reads.by_id) <= 3 + RESIDENTS
        kept = yard.row()
        assert yard.recomputed(yard.start + timedelta(minutes=yard.step)) == kept

    def test_the_daily_recompute_reads_the_window_at_once(self, yard: _Yard, reads: Reads) -> None:
        yard.recomputed(yard.start + timedelta(minutes=yard.step))
        assert reads.window == 1
        assert reads.by_id == []
