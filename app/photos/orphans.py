"""Finding and removing orphans: photo rows without a submission, files without a row.

The foreign key keeps new rows from losing their submission, but files are written before
their row (so a row always has its files): a transaction rolled back after the write, a crash
in between, rows deleted with their submission or by an older version leave files behind.
Files younger than ``min_age`` are never touched: an upload may be writing its row right now.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from app.photos.models import Photo
from app.photos.service import file_path, photos_dir, stored_path
from app.platform.config import Settings
from app.submissions.models import Submission

DEFAULT_MIN_AGE_S = 3600


@dataclass
class Orphans:
    rows: list[Photo] = field(default_factory=list)  # rows whose submission is gone
    files: list[Path] = field(default_factory=list)  # files under photos/ with no row


def _known_files(session: Session, settings: Settings) -> set[Path]:
    known: set[Path] = set()
    for stored_name in session.exec(select(Photo.stored_name)):
        # A name the server never makes has nothing on disk to protect.
        with contextlib.suppress(ValueError):
            known.add(stored_path(settings, stored_name))
            known.add(stored_path(settings, stored_name, thumb=True))
    return known


def find_orphans(
    session: Session, *, settings: Settings, min_age_s: float = DEFAULT_MIN_AGE_S
) -> Orphans:
    """Rows without a submission, and files older than ``min_age_s`` that no row names."""
    rows = list(
        session.exec(
            select(Photo)
            .where(~select(Submission.id).where(Submission.id == Photo.submission_id).exists())
            .order_by(col(Photo.created_at))
        )
    )
    root = photos_dir(settings)
    files: list[Path] = []
    if root.is_dir():
        known = _known_files(session, settings)
        cutoff = time.time() - min_age_s
        for path in sorted(root.rglob("*")):
            if path.is_file() and path not in known and path.stat().st_mtime <= cutoff:
                files.append(path)
    return Orphans(rows=rows, files=files)


def delete_rows(session: Session, *, settings: Settings, rows: list[Photo]) -> list[Path]:
    """Delete orphan rows; return their files, to remove once the caller has committed (a
    failed commit then leaves files without rows, never rows without files)."""
    files: list[Path] = []
    for photo in rows:
        with contextlib.suppress(ValueError):
            files += [file_path(settings, photo), file_path(settings, photo, thumb=True)]
        session.delete(photo)
    session.flush()
    return files


def remove_files(paths: list[Path]) -> int:
    """Remove files (already gone ones too); return how many were there."""
    removed = 0
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed
