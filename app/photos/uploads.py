"""Who may attach a photo to a submission: the holder of its upload token, for a while.

The token is an HMAC of the submission id under the server's secret key, handed out with every
2xx answer to the submission's POST (the 201 and any replay), so nothing new is stored and a
lost answer loses nothing: sending the same checklist again gives the same token. Uploads are
accepted within ``SAFEYARD_PHOTO_UPLOAD_WINDOW_H`` hours of storing the checklist, for items
of its checklist version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.checklists.loader import ChecklistRegistry
from app.photos.models import PhotoState
from app.platform.config import Settings
from app.platform.db import utcnow
from app.platform.errors import AppError, Invalid, NotFound
from app.submissions.models import Submission, SubmissionRedaction

TOKEN_HEADER = "X-Upload-Token"
_PURPOSE = b"photo-upload:"
# Roles whose photos are public at once: an inspector's own audit needs no second inspector.
_STAFF_ROLES = frozenset({"inspector"})


class UploadTokenMissing(AppError):
    status_code = 401
    code = "upload_token_missing"


class UploadForbidden(AppError):
    status_code = 403
    code = "upload_forbidden"


class UploadTokenInvalid(UploadForbidden):
    code = "upload_token_invalid"


class UploadWindowClosed(UploadForbidden):
    code = "upload_window_closed"


@dataclass(frozen=True)
class UploadTarget:
    """A stored submission that photos may be attached to, as the checks need it."""

    submission_id: uuid.UUID
    received_at: datetime
    role: str
    item_ids: frozenset[str]
    redacted: bool = False  # its free text and photos were removed on request

    @property
    def initial_state(self) -> PhotoState:
        return PhotoState.approved if self.role in _STAFF_ROLES else PhotoState.pending


def upload_token(secret: str, submission_id: uuid.UUID) -> str:
    """The capability to attach photos to one submission (URL-safe, 43 characters)."""
    digest = hmac.new(secret.encode(), _PURPOSE + submission_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def check_token(secret: str, submission_id: uuid.UUID, token: str | None) -> None:
    """Raise 401 without a token, 403 with one that is not this submission's."""
    if not token:
        raise UploadTokenMissing(
            f"Send the {TOKEN_HEADER} header: the photo_upload_token from the answer to the "
            "submission's POST. Sending the same submission again returns it."
        )
    if not hmac.compare_digest(upload_token(secret, submission_id).encode(), token.encode()):
        raise UploadTokenInvalid(
            f"This {TOKEN_HEADER} does not allow photos for submission {submission_id}; only "
            "the phone that sent the submission may add photos to it. Send the submission "
            "again to get its token."
        )


def load_target(
    session: Session, *, submission_id: uuid.UUID, registry: ChecklistRegistry, lock: bool = False
) -> UploadTarget:
    """The submission photos go to; NotFound if it is not stored. ``lock`` holds its row
    (PostgreSQL) so concurrent uploads count the per-submission cap one after another."""
    query = select(Submission).where(Submission.id == submission_id)
    if lock:
        query = query.with_for_update()
    submission = session.exec(query).first()
    if submission is None:
        raise NotFound(
            f"There is no submission {submission_id}: send the checklist first, then its photos."
        )
    loaded = registry.get(submission.checklist_version)
    items: Mapping[str, object] = loaded.items_by_id if loaded is not None else {}
    return UploadTarget(
        submission_id=submission.id,
        received_at=submission.received_at,
        role=submission.role,
        item_ids=frozenset(items),
        redacted=session.get(SubmissionRedaction, submission.id) is not None,
    )


def authorize(
    session: Session,
    *,
    secret: str,
    registry: ChecklistRegistry,
    submission_id: uuid.UUID,
    token: str | None,
    lock: bool = False,
) -> UploadTarget:
    """The submission an upload may go to: 401 without a token, 403 with another's, 404
    when the submission is not stored (never sent, or deleted on request)."""
    check_token(secret, submission_id, token)
    return load_target(session, submission_id=submission_id, registry=registry, lock=lock)


def check_window(settings: Settings, target: UploadTarget, *, now: datetime | None = None) -> None:
    """Raise 403 once the upload window after storing the checklist has closed, or once the
    submission's photos were deleted at the resident's request (they must not come back)."""
    if target.redacted:
        raise UploadWindowClosed(
            f"The photos and comments of submission {target.submission_id} were deleted on "
            "request, so no photo can be added to it. Fill the checklist again to send new photos."
        )
    hours = settings.photo_upload_window_h
    if (now or utcnow()) > target.received_at + timedelta(hours=hours):
        raise UploadWindowClosed(
            f"Photos can be added only within {hours:g} hours of sending the checklist, and "
            f"submission {target.submission_id} was sent earlier. Fill the checklist again to "
            "send new photos."
        )


def check_item(target: UploadTarget, item_id: str) -> None:
    """Raise 422 for an item the submission's checklist does not have."""
    if item_id not in target.item_ids:
        raise Invalid(
            f"The checklist of submission {target.submission_id} has no item {item_id!r}; "
            "send the photo with the id of one of its questions.",
            details=[{"field": "item_id", "message": "not an item of this checklist"}],
        )
