"""Revision e7consensus07 adds the consensus columns to ``yard_risk``: kept rows survive a
downgrade and upgrade, with the new columns at their defaults until the next refresh."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, select

from alembic import command
from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.config import Settings
from app.platform.db import Database, table_of
from app.submissions.yard_risk import refresh_all_yard_risks
from app.yards.risk_models import YardRisk
from tests.databases import empty_database
from tests.factories import answers_for, create_yard, store_submission

BEFORE = "e6nesting06"
NEW = {"item_risk", "cooperatives", "cooperative_index", "risk_low", "risk_high"}


def test_down_and_up_again(tmp_path: Path, registry: ChecklistRegistry, settings: Settings) -> None:
    loaded = registry.current
    with empty_database(tmp_path / "consensus.db", prefix="safeyard_consensus") as url:
        migrate.upgrade(url)
        db = Database(url)
        load_reference_data(db, registry=registry)
        with db.write_session() as session:
            yard = create_yard(session, district="almaly")
            assert yard.id is not None
            for pick in ("best", "worst"):
                store_submission(
                    session,
                    registry=registry,
                    settings=settings,
                    yard_id=yard.id,
                    location=None,
                    answers=answers_for(loaded, pick=pick),
                )
        table = table_of(YardRisk)
        with db.session() as session:
            before = session.execute(select(table)).mappings().one()
        assert before["risk_low"] is not None and before["residents"] == 2
        db.dispose()

        command.downgrade(migrate.alembic_config(url), BEFORE)
        db = Database(url)
        columns = {c["name"] for c in inspect(db.engine).get_columns("yard_risk")}
        assert not NEW & columns and "risk_index" in columns
        db.dispose()

        migrate.upgrade(url)
        migrate.check(url)
        db = Database(url)
        try:
            with db.session() as session:
                kept = session.execute(select(table)).mappings().one()
            assert kept["risk_index"] == before["risk_index"]
            assert kept["item_risk"] == {} and kept["cooperatives"] == 0
            assert kept["risk_low"] is None
            with db.write_session() as session:  # the daily refresh brings them back
                refresh_all_yard_risks(
                    session,
                    registry=registry,
                    window_days=settings.current_risk_window_days,
                    disagreement_points=settings.disagreement_points,
                )
            with db.session() as session:
                again = session.execute(select(table)).mappings().one()
            assert again["risk_low"] == before["risk_low"]
            assert again["item_risk"] == before["item_risk"]
        finally:
            db.dispose()
