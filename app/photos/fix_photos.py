"""After-photos of a reported fix: checked and re-encoded as residents' photos are (no EXIF,
no GPS, no metadata survives; ``processing``), stored under ``<data_dir>/fix-photos/`` with a
random name that is the only thing the finding keeps (``Finding.fix_photo``).

The name is a capability: pages never print it; the photo is served by the finding's id to
those who may see the finding.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from app.photos.processing import process_photo
from app.platform.config import Settings

FOLDER = "fix-photos"
_NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.jpg$")


def fix_photos_dir(settings: Settings) -> Path:
    """Where after-photos live: in the data directory, never in the web root."""
    return settings.data_dir / FOLDER


def fix_photo_path(settings: Settings, name: str) -> Path:
    """The file of a stored name; ValueError for a name the server never makes."""
    if not _NAME.match(name):
        raise ValueError(f"unexpected fix photo name {name[:80]!r}")
    return fix_photos_dir(settings) / name


def store_fix_photo(data: bytes, *, settings: Settings, filename: str | None) -> str:
    """Check, re-encode and write an after-photo; return its stored name.

    Raises PhotoRejected (too large, not a picture, another format, too many pixels) before
    anything is written. CPU-bound: call it outside a write transaction.
    """
    processed = process_photo(
        data,
        max_bytes=settings.photo_max_bytes,
        max_pixels=settings.photo_max_pixels,
        max_side=settings.photo_max_side_px,
        thumb_side=settings.photo_thumb_side_px,
        filename=filename,
    )
    name = f"{secrets.token_urlsafe(18)}.jpg"
    path = fix_photo_path(settings, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as file:
        file.write(processed.image)
        file.flush()
        # On disk before the finding that names it is committed.
        os.fsync(file.fileno())
    return name


def remove_fix_photo(settings: Settings, name: str) -> None:
    """Delete a stored after-photo (its fix was not recorded after all)."""
    fix_photo_path(settings, name).unlink(missing_ok=True)
