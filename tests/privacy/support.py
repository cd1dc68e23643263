"""Submissions with comments and photos (real JPEG files on disk) to purge or redact."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from pathlib import Path

from PIL import Image
from sqlalchemy import update

from app.checklists.loader import ChecklistRegistry
from app.photos import service as photos_service
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.models import Submission
from tests.factories import answers_for, store_submission


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def submit_with_text(db: Database, registry: ChecklistRegistry, settings: Settings) -> uuid.UUID:
    """A resident's submission with a comment and two item comments, at a yard of its own,
    committed."""
    mark = uuid.uuid4().hex[:6]  # the texts differ from one submission to the next
    items = list(answers_for(registry.current))[:2]
    with db.write_session() as session:
        received = store_submission(
            session,
            registry=registry,
            settings=settings,
            comment=f"dark corner by entrance {mark}",
            item_comments={item: f"note {mark} on {item}" for item in items},
        )
    return received.submission.id


def add_photo(
    db: Database,
    settings: Settings,
    *,
    submission_id: uuid.UUID,
    created_at: datetime | None = None,
) -> tuple[uuid.UUID, list[Path]]:
    """A photo row with its JPEG and thumbnail written where the service keeps them."""
    photo_id = uuid.uuid4()
    data = jpeg()
    photo = Photo(
        id=photo_id,
        submission_id=submission_id,
        item_id="lighting.at_night",
        width=8,
        height=8,
        bytes=len(data),
        content_type="image/jpeg",
        stored_name=f"{photo_id.hex[:2]}/{photo_id}.jpg",
    )
    if created_at is not None:
        photo.created_at = created_at
    files = [
        photos_service.file_path(settings, photo),
        photos_service.file_path(settings, photo, thumb=True),
    ]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    with db.write_session() as session:
        session.add(photo)
    return photo_id, files


def backdate(db: Database, submission_id: uuid.UUID, received_at: datetime) -> None:
    with db.write_session() as session:
        session.execute(
            update(Submission)
            .where(Submission.id == submission_id)  # type: ignore[arg-type]
            .values(received_at=received_at)
        )


def stored(db: Database, submission_id: uuid.UUID) -> Submission:
    with db.session() as session:
        found = session.get(Submission, submission_id)
        assert found is not None
        return found


def photo_ids(db: Database, submission_id: uuid.UUID) -> set[uuid.UUID]:
    with db.session() as session:
        from sqlmodel import select

        return set(session.exec(select(Photo.id).where(Photo.submission_id == submission_id)))
