"""Storing photos exactly once: checked, processed, written as files, then recorded in one row.

A photo goes to a stored submission (a foreign key; see ``uploads`` for who may send it); a
refused photo never costs the submission. Files go under ``<data_dir>/photos/``, named by the
server; the client's file name is never used for storage.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from app.photos.errors import PhotoRejected
from app.photos.models import Photo
from app.photos.processing import ProcessedPhoto, process_photo
from app.photos.uploads import UploadTarget, check_item, check_window
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.platform.errors import Conflict, Invalid, Unavailable

__all__ = [
    "PhotoRejected",
    "Stored",
    "UploadTarget",
    "check_upload",
    "file_path",
    "find_photo",
    "photo_id_for",
    "photos_dir",
    "photos_for",
    "process",
    "save_processed",
    "stored_path",
    "store_photo",
]

log = logging.getLogger("safeyard")

_ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
_STORED_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f-]{36}\.jpg$")


@dataclass(frozen=True)
class Stored:
    photo: Photo
    created: bool  # False: the same photo was already stored (a retry)


def photos_dir(settings: Settings) -> Path:
    """Where photo files live: in the data directory, never in the web root."""
    return settings.data_dir / "photos"


def stored_path(settings: Settings, stored_name: str, *, thumb: bool = False) -> Path:
    """The file of a stored name (the photo, or its thumbnail); ValueError for a name the
    server never makes."""
    if not _STORED_NAME.match(stored_name):  # only the server names files
        raise ValueError(f"unexpected stored name {stored_name[:80]!r}")
    name = stored_name.removesuffix(".jpg") + ".thumb.jpg" if thumb else stored_name
    return photos_dir(settings) / name


def file_path(settings: Settings, photo: Photo, *, thumb: bool = False) -> Path:
    """The stored JPEG of a photo, or its thumbnail."""
    try:
        return stored_path(settings, photo.stored_name, thumb=thumb)
    except ValueError:
        raise ValueError(f"photo {photo.id} has an unexpected stored name") from None


def photo_id_for(
    *, submission_id: uuid.UUID, photo_id: uuid.UUID | None, idempotency_key: str | None
) -> uuid.UUID | None:
    """The id a retry will find again: the client's ``photo_id``, else one derived from its
    Idempotency-Key (within the submission), else None (the server makes a new one)."""
    if photo_id is not None:
        return photo_id
    if idempotency_key:
        return uuid.uuid5(submission_id, idempotency_key)
    return None


def find_photo(session: Session, photo_id: uuid.UUID) -> Photo | None:
    return session.get(Photo, photo_id)


def photos_for(session: Session, *, submission_id: uuid.UUID) -> list[Photo]:
    """The photos of a submission, oldest first, whatever their moderation state (for the
    holder of the submission's id and staff only)."""
    query = (
        select(Photo)
        .where(Photo.submission_id == submission_id)
        .order_by(col(Photo.created_at), col(Photo.id))
    )
    return list(session.exec(query))


def _replay(existing: Photo, *, submission_id: uuid.UUID, item_id: str) -> Photo:
    if existing.submission_id != submission_id or existing.item_id != item_id:
        raise Conflict(
            f"Photo {existing.id} was already stored for another submission or item. "
            "Send a new photo_id or Idempotency-Key for a new photo."
        )
    return existing


def check_upload(
    session: Session,
    *,
    settings: Settings,
    target: UploadTarget,
    item_id: str,
    photo_id: uuid.UUID | None,
    now: datetime | None = None,
) -> Photo | None:
    """Check an upload before its bytes are worked on: the stored photo if this is a retry,
    else None. Raises Invalid for a malformed item id or one the submission's checklist lacks,
    Conflict when the id belongs to another photo or the submission already has as many
    photos as allowed, UploadWindowClosed (403) after the upload window."""
    if not _ITEM_ID.match(item_id):
        raise Invalid(
            f"{item_id[:80]!r} is not a checklist item id (like 'lighting.at_night').",
            details=[{"field": "item_id", "message": "not an item id"}],
        )
    if photo_id is not None and (existing := find_photo(session, photo_id)) is not None:
        # A retry whose first answer was lost: the same photo, even after the window closed.
        return _replay(existing, submission_id=target.submission_id, item_id=item_id)
    check_window(settings, target, now=now)
    check_item(target, item_id)
    count = session.exec(
        select(func.count()).select_from(Photo).where(Photo.submission_id == target.submission_id)
    ).one()
    if count >= settings.photo_max_per_submission:
        raise Conflict(
            f"Submission {target.submission_id} already has the "
            f"{settings.photo_max_per_submission} photos allowed; no more can be added."
        )
    return None


def process(data: bytes, *, settings: Settings, filename: str | None) -> ProcessedPhoto:
    """Check and re-encode an upload (CPU-bound, no database: run it outside a write
    transaction). Raises PhotoRejected."""
    return process_photo(
        data,
        max_bytes=settings.photo_max_bytes,
        max_pixels=settings.photo_max_pixels,
        max_side=settings.photo_max_side_px,
        thumb_side=settings.photo_thumb_side_px,
        filename=filename,
    )


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as file:
        file.write(data)
        file.flush()
        # On disk before the row that points at it is committed.
        os.fsync(file.fileno())


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


_PHOTO = table_of(Photo)


@cache
def _insert_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(_PHOTO).on_conflict_do_nothing(index_elements=["id"]).returning(_PHOTO.c.id)


def save_processed(
    session: Session,
    *,
    settings: Settings,
    target: UploadTarget,
    item_id: str,
    processed: ProcessedPhoto,
    photo_id: uuid.UUID | None = None,
) -> Stored:
    """Write the files of a processed photo and record it, once per ``photo_id``.

    The files are written before the row, so a stored row always has its files; a transaction
    rolled back later leaves unreferenced files behind, never a row without files.
    ``target`` comes from ``uploads.load_target`` (with ``lock=True`` in this transaction).
    """
    existing = check_upload(
        session, settings=settings, target=target, item_id=item_id, photo_id=photo_id
    )
    if existing is not None:
        return Stored(existing, created=False)
    submission_id = target.submission_id
    name = str(uuid.uuid4())
    values: dict[str, Any] = dict(
        id=photo_id or uuid.uuid4(),
        submission_id=submission_id,
        item_id=item_id,
        width=processed.width,
        height=processed.height,
        bytes=len(processed.image),
        content_type=processed.content_type,
        stored_name=f"{name[:2]}/{name}.jpg",
        created_at=utcnow(),
        state=target.initial_state.value,
        moderated_by=None,
        moderated_at=None,
    )
    photo = Photo(**values)
    image, thumb = file_path(settings, photo), file_path(settings, photo, thumb=True)
    try:
        _write(image, processed.image)
        _write(thumb, processed.thumb)
        inserted = session.execute(
            _insert_statement(session.get_bind().dialect.name), values
        ).first()
    except BaseException:
        _remove(image, thumb)
        raise
    if inserted is None:
        # Another request stored this id a moment ago (the offline queue retried early).
        _remove(image, thumb)
        existing = find_photo(session, values["id"])
        if existing is None:  # pragma: no cover - the row that conflicted must exist
            raise Unavailable("The photo could not be stored; try again.")
        return Stored(
            _replay(existing, submission_id=submission_id, item_id=item_id), created=False
        )
    return Stored(photo, created=True)


def store_photo(
    session: Session,
    *,
    settings: Settings,
    target: UploadTarget,
    item_id: str,
    data: bytes,
    filename: str | None,
    photo_id: uuid.UUID | None = None,
) -> Photo:
    """Store one photo of one checklist item; the same ``photo_id`` again returns the stored one.

    Raises PhotoRejected (and Invalid/Conflict, see check_upload) before it writes anything,
    so a caller may catch it and go on with its transaction. ``filename`` is only quoted in
    messages. The image work (up to a second for a large photo) runs inside the caller's
    transaction; on SQLite, where a write transaction holds the one write lock, prefer
    ``process`` outside it and ``save_processed`` inside, as the API does.
    """
    existing = check_upload(
        session, settings=settings, target=target, item_id=item_id, photo_id=photo_id
    )
    if existing is not None:
        return existing
    processed = process(data, settings=settings, filename=filename)
    return save_processed(
        session,
        settings=settings,
        target=target,
        item_id=item_id,
        processed=processed,
        photo_id=photo_id,
    ).photo
