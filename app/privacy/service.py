"""Deletion on request: a submission's free text and photos go, its answers and score stay.

Services never commit. Files are removed only after the caller's commit (``remove_files``):
a rolled-back redaction must not have deleted photos its rows still point at.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, delete, select

# Not used by name: a flush sorts by the foreign-key graph, so every table these rows point
# at (users, checklist versions, districts) must be on the metadata.
import app.accounts.models  # noqa: F401
import app.checklists.models  # noqa: F401
import app.districts.models  # noqa: F401
from app.photos import service as photos_service
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import utcnow
from app.platform.errors import Invalid, NotFound
from app.submissions.models import Submission, SubmissionRedaction
from app.yards.models import Yard

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class NoReference(Invalid):
    """The pasted text holds no submission id."""


class NoSubmission(NotFound):
    """No submission has this id."""


@dataclass(frozen=True)
class RedactionPlan:
    """What a redaction of one submission removes, shown before it is confirmed."""

    submission_id: uuid.UUID
    received_at: datetime
    role: str
    yard_id: int
    risk_index: float | None
    answers: int
    comment: str | None
    item_comments: dict[str, str]
    photos: list[Photo] = field(default_factory=list)
    redacted_at: datetime | None = None  # when it was redacted before
    # The yard's address as this submission's sender typed it (they were the yard's first).
    typed_address: str | None = None

    @property
    def texts(self) -> int:
        """The comment, the item comments and the typed address that would be removed."""
        return (
            (1 if self.comment else 0) + len(self.item_comments) + (1 if self.typed_address else 0)
        )

    @property
    def nothing_to_remove(self) -> bool:
        return not self.texts and not self.photos


@dataclass(frozen=True)
class Redacted:
    plan: RedactionPlan
    files: list[Path]  # to remove once the transaction is committed


def parse_reference(text: str) -> uuid.UUID:
    """The submission id in a result link (``…/result/<id>``, ``…/report.pdf``) or the id
    itself; raises NoReference (422) when the text holds none."""
    found = _UUID.search(text or "")
    if found is None:
        raise NoReference("No submission id in the text: paste the result link or its id.")
    return uuid.UUID(found.group(0))


def plan_redaction(session: Session, *, submission_id: uuid.UUID) -> RedactionPlan:
    """What redacting ``submission_id`` would remove; raises NoSubmission for an unknown id."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NoSubmission(f"There is no submission {submission_id}.")
    photos = list(
        session.exec(
            select(Photo)
            .where(Photo.submission_id == submission_id)
            .order_by(col(Photo.created_at), col(Photo.id))
        ).all()
    )
    previous = session.get(SubmissionRedaction, submission_id)
    yard = session.get(Yard, submission.yard_id)
    return RedactionPlan(
        submission_id=submission_id,
        received_at=submission.received_at,
        role=submission.role,
        yard_id=submission.yard_id,
        risk_index=submission.risk_index,
        answers=len(submission.answers),
        comment=submission.comment,
        item_comments={str(k): str(v) for k, v in (submission.item_comments or {}).items()},
        photos=photos,
        redacted_at=previous.redacted_at if previous else None,
        typed_address=(
            yard.address
            if yard is not None and yard.address and _first_of_yard(session, submission)
            else None
        ),
    )


def _first_of_yard(session: Session, submission: Submission) -> bool:
    """Was this the yard's first submission (whose sender's typed address the yard keeps)?"""
    first = session.exec(
        select(Submission.id)
        .where(Submission.yard_id == submission.yard_id)
        .order_by(col(Submission.received_at), col(Submission.id))
        .limit(1)
    ).first()
    return first == submission.id


def redact(
    session: Session, *, submission_id: uuid.UUID, settings: Settings, by_user_id: int | None
) -> Redacted:
    """Remove the submission's comment, item comments and photo rows; keep its answers and
    score; mark it redacted. Returns the photo files to remove after the commit."""
    plan = plan_redaction(session, submission_id=submission_id)
    submission = session.get(Submission, submission_id)
    assert submission is not None
    submission.comment = None
    submission.item_comments = {}
    session.add(submission)
    if plan.typed_address:
        yard = session.get(Yard, submission.yard_id)
        assert yard is not None
        yard.address = None
        session.add(yard)
    files = photo_files(settings, plan.photos)
    if plan.photos:
        session.exec(delete(Photo).where(col(Photo.submission_id) == submission_id))
    mark = session.get(SubmissionRedaction, submission_id)
    if mark is None:
        mark = SubmissionRedaction(
            submission_id=submission_id, texts_removed=0, photos_removed=0, redacted_by=by_user_id
        )
    # A second redaction (photos uploaded since) adds to the first.
    mark.texts_removed += plan.texts
    mark.photos_removed += len(plan.photos)
    mark.redacted_at = utcnow()
    mark.redacted_by = by_user_id
    session.add(mark)
    session.flush()
    return Redacted(plan, files)


def is_redacted(session: Session, *, submission_id: uuid.UUID) -> bool:
    """True once a submission's personal data was removed on request: photo uploads to it
    should be refused from then on."""
    return session.get(SubmissionRedaction, submission_id) is not None


def photo_files(settings: Settings, photos: list[Photo]) -> list[Path]:
    """Each photo's JPEG and thumbnail."""
    files: list[Path] = []
    for photo in photos:
        files.append(photos_service.file_path(settings, photo))
        files.append(photos_service.file_path(settings, photo, thumb=True))
    return files


def remove_files(files: list[Path], *, settings: Settings) -> int:
    """Delete the files (after the commit), and every cached PDF report, which may show the
    removed text or photos. Returns the number of photo files that were there."""
    removed = 0
    for path in files:
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    clear_report_cache(settings)
    return removed


def clear_report_cache(settings: Settings) -> None:
    """The report cache is keyed by content, so an old PDF would never be served again, but
    its file would keep the removed data on disk until evicted: remove them all now."""
    folder = settings.data_dir / "reports"
    if folder.is_dir():
        for pdf in folder.glob("*.pdf"):
            pdf.unlink(missing_ok=True)
