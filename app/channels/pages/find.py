"""Finding the yard to check: yards near a point, or yards by part of their address."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from app.channels.pages import form_errors
from app.channels.pages.forms import FormError, WhereInput, parse_where
from app.channels.pages.places import Place, district_names, point_place, yard_place
from app.geo.locator import OutsideCity
from app.platform.errors import Unavailable
from app.platform.languages import Lang
from app.platform.translations import gettext
from app.yards import service as yards_service

SEARCH_LIMIT = 20
SEARCH_MIN_CHARS = 2


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
class AddressSearch:
    text: str
    yards: list[Place] = field(default_factory=list)
    problem: str | None = None


def near(
    session: Session, *, areas: Any, radius_m: float, raw: WhereInput, lang: Lang
) -> NearbySearch | list[FormError]:
    """The district of the point and the yards within ``radius_m``; problems with the point
    (unreadable coordinates) as a list of errors instead."""
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
    )


def by_address(session: Session, *, text: str, lang: Lang) -> AddressSearch:
    """Known yards whose public name or typed address contains ``text``, in any letter case,
    each shown by its public name (a typed address is matched, never shown)."""
    text = " ".join(text.split())
    if len(text) < SEARCH_MIN_CHARS:
        return AddressSearch(
            text, problem=gettext("Type at least two letters of the street or the house.")
        )
    names = district_names(session, lang)
    found = yards_service.search_by_address(session, text=text, limit=SEARCH_LIMIT)
    return AddressSearch(text, [yard_place(yard, names) for yard in found])
