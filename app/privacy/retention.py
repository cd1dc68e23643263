"""Retention: what ``safeyard purge`` removes once it is older than its period.

Photos (rows and files) after ``retention_photos_days``; the free text of submissions
(``comment`` and ``item_comments``) after ``retention_comments_days``, keeping answers and
scores; failed-login records after ``retention_login_attempts_hours``. Never commits; photo
files go after the caller's commit (``service.remove_files``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, func, or_, select, update

from app.accounts.models import LoginAttempt
from app.photos.models import Photo
from app.platform.config import Settings
from app.privacy import service as privacy_service
from app.submissions.models import Submission
from app.yards.models import Yard

_CHUNK = 500  # ids per IN (...), well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Cutoffs:
    photos: datetime
    comments: datetime
    login_attempts: datetime

    @classmethod
    def of(cls, settings: Settings, *, now: datetime) -> Cutoffs:
        attempt_minutes = max(
            settings.retention_login_attempts_hours * 60, settings.login_lockout_minutes
        )
        return cls(
            photos=now - timedelta(days=settings.retention_photos_days),
            comments=now - timedelta(days=settings.retention_comments_days),
            login_attempts=now - timedelta(minutes=attempt_minutes),
        )


@dataclass(frozen=True)
class PurgeReport:
    cutoffs: Cutoffs
    dry_run: bool
    photos: int  # photo rows (each with a JPEG and a thumbnail)
    submissions_with_text: int  # submissions whose comments were (or would be) erased
    texts: int  # the comments and item comments among them
    addresses: int  # yards' addresses as their first senders typed them
    login_attempts: int
    files: list[Path] = field(default_factory=list)  # photo files to remove after the commit


def purge(session: Session, *, settings: Settings, now: datetime, dry_run: bool) -> PurgeReport:
    """Remove (or, with ``dry_run``, only count) what is past its retention period."""
    cutoffs = Cutoffs.of(settings, now=now)
    old_photos = list(session.exec(select(Photo).where(col(Photo.created_at) < cutoffs.photos)))
    with_text = _submissions_with_text(session, before=cutoffs.comments)
    texts = sum((1 if comment else 0) + len(items or {}) for _, comment, items in with_text)
    # A yard's typed address is its first sender's free text: it goes with the comments.
    old_addresses = (
        col(Yard.address).is_not(None),
        col(Yard.created_at) < cutoffs.comments,
    )
    addresses = session.exec(select(func.count()).select_from(Yard).where(*old_addresses)).one()
    attempts = session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(col(LoginAttempt.at) < cutoffs.login_attempts)
    ).one()
    files = privacy_service.photo_files(settings, old_photos)
    if not dry_run:
        ids = [photo.id for photo in old_photos]
        for chunk in _chunks(ids):
            session.exec(delete(Photo).where(col(Photo.id).in_(chunk)))
        for chunk in _chunks([sid for sid, _, _ in with_text]):
            session.exec(
                update(Submission)
                .where(col(Submission.id).in_(chunk))
                .values(comment=None, item_comments={})
            )
        session.exec(update(Yard).where(*old_addresses).values(address=None))
        session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < cutoffs.login_attempts))
        session.flush()
    return PurgeReport(
        cutoffs=cutoffs,
        dry_run=dry_run,
        photos=len(old_photos),
        submissions_with_text=len(with_text),
        texts=texts,
        addresses=int(addresses),
        login_attempts=int(attempts),
        files=[] if dry_run else files,
    )


def _submissions_with_text(
    session: Session, *, before: datetime
) -> list[tuple[uuid.UUID, str | None, Mapping[str, Any] | None]]:
    """Submissions received before ``before`` that still hold a comment or item comments."""
    rows = session.exec(
        select(Submission.id, Submission.comment, Submission.item_comments).where(
            col(Submission.received_at) < before,
            # Already-purged rows are skipped in SQL; the empty-JSON test is checked again
            # below, as JSON text and JSONB compare differently.
            or_(col(Submission.comment).is_not(None), col(Submission.item_comments) != {}),
        )
    ).all()
    return [(sid, comment, items) for sid, comment, items in rows if comment or items]


def _chunks(ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
