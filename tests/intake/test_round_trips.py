"""PostgreSQL: a submission to a known yard costs three round trips in the group-commit writer
(its place; its insert with the reads that follow from it; its writes), counted on the wire
from libpq's own protocol trace: every Sync or simple Query the client sends is a wait for
the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from tests.factories import answers_for
from tests.intake.test_group_commit import run_together, storing
from tests.intake.test_receive import checklist


class _Trace:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = path.open("w")

    def waits(self) -> list[str]:
        """The client's messages the server answers: (Sync, Query text)."""
        self.file.flush()
        found = []
        for line in self.path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) > 2 and parts[0] == "F" and parts[2] in ("Sync", "Query"):
                found.append(parts[2] + (parts[3][:40] if len(parts) > 3 else ""))
        return found


@pytest.fixture
def trace(db: Database, tmp_path: Path) -> Iterator[_Trace]:
    if not db.url.startswith("postgresql"):
        pytest.skip("PostgreSQL's round trips")
    from psycopg import pq

    found = _Trace(tmp_path / "libpq.trace")
    tracing = [False]

    def checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if tracing[0]:
            dbapi_connection.pgconn.trace(found.file.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def checkin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.pgconn.untrace()

    event.listen(db.write_engine, "checkout", checkout)
    event.listen(db.write_engine, "checkin", checkin)
    found.tracing = tracing  # type: ignore[attr-defined]
    yield found
    event.remove(db.write_engine, "checkout", checkout)
    event.remove(db.write_engine, "checkin", checkin)
    found.file.close()


def test_a_known_yards_submission_takes_three_round_trips(
    db: Database, registry: ChecklistRegistry, settings: Settings, trace: _Trace
) -> None:
    first = checklist(registry)
    location = first.location.model_dump() if first.location else {}
    # The yard, with findings (the worst answers fail many items).
    [made] = run_together(db, [storing(first, registry, settings)])
    assert made.created
    loaded = registry.current
    picks = ["best", "worst", "worst", "best"]
    bodies = [
        checklist(registry, location=location, answers=answers_for(loaded, pick=p)) for p in picks
    ]
    trace.tracing[0] = True  # type: ignore[attr-defined]
    results = run_together(db, [storing(b, registry, settings) for b in bodies])
    assert [r.created for r in results] == [True] * len(bodies)
    assert {r.submission.yard_id for r in results} == {made.submission.yard_id}
    waits = trace.waits()
    # Three a submission, and the batch's COMMIT (its BEGIN rides with the first statement).
    assert waits[-1].startswith("Query") and "COMMIT" in waits[-1]
    assert len(waits) == 3 * len(bodies) + 1, waits
