"""The submission writes as driver SQL (``insert_once``, ``record_submission``) store what
SQLAlchemy's statements stored: every column, as the database holds it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Table, text
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import insert_once_statement
from app.submissions import service as submissions_service
from app.yards import service as yards_service
from tests.factories import new_location, store_submission


def _as_stored(connection: Connection, table: Table, key: str, value: Any) -> dict[str, Any]:
    """Every column but ``key`` and a yard's ``created_at`` as stored (SQLite's quote() keeps
    the storage class)."""
    names = [c.name for c in table.columns if c.name not in (key, "created_at")]
    if connection.dialect.name == "sqlite":
        shown = ", ".join(f"quote({n})" for n in names)
    else:
        shown = ", ".join(f"CAST({n} AS TEXT)" for n in names)
    row = connection.execute(
        text(f"SELECT {shown} FROM {table.name} WHERE {key} = :key"), {"key": value}
    ).one()
    return dict(zip(names, row, strict=True))


def _old_insert_once(connection: Connection, values: dict[str, Any]) -> bool:
    dialect = connection.dialect.name
    statement = insert_once_statement(submissions_service._SUBMISSION, "id", dialect)
    return connection.execute(statement, values).first() is not None


def test_insert_once_stores_what_sqlalchemy_stored(
    session: Session, registry: ChecklistRegistry, settings: Settings
) -> None:
    connection = session.connection()
    received = store_submission(
        session, registry=registry, settings=settings, location=new_location("almaly")
    )
    table = submissions_service._SUBMISSION
    stored = connection.execute(table.select().where(table.c.id == received.submission.id)).one()
    values = dict(stored._mapping)
    # Values that convert: a comment, a zone other than UTC, floats, JSON with non-ASCII.
    values.update(
        comment="Двор у дома 5",
        item_comments={"x": "тёмный подъезд"},
        client_created_at=datetime(
            2026, 12, 1, 9, 30, 0, 123456, tzinfo=timezone(timedelta(hours=5))
        ),
        risk_index=0.0,
        completeness=1.0,
    )
    new, old = uuid.uuid4(), uuid.uuid4()
    assert submissions_service.insert_once(session, {**values, "id": new}) is True
    assert _old_insert_once(connection, {**values, "id": old}) is True
    assert submissions_service.insert_once(session, {**values, "id": new}) is False
    key = table.c.id.type.bind_processor(connection.dialect) or (lambda value: value)
    assert _as_stored(connection, table, "id", key(new)) == _as_stored(
        connection, table, "id", key(old)
    )


def test_record_submission_stores_what_sqlalchemy_stored(session: Session) -> None:
    connection = session.connection()

    def yard() -> int:
        made = yards_service.create_yard(
            session,
            lat=43.2501,
            lon=76.9202,
            district_id="almaly",
            micro_district_id=None,
            address=None,
        )
        assert made.id is not None
        return made.id

    def old(yard_id: int, at: datetime) -> int:
        parameters = {"yard_id": yard_id, "at": at}
        count: int = connection.execute(yards_service._COUNT_SUBMISSION, parameters).scalar_one()
        return count

    new_yard, old_yard = yard(), yard()
    start = datetime(2026, 12, 7, 5, 0, 0, 250000, tzinfo=UTC)
    # Later, earlier (kept out), in another zone, the same instant again.
    moments = [
        start,
        start - timedelta(days=1),
        (start + timedelta(hours=2)).astimezone(timezone(timedelta(hours=6))),
        start + timedelta(hours=2),
    ]
    for n, at in enumerate(moments, start=1):
        assert yards_service.record_submission(session, yard_id=new_yard, at=at) == n
        assert old(old_yard, at) == n
        assert _as_stored(connection, yards_service._YARD, "id", new_yard) == _as_stored(
            connection, yards_service._YARD, "id", old_yard
        )
