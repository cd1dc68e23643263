"""A submission's id is the phone's random version-4 UUID, and the key to its result.

Routes refuse any other id before looking it up (422 naming the parameter): a guessable id
(version 1's clock and MAC address, version 3/5's names) would be a weak key.
"""

from __future__ import annotations

import uuid

from app.errors import Invalid
from app.translations import gettext


def parse_submission_id(text: str, *, parameter: str = "submission_id") -> uuid.UUID:
    """The id in a page's path. Raises Invalid (422, in the reader's language) unless it is
    a version-4 UUID."""
    try:
        found = uuid.UUID(text)
    except ValueError:
        found = None
    if found is None or found.version != 4:
        raise Invalid(
            gettext(
                "This link is not valid: %(parameter)s must be a random (version 4) UUID, "
                "as the phone made it. Check the link, or check your yard again.",
                parameter=parameter,
            ),
            details=[{"field": parameter, "message": "not a version 4 UUID"}],
        )
    return found
