"""A submission's id is the phone's random version-4 UUID, and the key to its result.

Routes refuse any other id before looking it up (422 naming the parameter): a guessable id
(version 1's clock and MAC address, version 3/5's names) would be a weak key.
"""

from __future__ import annotations

import uuid

from app.platform.errors import Invalid
from app.platform.translations import gettext


def parse_submission_id(text: str, *, parameter: str = "submission_id") -> uuid.UUID:
    """The id in a page's path. Raises Invalid (422: a sentence a resident can act on, in the
    reader's language, with ``parameter`` named in its details) unless it is a version-4 UUID."""
    try:
        found = uuid.UUID(text)
    except ValueError:
        found = None
    if found is None or found.version != 4:
        raise Invalid(
            gettext(
                "This link is broken: the result's key at its end is incomplete or changed. "
                "Copy the whole link again, or check your yard again."
            ),
            details=[{"field": parameter, "message": "not a version 4 UUID"}],
        )
    return found
