"""What a yard is called in public, and checking the name staff give it.

A yard's ``address`` is typed by its first sender, who may be anonymous, so no public surface
(pages, APIs, PDFs, exports, staff lists) shows it. Every surface names a yard through
``public_title`` / ``public_label``: the name staff set, else "Yard no. N" with its area's
human name (which ends with its district); ``yard_place`` adds where to find it from trusted
data only: the nearest named street (OpenStreetMap, ``app.geo.names``) with a rounded
distance, and map links.

Texts are in the language of the request (``app.platform.translations.current_lang``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from babel.numbers import format_decimal

from app.geo.names import DEFAULT_NAMES_DIR, PlaceNames, load_place_names
from app.platform.errors import Invalid
from app.platform.translations import current_lang, gettext

PUBLIC_NAME_MAX = 120
# Further than this from every named street and stop, "near" would mislead: no place line.
NEAR_MAX_M = 500.0
MAP_ZOOM = 18
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
    area_name: str | None = None,
) -> str:
    """The yard's full public name for a line of its own (API answers, lists): its title and
    where it lies, all from trusted data: its area's human name (``app.districts.naming``,
    which ends with the district) when given, else the district and the area's code."""
    parts = [public_title(yard_id=yard_id, public_name=public_name)]
    if area_name:
        parts.append(area_name)
        if district_name and not area_name.endswith(district_name):
            parts.append(district_name)
        return ", ".join(parts)
    if district_name:
        parts.append(district_name)
    if micro_district_id:
        parts.append(gettext("micro-district %(id)s", id=micro_district_id))
    return ", ".join(parts)


@dataclass(frozen=True)
class YardPlace:
    """Where a person finds a yard: ``near`` ("yard near ул. Толе би, ~40 m", in the current
    language; None far from every named street and stop) and links to open its stored,
    ~10 m rounded point in 2GIS and OpenStreetMap."""

    lat: float
    lon: float
    near: str | None
    # The OSM name inside ``near`` (Russian as mapped), for pages that mark its language.
    name: str | None = None

    @property
    def twogis_url(self) -> str:
        return f"https://2gis.kz/almaty?m={self.lon:.5f},{self.lat:.5f}%2F{MAP_ZOOM}"

    @property
    def osm_url(self) -> str:
        lat, lon = f"{self.lat:.5f}", f"{self.lon:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map={MAP_ZOOM}/{lat}/{lon}"


def yard_place(*, lat: float, lon: float, names: PlaceNames | None = None) -> YardPlace:
    """The place line and map links of a point (a yard's stored point). ``names`` defaults
    to the repository's OpenStreetMap names, read once per process."""
    names = names or load_place_names(DEFAULT_NAMES_DIR)
    found = names.nearest_name(lat, lon, NEAR_MAX_M)
    if found is None:
        return YardPlace(lat, lon, None)
    distance = _rounded_distance(found.distance_m)
    if found.kind == "street":
        near = gettext("yard near %(street)s, ~%(distance)s", street=found.label, distance=distance)
    else:
        near = gettext(
            "yard near the stop «%(stop)s», ~%(distance)s", stop=found.label, distance=distance
        )
    return YardPlace(lat, lon, near, found.label)


def _rounded_distance(metres: float) -> str:
    # The point itself is rounded to ~10 m, so finer figures would be false precision.
    value = max(10, int(round(metres / 10.0)) * 10)
    return gettext("%(value)s m", value=format_decimal(value, locale=current_lang.get())).replace(
        " ", "\u00a0"
    )


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
