"""Where the yard is: the web find page's nearby search (``app.channels.pages.find.near``:
the same radius, ``SAFEYARD_YARD_NEAR_RADIUS_M``, and the same city limits) as a keyboard."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from app.channels.pages import find
from app.channels.pages.forms import WhereInput
from app.channels.pages.places import Place
from app.channels.telegram.texts import Markup, _, button, inline, location_keyboard
from app.context import AppContext
from app.districts.models import District
from app.platform.languages import Lang
from app.yards import naming
from app.yards.models import Yard

MAX_YARDS = 6

location_keyboard_of = location_keyboard


@dataclass(frozen=True)
class Nearby:
    yards: list[Place] = field(default_factory=list)
    district: str | None = None
    problem: str | None = None  # outside the city, unreadable, no boundaries loaded


def nearby(
    session: Session,
    *,
    app: AppContext,
    lat: float,
    lon: float,
    accuracy_m: float | None,
    lang: Lang,
) -> Nearby:
    """The known yards near the point, nearest first, or the problem with the point."""
    raw = WhereInput(
        lat=repr(lat), lon=repr(lon), accuracy_m=repr(accuracy_m) if accuracy_m else ""
    )
    found = find.near(
        session,
        areas=app.areas,
        radius_m=app.settings.yard_near_radius_m,
        raw=raw,
        lang=lang,
    )
    if isinstance(found, list):
        return Nearby(problem=" ".join(error.message for error in found))
    if found.point is None:
        return Nearby(
            problem=_(
                "This place is outside Almaty: SafeYard checks yards in the city only. Send "
                "your location from the yard itself.",
            )
        )
    return Nearby(yards=found.yards[:MAX_YARDS], district=found.point.district)


def yard_choice(found: Nearby, lang: Lang) -> tuple[str, Markup]:
    rows = []
    for place in found.yards:
        assert place.yard_id is not None
        title = naming.public_title(yard_id=place.yard_id, public_name=place.public_name)
        distance = round(place.distance_m or 0)
        rows.append(
            [
                button(
                    _("%(yard)s · %(metres)s m", yard=title, metres=distance),
                    f"y:{place.yard_id}",
                )
            ]
        )
    rows.append([button(_("➕ A yard not in the list: here"), "y:new")])
    if found.yards:
        text = _(
            "Yards known near you (%(district)s). Which one are you in?",
            district=found.district or "",
        )
    else:
        text = _(
            "No yard is known here yet (%(district)s): yours will be the first.",
            district=found.district or "",
        )
    return text, inline(rows)


def yard_intro(session: Session, yard: Yard, lang: Lang) -> str:
    district = session.get(District, yard.district_id)
    assert yard.id is not None
    title = naming.public_label(
        yard_id=yard.id,
        public_name=yard.public_name,
        district_name=district.name(lang) if district is not None else None,
        micro_district_id=yard.micro_district_id,
    )
    return _("Checklist for: %(yard)s", yard=title)
