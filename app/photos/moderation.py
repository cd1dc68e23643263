"""Moderating residents' photos: what waits for an inspector, and approving or rejecting it.

A photo is shown to others (the yard's report, anything given beyond its sender) only once it
is approved. Inspectors moderate the photos of yards in their scope, admins all of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.accounts.scope import Scope
from app.photos.models import Photo, PhotoState
from app.platform.db import utcnow
from app.platform.errors import Invalid, NotFound
from app.platform.translations import gettext
from app.submissions.models import Submission

PAGE_SIZE = 60
DECISIONS = {"approve": PhotoState.approved, "reject": PhotoState.rejected}


@dataclass(frozen=True)
class Waiting:
    """A pending photo with where it was taken."""

    photo: Photo
    yard_id: int
    district_id: str
    micro_district_id: str | None
    checklist_version: str
    received_at: datetime


def _in_scope(scope: Scope) -> Any:
    return scope.clause(
        district_column=col(Submission.district_id),
        micro_district_column=col(Submission.micro_district_id),
    )


def pending(session: Session, *, scope: Scope, limit: int = PAGE_SIZE) -> list[Waiting]:
    """Pending photos of yards in ``scope``, oldest first (they have waited longest)."""
    query = (
        select(Photo, Submission)
        .join(Submission, col(Submission.id) == col(Photo.submission_id))
        .where(Photo.state == PhotoState.pending.value, _in_scope(scope))
        .order_by(col(Photo.created_at), col(Photo.id))
        .limit(limit)
    )
    return [
        Waiting(
            photo=photo,
            yard_id=submission.yard_id,
            district_id=submission.district_id,
            micro_district_id=submission.micro_district_id,
            checklist_version=submission.checklist_version,
            received_at=submission.received_at,
        )
        for photo, submission in session.exec(query).all()
    ]


def decide(
    session: Session,
    *,
    scope: Scope,
    user: User,
    photo_id: uuid.UUID,
    decision: str,
) -> Photo:
    """Approve or reject (``decision``) a photo of a yard in ``scope``; NotFound for any other
    photo (an inspector learns nothing about photos outside their scope)."""
    state = DECISIONS.get(decision)
    if state is None:
        raise Invalid(gettext("Choose “Approve” or “Reject” for the photo."))
    found = session.exec(
        select(Photo)
        .join(Submission, col(Submission.id) == col(Photo.submission_id))
        .where(Photo.id == photo_id, _in_scope(scope))
    ).first()
    if found is None:
        raise NotFound(gettext("This photo is not among the photos you moderate."))
    found.state = state.value
    found.moderated_by = user.id
    found.moderated_at = utcnow()
    session.add(found)
    session.flush()
    return found


def public_states() -> Sequence[str]:
    """States a photo may be shown in to anyone but its sender and staff."""
    return (PhotoState.approved.value,)


def sender_states() -> Sequence[str]:
    """States shown to the photo's sender (theirs at once; a rejected one not in reports)."""
    return (PhotoState.pending.value, PhotoState.approved.value)
