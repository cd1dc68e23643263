"""Photos sent with the no-JavaScript checklist form: how their refusals reach the result page.

The intake stores them (``app.intake.photos``) after the submission, one by one. A refused
photo never costs the submission: each refusal travels to the result page in the query string
(``?photo_refused=item:reason,...``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.intake.photos import NOT_SAVED, PhotoRefusal
from app.platform.config import Settings

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
REASONS = ("too_large", "not_an_image", "unsupported_type", "too_many_pixels", NOT_SAVED)


def max_bytes(settings: Settings) -> int:
    return int(getattr(settings, "photo_max_bytes", DEFAULT_MAX_BYTES))


def refusals_query(refused: Iterable[PhotoRefusal]) -> str:
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
