"""Photos sent with the no-JavaScript checklist form: stored after the submission, one by one.

A refused photo never costs the submission: it is stored first, and each photo's refusal
travels to the result page in the query string (``?photo_refused=item:reason,...``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from app.checklists.loader import ChecklistRegistry
from app.photos import service as photos_service
from app.photos import uploads
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.errors import AppError

log = logging.getLogger("safeyard")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
NOT_SAVED = "not_saved"  # refused for another reason (storage failed, too many photos...)
REASONS = ("too_large", "not_an_image", "unsupported_type", "too_many_pixels", NOT_SAVED)


@dataclass(frozen=True)
class PhotoRefusal:
    item_id: str
    reason: str


def max_bytes(settings: Settings) -> int:
    return int(getattr(settings, "photo_max_bytes", DEFAULT_MAX_BYTES))


def store_photos(
    db: Database,
    *,
    settings: Settings,
    registry: ChecklistRegistry,
    secret: str,
    submission_id: uuid.UUID,
    photos: Mapping[str, UploadFile],
) -> list[PhotoRefusal]:
    """Store each non-empty photo of a stored submission; return the ones refused.

    The same rules as the API's uploads: the token (minted here, in-process, for the form that
    just stored the submission), the window, the submission's items and the cap."""
    token = uploads.upload_token(secret, submission_id)
    cap = max_bytes(settings)
    refused = []
    for item_id, upload in photos.items():
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


def refusals_query(refused: list[PhotoRefusal]) -> str:
    """``item:reason,item:reason`` for the result page's ``photo_refused`` parameter."""
    return ",".join(f"{r.item_id}:{r.reason}" for r in refused)


def parse_refusals(text: str, known_items: Mapping[str, object]) -> list[PhotoRefusal]:
    """The refusals named in ``photo_refused``; unknown items or reasons are ignored."""
    found = []
    for part in text.split(",")[:100]:
        item_id, _, reason = part.strip().partition(":")
        if item_id in known_items and reason in REASONS:
            found.append(PhotoRefusal(item_id, reason))
    return found
