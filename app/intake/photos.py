"""Photos sent together with a checklist (the no-JavaScript form): the intake's last step.

They are stored after the checklist's commit, one by one, under the same rules as the API's
uploads (the upload token, minted here in-process for the channel that just stored the
submission; the window; the submission's items; the cap). A refused photo never costs the
submission: each refusal is returned for the channel to report.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from sqlalchemy.exc import SQLAlchemyError

from app.checklists.loader import ChecklistRegistry
from app.photos import service as photos_service
from app.photos import uploads
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.errors import AppError

log = logging.getLogger("safeyard")

NOT_SAVED = "not_saved"  # refused for another reason (storage failed, too many photos...)


class PhotoFile(Protocol):
    """A file sent with the checklist (Starlette's UploadFile is one)."""

    filename: str | None
    file: BinaryIO


@dataclass(frozen=True)
class PhotoRefusal:
    item_id: str
    reason: str  # photos_service.PhotoRejected's reason, "too_large" or NOT_SAVED


def receive_photos(
    db: Database,
    *,
    settings: Settings,
    registry: ChecklistRegistry,
    secret: str,
    submission_id: uuid.UUID,
    checklist_version: str,
    photos: Mapping[str, PhotoFile],
) -> list[PhotoRefusal]:
    """Store each non-empty photo of a stored submission; return the ones refused. Photos
    for no question of the submission's checklist are ignored."""
    loaded = registry.get(checklist_version)
    items = loaded.items_by_id if loaded is not None else {}
    token = uploads.upload_token(secret, submission_id)
    cap = settings.photo_max_bytes
    refused = []
    for item_id, upload in photos.items():
        if item_id not in items:
            continue
        # One byte past the cap tells it is too large; never more in memory.
        data = upload.file.read(cap + 1)
        if not data:
            continue
        if len(data) > cap:
            refused.append(PhotoRefusal(item_id, "too_large"))
            continue
        try:
            # The image work runs outside the write transaction (on SQLite it holds the lock).
            processed = photos_service.process(data, settings=settings, filename=upload.filename)
            with db.write_session() as session:
                target = uploads.authorize(
                    session,
                    secret=secret,
                    registry=registry,
                    submission_id=submission_id,
                    token=token,
                    lock=True,
                )
                photos_service.save_processed(
                    session,
                    settings=settings,
                    target=target,
                    item_id=item_id,
                    processed=processed,
                )
        except photos_service.PhotoRejected as exc:
            refused.append(PhotoRefusal(item_id, exc.reason))
        except AppError as exc:
            # Refused by a rule (the cap, the window): reported, nothing to investigate.
            log.info("photo for %s refused: %s", item_id, exc.code)  # no id: it is a capability
            refused.append(PhotoRefusal(item_id, NOT_SAVED))
        except (OSError, SQLAlchemyError):
            # The answers are stored already; a photo that fails is reported, not fatal.
            log.exception("photo for %s not stored", item_id)
            refused.append(PhotoRefusal(item_id, NOT_SAVED))
    return refused
