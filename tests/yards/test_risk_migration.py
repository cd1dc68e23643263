"""Revision e5outbox05 keeps the consensus answers on ``yard_risk``: rows kept before it get
the answers and checklist version their window gives, as a submission would have written."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from alembic import command
from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.intake import service as intake_service
from app.platform import migrate
from app.platform.config import Settings
from app.platform.db import Database, table_of
from app.submissions.schemas import SubmissionCreate
from app.yards.risk_models import YardRisk
from tests.databases import empty_database
from tests.factories import answers_for, area_index, new_location

BEFORE = "e4personal04"


def _consensus_columns(db: Database) -> dict[int, tuple[Any, Any]]:
    table = table_of(YardRisk)
    with db.session() as session:
        rows = session.execute(select(table.c.yard_id, table.c.checklist_version, table.c.answers))
        return {r.yard_id: (r.checklist_version, r.answers) for r in rows}


def test_rows_kept_before_the_revision_get_their_consensus(
    tmp_path: Path, registry: ChecklistRegistry, settings: Settings
) -> None:
    loaded = registry.current
    with empty_database(tmp_path / "backfill.db", prefix="safeyard_backfill") as url:
        migrate.upgrade(url)
        db = Database(url)
        load_reference_data(db, registry=registry)
        residents, audited = new_location(), new_location()
        sent = [
            (residents, answers_for(loaded), "resident"),
            (residents, answers_for(loaded, pick="best"), "resident"),
            (residents, answers_for(loaded, pick="best"), "cooperative"),
            (audited, answers_for(loaded, pick="best"), "resident"),
            (audited, answers_for(loaded, role="inspector"), "inspector"),
        ]
        with db.write_session() as session:
            for location, answers, role in sent:
                data = SubmissionCreate.model_validate(
                    {
                        "id": str(uuid.uuid4()),
                        "checklist_version": loaded.version,
                        "location": location,
                        "answers": answers,
                    }
                )
                intake_service.receive_checklist(
                    session,
                    data=data,
                    registry=registry,
                    areas=area_index(),
                    settings=settings,
                    role=role,
                )
        kept = _consensus_columns(db)
        assert len(kept) == 2 and all(version == loaded.version for version, _ in kept.values())
        db.dispose()

        command.downgrade(migrate.alembic_config(url), BEFORE)
        migrate.upgrade(url)
        db = Database(url)
        try:
            assert _consensus_columns(db) == kept
        finally:
            db.dispose()
