"""The large-data benchmark's generator, at a tiny size: its bulk-inserted rows read back
through the service as real submissions do, and every yard's risk row is the one the
service's own read of the yard's submissions gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.config import Settings
from app.platform.db import Database, table_of
from app.scoring import score_answers
from app.submissions.models import Submission
from app.yards.models import Yard
from app.yards.risk import current_risk
from app.yards.risk_models import YardRisk
from bench.large import generate
from tests.databases import empty_database

YARDS, SUBMISSIONS = 25, 600


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own: the generator gives yards fixed ids."""
    with empty_database(tmp_path / "large.db", prefix="safeyard_test_large") as url:
        yield url


def test_tiny_large_database(fresh_url: str, registry: ChecklistRegistry, tmp_path: Path) -> None:
    migrate.upgrade(fresh_url)
    db = Database(fresh_url)
    load_reference_data(db, registry=registry)
    db.dispose()  # the SQLite bulk load wants the file to itself
    settings = Settings(database_url=fresh_url, data_dir=tmp_path)
    now = datetime.now(UTC)
    made = generate(
        fresh_url,
        registry=registry,
        settings=settings,
        yards=YARDS,
        submissions=SUBMISSIONS,
        seed=3,
        now=now,
        pool_sizes=(4, 2),
    )
    assert len(made.yards) == YARDS and {y.micro_district_id for y in made.yards} != {None}
    submission, yard, yard_risk = table_of(Submission), table_of(Yard), table_of(YardRisk)
    loaded = registry.current
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(submission)) == SUBMISSIONS
        # Real answers, really scored, marked synthetic; read back through the ORM.
        rows = session.exec(select(Submission).limit(50)).all()  # type: ignore[call-overload]
        roles = set()
        for (row,) in rows:
            roles.add(row.role)
            assert row.synthetic and row.received_at.tzinfo is not None
            scored = score_answers(loaded.scoring, row.answers, role=row.role)
            assert row.risk_index == scored.risk_index and row.band == scored.band
            assert row.section_scores == {s.section: s.risk_index for s in scored.sections}
        assert "resident" in roles
        # Yard counters match the submissions.
        per_yard = {
            r.yard_id: (r.n, r.last)
            for r in session.execute(
                select(
                    submission.c.yard_id,
                    func.count().label("n"),
                    func.max(submission.c.received_at).label("last"),
                ).group_by(submission.c.yard_id)
            )
        }
        for r in session.execute(select(yard)).all():
            n, last = per_yard.get(r.id, (0, None))
            assert r.submission_count == n
            assert (r.last_submission_at is None) == (last is None)
        # Every yard's risk row is what the service reads from the yard's own submissions.
        risk_rows = session.execute(select(yard_risk)).all()
        assert len(risk_rows) == YARDS
        for r in risk_rows:
            current = current_risk(
                session,
                yard_id=r.yard_id,
                registry=registry,
                window_days=settings.current_risk_window_days,
                lang="en",
            )
            assert current.basis == r.basis
            assert current.residents == r.residents
            assert current.inspector_audits == r.inspector_audits
            assert (current.score.risk_index if current.score else None) == r.risk_index
    db.dispose()
