"""The sync's driver-SQL writes (``app.findings.writes``) store what SQLAlchemy's statements
stored before them: the same yard story is run twice, once as served and once with the writes
swapped for the SQLAlchemy statements they replaced, and every column of the findings, their
history and the yard's summary must come back the same, through the ORM and as stored."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Table, bindparam, delete, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.checklists.loader import ChecklistRegistry
from app.findings import routing, writes, yard_reads
from app.findings import service as sync
from app.findings import summary as findings_summary
from app.findings.models import Finding, FindingEvent, YardFindings
from app.findings.routing import Router
from app.platform import pipeline
from app.platform.config import Settings
from tests.factories import answers_for, area_index, new_location, store_submission
from tests.findings.support import START, own_bodies_only
from tests.findings_factories import new_body


def _old_insert_findings(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> Any:
    statement = insert(writes.FINDING).returning(writes.FINDING.c.id, writes.FINDING.c.item_id)
    return {item: id_ for id_, item in connection.execute(statement, list(rows))}


# ``later``: the new functions leave PostgreSQL's statements for one round trip; these run
# theirs at once.
def _old_insert_events(
    connection: Connection, events: Sequence[Mapping[str, Any]], **later: Any
) -> None:
    if events:  # none: no statement (SQLAlchemy would insert a row of defaults)
        connection.execute(insert(writes.EVENT), list(events))


def _old_update_findings(
    connection: Connection, rows: Sequence[Mapping[str, Any]], **later: Any
) -> None:
    """One executemany per set of columns changed, as the sync wrote them before."""
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(c for c in row if c != "id")), []).append(row)
    for columns, group in groups.items():
        statement = (
            update(writes.FINDING)
            .where(writes.FINDING.c.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}") for c in columns})
        )
        connection.execute(
            statement, [{"_id": r["id"], **{f"_{c}": r[c] for c in columns}} for r in group]
        )


def _old_insert_opened(
    connection: Connection, rows: Sequence[Mapping[str, Any]], opened: Mapping[str, Any]
) -> list[pipeline.Read]:
    """PostgreSQL's new findings and their "opened" rows as two SQLAlchemy statements, run
    at once; the read handed back only finds the ids again."""
    if not rows:
        return []
    ids = _old_insert_findings(connection, rows)
    events = [{**opened, "finding_id": ids[r["item_id"]], "body_id": r["body_id"]} for r in rows]
    _old_insert_events(connection, events)
    found = "SELECT id, item_id FROM finding WHERE id = ANY(%s)"
    return [pipeline.Read(None, found, (list(ids.values()),))]


def _old_read(
    connection: Connection,
    place: Any,
    settings: Settings,
    *,
    new_yard: bool,
    fails: Any,
    sent: Any = None,
) -> tuple[Any, Router | None]:
    """The sync's reads through SQLAlchemy (PostgreSQL sends them as driver SQL, or the
    intake with the insert: ``sent`` is read again here)."""
    rows: Any = (
        []
        if new_yard
        else connection.execute(yard_reads._YARD_FINDINGS, {"yard_id": place.yard_id})
    )
    candidates = connection.execute(
        routing._CANDIDATES, {"yard_id": place.yard_id, "district_id": place.district_id}
    )
    router = Router.of_rows(candidates, default_deadline_days=settings.finding_deadline_days)
    return [dict(r._mapping) for r in rows], router


def _old_upsert_summary(connection: Connection, row: Mapping[str, Any]) -> None:
    dialect = connection.dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(writes.SUMMARY)
    statement = statement.on_conflict_do_update(
        index_elements=[writes.SUMMARY.c.yard_id],
        set_={c.name: statement.excluded[c.name] for c in writes.SUMMARY.columns},
    )
    connection.execute(statement, dict(row))


def _old_refresh_later(connection: Connection, *, yard_id: int, later: Any) -> None:
    """PostgreSQL's summary as it was written before its upsert: a DELETE, then an INSERT of
    the aggregate."""
    connection.execute(delete(writes.SUMMARY).where(writes.SUMMARY.c.yard_id == yard_id))
    counts = findings_summary._COUNTS.where(writes.FINDING.c.yard_id == yard_id)
    connection.execute(insert(writes.SUMMARY).from_select(findings_summary._COLUMNS, counts))


def _as_stored(session: Session, table: Table, where: str, yard_id: int) -> list[dict[str, Any]]:
    """Every column as the database holds it: SQLite's quote() keeps the storage class
    (1 and 1.0 and '1' differ), PostgreSQL's text form keeps the value."""
    connection = session.connection()
    sqlite_db = connection.dialect.name == "sqlite"
    names = [c.name for c in table.columns if c.name not in ("id", "yard_id", "finding_id")]
    shown = ", ".join(f"quote({n})" if sqlite_db else f"CAST({n} AS TEXT)" for n in names)
    every = ", ".join(str(n) for n in range(1, len(names) + 1))  # a multiset, in one order
    rows = connection.execute(
        text(f"SELECT {shown} FROM {table.name} WHERE {where} ORDER BY {every}"),
        {"yard_id": yard_id},
    ).all()
    return [dict(zip(names, row, strict=True)) for row in rows]


def _stored(session: Session, yard_id: int) -> dict[str, Any]:
    session.expire_all()
    findings = session.exec(
        select(Finding).where(Finding.yard_id == yard_id).order_by(col(Finding.item_id))
    ).all()
    events = session.exec(
        select(FindingEvent, Finding.item_id)
        .join(Finding, col(Finding.id) == FindingEvent.finding_id)
        .where(Finding.yard_id == yard_id)
        .order_by(col(Finding.item_id), col(FindingEvent.id))
    ).all()
    summary = session.get(YardFindings, yard_id)
    in_events = "finding_id IN (SELECT id FROM finding WHERE yard_id = :yard_id)"
    return {
        "findings": [f.model_dump(exclude={"id", "yard_id"}) for f in findings],
        "events": [(item, e.model_dump(exclude={"id", "finding_id"})) for e, item in events],
        "summary": summary and summary.model_dump(exclude={"yard_id"}),
        "findings as stored": _as_stored(session, writes.FINDING, "yard_id = :yard_id", yard_id),
        "events as stored": _as_stored(session, writes.EVENT, in_events, yard_id),
        "summary as stored": _as_stored(session, writes.SUMMARY, "yard_id = :yard_id", yard_id),
    }


def _random_answers(registry: ChecklistRegistry, role: str, seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    loaded = registry.current
    return {
        i.id: rng.choice(i.options).value
        for i in loaded.checklist.items()
        if i.scored and role in i.roles
    }


# Each story is one yard's submissions, in order: a new yard's findings (confirmed by an
# audit, or not by one resident), then later checks that confirm, verify and reopen them.
STORIES = {
    "audit opens": [("inspector", "worst")],
    "resident opens": [("resident", "worst")],
    "residents then audits": [
        ("resident", 1),
        ("resident", 2),
        ("inspector", 3),
        ("inspector", "best"),
        ("resident", 4),
    ],
}


class TestDriverWritesStoreWhatSQLAlchemyStored:
    @pytest.mark.parametrize("story", list(STORIES))
    def test_a_yard_story(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
        story: str,
    ) -> None:
        own_bodies_only(session)
        items = [i.id for i in registry.current.checklist.items() if i.scored]
        # Half of the items go to a body with deadlines of its own: body and deadline set.
        new_body(session, items=items[::2], deadline_days=30, item_deadlines={items[0]: 7})
        first = new_location("almaly")
        area = area_index().locate(first["lat"], first["lon"]).micro_district_id
        second = new_location("almaly", micro_district=area)

        def run(location: dict[str, float]) -> dict[str, Any]:
            yard_id = None
            for n, (role, pick) in enumerate(STORIES[story]):
                answers = (
                    answers_for(registry.current, pick=pick, role=role)
                    if isinstance(pick, str)
                    else _random_answers(registry, role, pick)
                )
                received = store_submission(
                    session,
                    registry=registry,
                    settings=settings,
                    role=role,
                    location=location,
                    answers=answers,
                    received_at=START + timedelta(hours=n),
                )
                yard_id = received.submission.yard_id
            assert yard_id is not None
            return _stored(session, yard_id)

        served = run(first)
        with monkeypatch.context() as patched:
            patched.setattr(writes, "insert_findings", _old_insert_findings)
            patched.setattr(writes, "insert_events", _old_insert_events)
            patched.setattr(writes, "update_findings", _old_update_findings)
            patched.setattr(writes, "insert_opened", _old_insert_opened)
            patched.setattr(yard_reads, "read_yard", _old_read)
            patched.setattr(writes, "upsert_summary", _old_upsert_summary)
            patched.setattr(findings_summary, "refresh_later", _old_refresh_later)
            # Every column a change names, as before, also those set to the value they have.
            patched.setattr(sync, "_changed", lambda values, stored: dict(values))
            oracle = run(second)

        assert len(served["findings"]) >= 5
        assert served["events"]
        for key in served:
            assert served[key] == oracle[key], key


class TestUnchangedColumnsStayOutOfTheUpdate:
    def test_only_what_would_store_the_same(self) -> None:
        at = START + timedelta(days=3)
        stored = {"risk": 0.0, "confirmed": True, "body_id": "b", "reopened": 1, "at": at}
        values = {
            "risk": -0.0,  # stored apart from 0.0
            "confirmed": 1,  # an integer, not a boolean
            "body_id": "b",
            "reopened": 1,
            "at": at.astimezone(timezone(timedelta(hours=5))),  # the same instant: UTC stored
            "state": "open",  # not read: kept
        }
        assert sync._changed(values, stored) == {"risk": -0.0, "confirmed": 1, "state": "open"}

    def test_a_confirmation_leaves_the_body_it_has(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # The second resident confirms the findings the first opened, each routed again to
        # the body it has: SQLite's UPDATE leaves it out (a foreign key check a row).
        own_bodies_only(session)
        items = [i.id for i in registry.current.checklist.items() if i.scored]
        body = new_body(session, items=items, deadline_days=30)
        location = new_location("almaly")
        answers = answers_for(registry.current, pick="worst", role="resident")

        def submit(hours: int) -> int:
            received = store_submission(
                session,
                registry=registry,
                settings=settings,
                location=location,
                answers=answers,
                received_at=START + timedelta(hours=hours),
            )
            assert received.submission.yard_id is not None
            return received.submission.yard_id

        yard_id = submit(0)
        updates: list[Mapping[str, Any]] = []
        update_findings = writes.update_findings

        def seen(connection: Connection, rows: Sequence[Mapping[str, Any]], **later: Any) -> None:
            updates.extend(rows)
            update_findings(connection, rows, **later)

        with monkeypatch.context() as patched:
            patched.setattr(writes, "update_findings", seen)
            assert submit(1) == yard_id
        findings = session.exec(select(Finding).where(Finding.yard_id == yard_id)).all()
        assert findings and all(f.confirmed and f.body_id == body.id for f in findings)
        assert updates
        if session.connection().dialect.name == "sqlite":
            assert not any("body_id" in row for row in updates)
