"""PostgreSQL's writer keeps the yard's ``yard_risk`` upsert for its next statement, its
values bound into the text by the driver (``app.platform.deferred.keep_write``): the row it
stores equals the row SQLAlchemy's own statement stores from the same values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from app.platform import deferred
from app.platform.db import Database, table_of
from app.yards import risk
from app.yards.risk_models import YardRisk
from tests.factories import create_yard

_ROW = table_of(YardRisk)


def values_for(yard_id: int, district_id: str, micro_district_id: str | None) -> dict[str, Any]:
    """Every column, with the awkward values: a non-UTC time, Kazakh text in JSON, None,
    floats that do not round-trip through a short decimal, and booleans."""
    values: dict[str, Any] = {c.name: None for c in _ROW.columns}
    at = datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5)))
    values.update(
        yard_id=yard_id,
        micro_district_id=micro_district_id,
        district_id=district_id,
        basis="residents_median",
        risk_index=0.1 + 0.2,
        band="high",
        completeness=2 / 3,
        section_risk={"lighting": 1 / 3, "social": None},
        residents=3,
        cooperatives=0,
        inspector_audits=0,
        last_submission_at=at,
        disagrees=False,
        ops_centre=True,
        panic_button=False,
        window_days=90,
        checklist_version="2025.1",
        answers={"lighting.entrance": "жоқ", "note": 'it\'s "quoted"; \\ back'},
        item_risk={"lighting.entrance": 1e-17},
        risk_low=-0.0,
        risk_high=99.99999999999999,
        updated_at=datetime(2026, 12, 7, 3, 0, 0, 1, tzinfo=UTC),
    )
    return values


def test_the_kept_upsert_stores_what_sqlalchemy_stores(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's writer only: SQLite runs the statement itself")
    with db.write_session() as session:
        kept_yard, plain_yard = create_yard(session), create_yard(session)
        assert kept_yard.id is not None and plain_yard.id is not None
        kept = values_for(kept_yard.id, kept_yard.district_id, kept_yard.micro_district_id)
        plain = kept | {"yard_id": plain_yard.id}
        connection = session.connection()
        assert deferred.keeps_writes(connection)
        risk.write_yard_risk(session, kept)  # kept, sent with the COMMIT
        for _ in range(2):  # an update through the same text, then SQLAlchemy's insert
            connection.execute(risk._upsert_statement("postgresql"), plain)
    with db.engine.connect() as connection:
        rows = {
            row.yard_id: row._asdict()
            for row in connection.execute(
                select(_ROW).where(_ROW.c.yard_id.in_([kept_yard.id, plain_yard.id]))
            )
        }
    for row in rows.values():
        del row["yard_id"]
    assert rows[kept_yard.id] == rows[plain_yard.id]
    assert rows[kept_yard.id]["answers"]["lighting.entrance"] == "жоқ"
