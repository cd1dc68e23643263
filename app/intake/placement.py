"""Which yard a submission is about: the one it names, a nearby one, or a new one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.districts.models import District
from app.geo.distance import haversine_m
from app.geo.locator import AreaIndex, OutsideCity
from app.platform.config import Settings
from app.platform.errors import AppError, Invalid, Unavailable
from app.platform.translations import current_lang, gettext
from app.submissions.schemas import SubmissionCreate
from app.yards import service as yards_service
from app.yards.models import Yard

# A location this far from the yard it names is a mistake, not GPS noise.
YARD_LOCATION_TOLERANCE_M = 1000.0

YARD_POINT_DECIMALS = 4


@dataclass(frozen=True)
class Placed:
    yard: Yard
    created: bool  # a new yard, written in this transaction (it has no findings yet)


def place(
    session: Session,
    data: SubmissionCreate,
    *,
    areas: AreaIndex | None,
    settings: Settings,
    synthetic: bool,
) -> Yard:
    """The yard the submission is about: the one named, a nearby one, or a new one (written
    in the caller's transaction). Raises Invalid for a yard that does not exist, a location
    far from the named yard or outside the city; Unavailable with no boundaries loaded."""
    return placed(session, data, areas=areas, settings=settings, synthetic=synthetic).yard


def placed(
    session: Session,
    data: SubmissionCreate,
    *,
    areas: AreaIndex | None,
    settings: Settings,
    synthetic: bool,
) -> Placed:
    """``place``, and whether the yard was created for this submission."""
    if data.yard_id is not None:
        yard = session.get(Yard, data.yard_id)
        if yard is None:
            raise Invalid(
                f"Yard {data.yard_id} does not exist; choose a yard near you or send "
                "the location instead.",
                details=[{"field": "yard_id", "message": "no such yard"}],
            )
        if data.location is not None:
            off = haversine_m(yard.lat, yard.lon, data.location.lat, data.location.lon)
            if off > YARD_LOCATION_TOLERANCE_M:
                raise Invalid(
                    f"The location is {off:.0f} m from yard {yard.id}; check that you "
                    "chose the right yard.",
                    details=[{"field": "location", "message": "far from yard"}],
                )
        return Placed(yard, created=False)
    assert data.location is not None
    if areas is None:
        raise Unavailable(
            "No district boundaries are loaded yet; an administrator must run "
            "'safeyard import-districts' (or 'safeyard demo')."
        )
    lat, lon = data.location.lat, data.location.lon
    try:
        placement = areas.locate(lat, lon)
    except OutsideCity as exc:
        raise Invalid(
            str(exc), details=[{"field": "location", "message": "outside Almaty"}]
        ) from exc
    # The placement lock first (PostgreSQL): two submissions for one new place make one yard.
    nearby = yards_service.lock_and_find_near(
        session, lat=lat, lon=lon, radius_m=settings.yard_match_radius_m
    )
    if nearby:
        return Placed(nearby[0].yard, created=False)
    # The yard is public, its first reporter is not: its point is the resident's fix rounded
    # to ~10 m (4 decimals), so the yard does not publish where someone stood, to the metre.
    yard = yards_service.create_yard(
        session,
        lat=round(lat, YARD_POINT_DECIMALS),
        lon=round(lon, YARD_POINT_DECIMALS),
        district_id=placement.district_id,
        micro_district_id=placement.micro_district_id,
        address=data.address,
        synthetic=synthetic,
    )
    return Placed(yard, created=True)


class OutsideAuditScope(AppError):
    """403: an inspector's audit of a yard outside the areas they inspect."""

    status_code = 403
    code = "outside_audit_scope"

    def __init__(self, session: Session, *, yard: Yard) -> None:
        district = session.get(District, yard.district_id)
        place = district.name(current_lang.get()) if district else yard.district_id
        super().__init__(
            gettext(
                "This yard is in %(district)s, outside the areas you inspect, so it cannot be "
                "recorded as your audit. Ask an admin to add the area to your account, or sign "
                "out and send the checklist as a resident.",
                district=place,
            )
        )
