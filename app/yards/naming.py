"""What a yard is called in public, and checking the name staff give it.

A yard's ``address`` is typed by its first sender, who may be anonymous, so no public surface
(pages, APIs, PDFs, exports, staff lists) shows it. Every surface names a yard through
``public_title`` / ``public_label``: the name staff set, else "Yard no. N" with its district
and micro-district. A later source of trusted names (street names from OpenStreetMap) belongs
here, and every surface follows.

Texts are in the language of the request (``app.platform.translations.current_lang``).
"""

from __future__ import annotations

import unicodedata

from app.platform.errors import Invalid
from app.platform.translations import gettext

PUBLIC_NAME_MAX = 120
# Embeddings, overrides and isolates: they reorder the text around them.
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unprintable(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") or char in _DIRECTION_CONTROLS


def public_title(*, yard_id: int, public_name: str | None) -> str:
    """The yard's short public name: the one staff set, else "Yard no. N"."""
    if public_name:
        return public_name
    return gettext("Yard no. %(id)s", id=yard_id)


def public_label(
    *,
    yard_id: int,
    public_name: str | None,
    district_name: str | None,
    micro_district_id: str | None,
) -> str:
    """The yard's full public name for a line of its own (API answers, lists): its title,
    district and micro-district, all from trusted data."""
    parts = [public_title(yard_id=yard_id, public_name=public_name)]
    if district_name:
        parts.append(district_name)
    if micro_district_id:
        parts.append(gettext("micro-district %(id)s", id=micro_district_id))
    return ", ".join(parts)


def clean_public_name(text: str) -> str:
    """The name staff typed, whitespace runs made one.

    Raises Invalid (422) for an empty name, a name that is too long, or one holding control
    characters (a NUL, a tab, a line break), lone surrogates, or direction overrides (which
    would show the name reversed on every page). Joiners, which phones type in ordinary text,
    are allowed.
    """
    if any(_unprintable(char) for char in text):
        raise Invalid(
            gettext("The name may not contain control characters or line breaks."),
            details=[{"field": "public_name", "message": "control characters"}],
        )
    name = " ".join(text.split())
    if len(name) > PUBLIC_NAME_MAX:
        raise Invalid(
            gettext("The name is too long: at most %(max)s characters.", max=PUBLIC_NAME_MAX),
            details=[{"field": "public_name", "message": "too long"}],
        )
    if not name:
        raise Invalid(
            gettext("Type the yard's name, e.g. the street and house numbers around it."),
            details=[{"field": "public_name", "message": "empty"}],
        )
    return name
