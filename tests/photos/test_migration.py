"""The photo moderation revision on a database with photos from before it (scratch SQLite)."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    create_engine,
    insert,
    select,
)

from alembic import command
from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.photos.models import Photo
from app.platform import migrate
from app.platform.config import Settings
from app.platform.db import Database, UTCDateTime, utcnow
from tests.photos.support import ITEM, stored_submission

BEFORE = "e1yardname01"  # the revision before photo moderation
OLD_PHOTO = Table(
    "photo",
    MetaData(),
    Column("id", Uuid),
    Column("submission_id", Uuid),
    Column("item_id", String),
    Column("width", Integer),
    Column("height", Integer),
    Column("bytes", Integer),
    Column("content_type", String),
    Column("stored_name", String),
    Column("created_at", UTCDateTime(timezone=True)),
)


def _old_photo_row(submission_id: uuid.UUID) -> dict[str, object]:
    name = str(uuid.uuid4())
    return {
        "id": uuid.uuid4(),
        "submission_id": submission_id,
        "item_id": ITEM,
        "width": 10,
        "height": 10,
        "bytes": 10,
        "content_type": "image/jpeg",
        "stored_name": f"{name[:2]}/{name}.jpg",
        "created_at": utcnow(),
    }


def test_old_photos_become_pending_and_orphans_go(
    tmp_path: Path, registry: ChecklistRegistry, settings: Settings
) -> None:
    url = f"sqlite:///{tmp_path / 'moderation.db'}"
    migrate.upgrade(url)
    database = Database(url)
    load_reference_data(database, registry=registry)
    with database.write_session() as session:
        submission_id = stored_submission(session, registry=registry, settings=settings)
    database.dispose()

    command.downgrade(migrate.alembic_config(url), BEFORE)
    kept, orphan = _old_photo_row(submission_id), _old_photo_row(uuid.uuid4())
    # As the old API stored them: no foreign key, so a photo of an unknown id was accepted.
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(OLD_PHOTO), [kept, orphan])
    engine.dispose()

    migrate.upgrade(url)
    database = Database(url)
    with database.session() as session:
        rows = session.execute(select(Photo.id, Photo.state, Photo.moderated_by)).all()
    database.dispose()
    assert [(r.id, r.state, r.moderated_by) for r in rows] == [(kept["id"], "pending", None)]
