"""Yard look-ups: one yard with its current risk and history, and yards near a point."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlmodel import col, select

from app.db import MAX_ROW_ID, SessionDep
from app.districts.models import District
from app.errors import Invalid, NotFound
from app.i18n import LangDep
from app.submissions.models import Submission
from app.yards import service
from app.yards.models import Yard
from app.yards.risk import current_risk
from app.yards.schemas import HistoryEntry, NearbyYardOut, YardDetail

router = APIRouter(prefix="/api/v1/yards", tags=["yards"])
HISTORY_LIMIT = 100


def get_yard_or_404(
    yard_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)], session: SessionDep
) -> Yard:
    yard = session.get(Yard, yard_id)
    if yard is None:
        raise NotFound(f"No yard {yard_id}.")
    return yard


YardDep = Annotated[Yard, Depends(get_yard_or_404)]


def parse_point(near: str) -> tuple[float, float]:
    try:
        lat_text, lon_text = near.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError as exc:
        raise Invalid(
            "near must be 'lat,lon' in degrees, e.g. near=43.238,76.945",
            details=[{"field": "near", "message": "not lat,lon"}],
        ) from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(
            "near is out of range: lat -90..90, lon -180..180",
            details=[{"field": "near", "message": "out of range"}],
        )
    return lat, lon


@router.get("", response_model=list[NearbyYardOut])
def yards_near(
    request: Request,
    session: SessionDep,
    near: Annotated[str, Query(description="lat,lon of the resident", examples=["43.238,76.945"])],
) -> list[NearbyYardOut]:
    """Yards within the look-up radius (50 m by default), nearest first, so a resident picks
    the existing yard instead of creating a duplicate."""
    lat, lon = parse_point(near)
    radius = request.app.state.settings.yard_near_radius_m
    return [
        NearbyYardOut(**n.yard.model_dump(), distance_m=round(n.distance_m, 1))
        for n in service.find_near(session, lat=lat, lon=lon, radius_m=radius)
    ]


@router.get("/{yard_id}", response_model=YardDetail, responses={404: {"description": "No yard."}})
def read_yard(yard: YardDep, request: Request, session: SessionDep, lang: LangDep) -> YardDetail:
    """A yard: where it is, its current risk and the history of its submissions."""
    state = request.app.state
    assert yard.id is not None
    district = session.get(District, yard.district_id)
    history = session.exec(
        select(Submission)
        .where(Submission.yard_id == yard.id)
        .order_by(col(Submission.received_at).desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return YardDetail(
        **yard.model_dump(),
        district_name=district.name(lang) if district else yard.district_id,
        current=current_risk(
            session,
            yard_id=yard.id,
            registry=state.checklists,
            window_days=state.settings.current_risk_window_days,
            lang=lang,
        ),
        history=[HistoryEntry.model_validate(s, from_attributes=True) for s in history],
    )
