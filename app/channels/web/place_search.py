"""The place search as the web channels show it: the API (/api/v1/places/search), the
residents' find page and the inspectors' map all ask ``search_places``.

The names are OpenStreetMap's as mapped (mostly Russian; 287 street ways carry the Kazakh
form), never translated: ``name_lang`` says which, so a page marks them with ``lang``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlmodel import Session, select

from app.districts.models import District
from app.geo import search as place_search
from app.platform.errors import Invalid
from app.platform.languages import Lang
from app.platform.limits import SINGLE_LINE_PATTERN, control_character
from app.platform.translations import gettext

QUERY_MIN_CHARS = 2
QUERY_MAX_CHARS = 100
LIMIT = 10
# What ``checked_query`` enforces, declared in the API's schema (its messages are localised,
# so FastAPI does not enforce it first).
QUERY_SCHEMA = {
    "minLength": QUERY_MIN_CHARS,
    "maxLength": QUERY_MAX_CHARS,
    "pattern": SINGLE_LINE_PATTERN,
}
_KAZAKH_ONLY = re.compile(r"[әөүұқғңіһӘӨҮҰҚҒҢІҺ]")


@dataclass(frozen=True, slots=True)
class PlaceResult:
    """A place found, with its kind and district in the reader's language."""

    name: str
    name_lang: str  # "ru" or "kk": the language of the name as mapped
    kind: str
    kind_label: str
    district_id: str
    district: str
    lat: float
    lon: float
    bbox: tuple[float, float, float, float] | None  # west, south, east, north

    @property
    def find_url(self) -> str:
        """The find page centred on this place (the no-JavaScript choice)."""
        query = {"lat": f"{self.lat:.6f}", "lon": f"{self.lon:.6f}", "place": self.name}
        return "/yard/find?" + urlencode(query)


def checked_query(q: str) -> str:
    """``q`` with its spaces collapsed; Invalid (422, in the reader's language) when ``q`` is
    shorter than 2 or longer than 100 characters or holds a control character, exactly as
    the API's schema declares (``QUERY_SCHEMA``)."""
    found = control_character(q)
    if found is not None:
        raise Invalid(
            gettext(
                "The search text contains a control character (%(char)s). "
                "Remove it and search again.",
                char=found,
            ),
            details=[{"field": "q", "message": "control character", "type": "control_character"}],
        )
    if len(q) < QUERY_MIN_CHARS:
        raise Invalid(
            gettext("Type at least two letters of a street, micro-district or stop name."),
            details=[{"field": "q", "message": "too short", "type": "string_too_short"}],
        )
    if len(q) > QUERY_MAX_CHARS:
        raise Invalid(
            gettext(
                "The search text is too long: at most %(max)s characters. "
                "Type only the name of the street or micro-district.",
                max=QUERY_MAX_CHARS,
            ),
            details=[{"field": "q", "message": "too long", "type": "string_too_long"}],
        )
    return " ".join(q.split())


def _kind_label(kind: str) -> str:
    labels = {
        "street": gettext("street"),
        "micro-district": gettext("micro-district"),
        "stop": gettext("public transport stop"),
    }
    return labels[kind]


def _district_names(session: Session, lang: Lang) -> dict[str, str]:
    rows = session.exec(select(District)).all()
    return {d.id: d.name(lang) for d in rows}


def search_places(session: Session, *, q: str, lang: Lang, limit: int = LIMIT) -> list[PlaceResult]:
    """Streets, micro-districts and stops whose name matches ``q`` (already checked), best
    first, at most ``limit``; [] when nothing matches."""
    found = place_search.load_place_search().search(q, limit=limit)
    if not found:
        return []
    districts = _district_names(session, lang)
    return [
        PlaceResult(
            name=place.name,
            name_lang="kk" if _KAZAKH_ONLY.search(place.name) else "ru",
            kind=place.kind,
            kind_label=_kind_label(place.kind),
            district_id=place.district_id,
            district=districts.get(place.district_id, place.district_id),
            lat=round(place.lat, 6),
            lon=round(place.lon, 6),
            bbox=tuple(round(v, 6) for v in place.bbox) if place.bbox else None,  # type: ignore[arg-type]
        )
        for place in found
    ]
