"""Yards and points as the pages describe them: public name, district name, micro-district.

A yard's ``address`` was typed by its first sender, who may be anonymous: a page shows it only
to staff (``typed_address``), labelled as such; everyone else sees the yard's public name
(``app.yards.naming``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import select as sa_select
from sqlmodel import Session

from app.districts import naming as area_naming
from app.districts.models import MicroDistrict
from app.districts.naming import district_names as district_names  # the pages import it here
from app.geo.locator import AreaIndex
from app.geo.names import osm_spans
from app.platform.db import table_of
from app.platform.errors import Unavailable
from app.platform.translations import current_lang, gettext
from app.submissions.models import Submission
from app.yards import naming
from app.yards.models import Yard

HISTORY_LIMIT = 50
_SUBMISSION = table_of(Submission)


@dataclass(frozen=True)
class Place:
    """A yard (``yard_id`` set) or a point a resident gave, with where it lies.

    ``address`` is the address the reader typed for a point (their own words); a yard never
    carries one. ``typed_address`` is a yard's address as its first sender typed it, filled
    for staff only.
    """

    lat: float
    lon: float
    district: str
    micro_district_id: str | None
    address: str | None = None
    accuracy_m: float | None = None
    yard_id: int | None = None
    checks: int = 0
    distance_m: float | None = None
    public_name: str | None = None
    typed_address: str | None = None
    # A yard's place from trusted data (app.yards.naming.yard_place) and its area's name.
    spot: naming.YardPlace | None = None
    area_name: str | None = None

    @property
    def near_html(self) -> Markup | None:
        """The place line with its OpenStreetMap name marked as Russian (as mapped)."""
        if self.spot is None or self.spot.near is None:
            return None
        text = escape(self.spot.near)
        if not self.spot.name:
            return text
        name = escape(self.spot.name)
        return Markup(text.replace(name, Markup('<span lang="ru">%s</span>') % name))

    @property
    def area_html(self) -> Markup | None:
        """The micro-district's name, its OpenStreetMap names (Russian as mapped) marked."""
        if not self.area_name:
            return None
        return Markup("").join(
            Markup('<span lang="ru">%s</span>') % text if osm else escape(text)
            for text, osm in osm_spans(self.area_name, district=self.district)
        )

    @property
    def title(self) -> str:
        if self.yard_id is not None:
            return naming.public_title(yard_id=self.yard_id, public_name=self.public_name)
        if self.address:
            return self.address
        return gettext("A new yard")


@dataclass(frozen=True)
class HistoryRow:
    received_at: datetime
    role: str
    risk_index: float | None
    band: str | None
    completeness: float


def area_name(session: Session, micro_district_id: str | None) -> str | None:
    """The micro-district's human name in the page's language (``area_naming.area_name``)."""
    if micro_district_id is None:
        return None
    micro = session.get(MicroDistrict, micro_district_id)
    return area_naming.area_name(micro, current_lang.get()) if micro is not None else None


def yard_place(
    yard: Yard,
    names: dict[str, str],
    *,
    distance_m: float | None = None,
    staff: bool = False,
    area: str | None = None,
) -> Place:
    """A yard as pages show it; ``staff``: with the address its first sender typed;
    ``area``: its micro-district's name."""
    assert yard.id is not None
    return Place(
        lat=yard.lat,
        lon=yard.lon,
        district=names.get(yard.district_id, yard.district_id),
        micro_district_id=yard.micro_district_id,
        yard_id=yard.id,
        checks=yard.submission_count,
        distance_m=distance_m,
        public_name=yard.public_name,
        typed_address=yard.address if staff else None,
        spot=naming.yard_place(lat=yard.lat, lon=yard.lon),
        area_name=area,
    )


def point_place(
    areas: AreaIndex | None,
    names: dict[str, str],
    *,
    lat: float,
    lon: float,
    accuracy_m: float | None = None,
    address: str | None = None,
) -> Place:
    """The district and micro-district of a point. Raises OutsideCity beyond the city, and
    Unavailable when no district boundaries are loaded."""
    if areas is None:
        raise Unavailable(
            gettext("The district boundaries are not loaded yet. Please try again later.")
        )
    placement = areas.locate(lat, lon)
    return Place(
        lat=lat,
        lon=lon,
        district=names.get(placement.district_id, placement.district_id),
        micro_district_id=placement.micro_district_id,
        address=address,
        accuracy_m=accuracy_m,
    )


def yard_history(session: Session, *, yard_id: int, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The yard's checks, newest first: when, by whom (role) and the score; nothing personal."""
    rows = session.execute(
        sa_select(
            _SUBMISSION.c.received_at,
            _SUBMISSION.c.role,
            _SUBMISSION.c.risk_index,
            _SUBMISSION.c.band,
            _SUBMISSION.c.completeness,
        )
        .where(_SUBMISSION.c.yard_id == yard_id)
        .order_by(_SUBMISSION.c.received_at.desc())
        .limit(limit)
    ).all()
    return [HistoryRow(*row) for row in rows]
