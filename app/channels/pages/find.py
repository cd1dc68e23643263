"""Finding the yard to check: yards near a point, and streets, micro-districts and stops by
name (the SafeYard place search) to centre the map and the nearby search on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from app.channels.pages import form_errors
from app.channels.pages.forms import FormError, WhereInput, parse_where
from app.channels.pages.places import Place, district_names, point_place, yard_place
from app.channels.web import place_search
from app.geo.locator import OutsideCity
from app.platform.errors import Invalid, Unavailable
from app.platform.languages import Lang
from app.platform.limits import control_character
from app.yards import service as yards_service

# Around a place found by name (a point on a street, not a yard), yards this far are listed.
PLACE_RADIUS_M = 300.0
NAMED_YARDS_LIMIT = 10


@dataclass(frozen=True)
class NearbySearch:
    """Yards near a point the device gave (or a tap on the map)."""

    lat: float
    lon: float
    accuracy_m: float | None
    radius_m: float
    point: Place | None  # None when the point is outside the city
    yards: list[Place] = field(default_factory=list)
    problems: list[FormError] = field(default_factory=list)
    # The place found by name the point stands for (a street's point is not a yard's).
    place_name: str | None = None

    @property
    def inaccurate(self) -> bool:
        return self.accuracy_m is not None and self.accuracy_m > self.radius_m

    @property
    def new_yard_url(self) -> str:
        query = {"lat": repr(self.lat), "lon": repr(self.lon)}
        if self.accuracy_m is not None:
            query["accuracy_m"] = repr(self.accuracy_m)
        return "/checklist?" + urlencode(query)


@dataclass(frozen=True)
class PlaceSearch:
    """Streets, micro-districts and stops found by name (app.geo.search), or the problem
    with the text typed."""

    text: str
    places: list[place_search.PlaceResult] = field(default_factory=list)
    problem: str | None = None
    # Yards whose public name (given by staff, never typed by a sender) holds the text.
    yards: list[Place] = field(default_factory=list)


def near(
    session: Session,
    *,
    areas: Any,
    radius_m: float,
    raw: WhereInput,
    lang: Lang,
    place_name: str = "",
) -> NearbySearch | list[FormError]:
    """The district of the point and the yards within ``radius_m`` (``PLACE_RADIUS_M`` around
    a place found by name, ``place_name``); problems with the point (unreadable coordinates)
    as a list of errors instead."""
    place = " ".join(place_name.split())[:100] if control_character(place_name) is None else ""
    if place:
        radius_m = max(radius_m, PLACE_RADIUS_M)
    _values, where, errors = parse_where(raw)
    if errors or where.lat is None or where.lon is None:
        return errors or [form_errors.no_place()]
    names = district_names(session, lang)
    try:
        point = point_place(areas, names, lat=where.lat, lon=where.lon, accuracy_m=where.accuracy_m)
    except OutsideCity as exc:
        return NearbySearch(
            where.lat,
            where.lon,
            where.accuracy_m,
            radius_m,
            point=None,
            problems=[form_errors.outside_city(exc, lang)],
            place_name=place or None,
        )
    except Unavailable as exc:
        return [FormError(exc.message)]
    nearby = yards_service.find_near(session, lat=where.lat, lon=where.lon, radius_m=radius_m)
    return NearbySearch(
        where.lat,
        where.lon,
        where.accuracy_m,
        radius_m,
        point=point,
        yards=[yard_place(n.yard, names, distance_m=n.distance_m) for n in nearby],
        place_name=place or None,
    )


def search_places(session: Session, *, text: str, lang: Lang) -> PlaceSearch:
    """Places whose name matches ``text``, and yards whose public name holds it; a problem
    with the text (too short, too long, a control character) as ``problem``, in the reader's
    language. Yards are never searched by the address their senders typed."""
    try:
        checked = place_search.checked_query(text)
    except Invalid as exc:
        return PlaceSearch(" ".join(text.split())[:100], problem=exc.message)
    names = district_names(session, lang)
    yards = yards_service.search_by_public_name(session, text=checked, limit=NAMED_YARDS_LIMIT)
    return PlaceSearch(
        checked,
        place_search.search_places(session, q=checked, lang=lang),
        yards=[yard_place(yard, names) for yard in yards],
    )
