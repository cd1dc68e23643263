"""What the intake's sync of a yard's findings costs the database: on PostgreSQL one round
trip for its reads, sent by the intake with the submission's insert, and one for its writes
(the driver's pipeline, ``pipeline.send_together``);
on SQLite one UPDATE of the findings per set of indexed columns changed. Counted around
``sync_yard`` while the intake runs it: SQLAlchemy's statements (each a round trip of its
own) and the pipelines sent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import service as findings_service
from app.platform import pipeline
from app.platform.config import Settings
from tests.findings.support import DOORS, LIGHT, YardStory, own_bodies_only
from tests.findings_factories import new_body

# Not almaly: the story's locations are taken from another district than most tests'.
_DISTRICT = "medeu"


@dataclass
class _Sync:
    statements: list[str] = field(default_factory=list)  # SQLAlchemy's
    pipelines: list[list[str]] = field(default_factory=list)  # each: its statements' texts

    @property
    def round_trips(self) -> int:
        return len(self.statements) + len(self.pipelines)


# Every pipeline sent while a test runs: its statements' texts.
_SENT: list[list[str]] = []


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[_Sync]]:
    """One entry per ``sync_yard`` the intake runs."""
    found: list[_Sync] = []
    running: list[_Sync] = []
    _SENT.clear()
    sync_yard, send_together = findings_service.sync_yard, pipeline.send_together

    def counted_sync(*args: Any, **kwargs: Any) -> int:
        running.append(_Sync())
        try:
            return sync_yard(*args, **kwargs)
        finally:
            found.append(running.pop())

    def counted_send(connection: Any, statements: Any) -> None:
        texts = [s.statement if isinstance(s, pipeline.Read) else s[0] for s in statements]
        _SENT.append(texts)
        if running:
            running[-1].pipelines.append(texts)
        send_together(connection, statements)

    def before(_c: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if running:
            running[-1].statements.append(statement)

    monkeypatch.setattr(findings_service, "sync_yard", counted_sync)
    monkeypatch.setattr(pipeline, "send_together", counted_send)
    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield found
    finally:
        event.remove(Engine, "before_cursor_execute", before)


@pytest.fixture
def story(session: Session, registry: ChecklistRegistry, settings: Settings) -> YardStory:
    own_bodies_only(session)
    # Bodies that take no e-mail: a confirmed finding needs no notice (no outbox query).
    new_body(
        session,
        kind=BodyKind.utility,
        items=[LIGHT],
        deadline_days=10,
        channel="phone",
        district=_DISTRICT,
    )
    new_body(
        session, kind=BodyKind.akimat, deadline_days=20, channel="eotinish", district=_DISTRICT
    )
    return YardStory(session, registry=registry, settings=settings, district=_DISTRICT)


def _send_the_story(story: YardStory) -> None:
    story.send("resident", {LIGHT: "no", DOORS: "none"})  # a new yard, two findings
    story.send("resident", {LIGHT: "yes", DOORS: "none"})  # a risk moves, a finding withdrawn
    story.send("resident", {LIGHT: "no", DOORS: "all"})  # changes of other columns


class TestRoundTrips:
    def test_postgresql_reads_with_the_insert_and_writes_in_one_round_trip(
        self, session: Session, story: YardStory, syncs: list[_Sync]
    ) -> None:
        if session.connection().dialect.name != "postgresql":
            pytest.skip("PostgreSQL's pipelines")
        _send_the_story(story)
        assert len(syncs) == 3
        for sync in syncs:
            assert sync.statements == []  # nothing through SQLAlchemy, one by one
            assert len(sync.pipelines) == 1  # its writes; its reads went with the insert
            assert not any(s.lstrip().upper().startswith("SELECT") for s in sync.pipelines[0])
        inserts = [p for p in _SENT if p[0].lstrip().startswith("WITH stored AS")]
        assert all(s.lstrip().upper().startswith("SELECT") for p in inserts for s in p[1:])
        # A new yard's insert goes with its bodies' read; the next ones' with the window's
        # and the findings' reads too.
        assert [len(p) for p in inserts] == [2, 4, 4]
        assert len(story.findings()) == 2

    def test_sqlite_updates_the_findings_in_few_statements(
        self, session: Session, story: YardStory, syncs: list[_Sync]
    ) -> None:
        if session.connection().dialect.name != "sqlite":
            pytest.skip("SQLite's statements")
        _send_the_story(story)
        assert len(syncs) == 3
        for sync in syncs[1:]:
            updates = [s for s in sync.statements if s.startswith("UPDATE finding ")]
            # One per set of indexed columns changed (the state of one, the risks of others).
            assert 1 <= len(updates) <= 2
            # The findings and bodies read, the UPDATEs, the history, the summary.
            assert sync.round_trips <= 4 + len(updates)
