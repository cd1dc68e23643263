"""Yard look-ups: one yard with its current risk and history, and yards near a point."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlmodel import Session, col, select

from app.areas.trend import ALMATY
from app.channels.web.context import ContextDep
from app.districts import naming as area_naming
from app.districts.models import District, MicroDistrict
from app.findings import public as public_findings
from app.platform.db import MAX_ROW_ID, SessionDep
from app.platform.errors import Invalid, NotFound
from app.platform.i18n import LangDep
from app.platform.languages import Lang
from app.platform.security.openapi import NEAR_PATTERN
from app.submissions.models import Submission
from app.yards import naming, service
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
    context: ContextDep,
    request: Request,
    session: SessionDep,
    lang: LangDep,
    near: Annotated[
        str,
        Query(
            description="lat,lon of the resident, in degrees",
            examples=["43.238,76.945"],
            pattern=NEAR_PATTERN,
        ),
    ],
) -> list[NearbyYardOut]:
    """Yards within the look-up radius (50 m by default), nearest first, so a resident picks
    the existing yard instead of creating a duplicate."""
    lat, lon = parse_point(near)
    radius = context.settings.yard_near_radius_m
    nearby = service.find_near(session, lat=lat, lon=lon, radius_m=radius)
    names = _district_names(session, [n.yard.district_id for n in nearby], lang)
    areas = _area_names(session, [n.yard.micro_district_id for n in nearby], lang)
    return [
        NearbyYardOut(**_summary(n.yard, names, areas), distance_m=round(n.distance_m, 1))
        for n in nearby
    ]


@router.get("/{yard_id}", response_model=YardDetail, responses={404: {"description": "No yard."}})
def read_yard(
    context: ContextDep, yard: YardDep, request: Request, session: SessionDep, lang: LangDep
) -> YardDetail:
    """A yard: where it is, its current risk, the history of its submissions and what is
    being done about its confirmed findings."""
    state = context
    assert yard.id is not None
    names = _district_names(session, [yard.district_id], lang)
    areas = _area_names(session, [yard.micro_district_id], lang)
    history = session.exec(
        select(Submission.received_at, Submission.role, Submission.risk_index, Submission.band)
        .where(Submission.yard_id == yard.id)
        .order_by(col(Submission.received_at).desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return YardDetail(
        **_summary(yard, names, areas),
        district_name=names[yard.district_id],
        current=current_risk(
            session,
            yard_id=yard.id,
            registry=state.checklists,
            window_days=state.settings.current_risk_window_days,
            lang=lang,
        ),
        history=[
            HistoryEntry(received_on=almaty_date(at), role=role, risk_index=risk_index, band=band)
            for at, role, risk_index, band in history
        ],
        findings=public_findings.public_findings(
            session, yard_id=yard.id, registry=state.checklists, lang=lang
        ),
    )


def almaty_date(moment: datetime) -> date:
    return moment.astimezone(ALMATY).date()


def _district_names(session: Session, ids: list[str], lang: Lang) -> dict[str, str]:
    # The names only: a district's row also holds its whole boundary.
    column = {"kk": District.name_kk, "en": District.name_en}.get(lang, District.name_ru)
    found = session.exec(select(District.id, column).where(col(District.id).in_(set(ids))))
    names = dict(found.all())
    return {i: names.get(i, i) for i in ids}


def _area_names(session: Session, ids: list[str | None], lang: Lang) -> dict[str, str]:
    """Micro-district id -> its human name in ``lang`` (``app.districts.naming``)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.exec(select(MicroDistrict).where(col(MicroDistrict.id).in_(wanted)))
    return {m.id: area_naming.area_name(m, lang) for m in rows.all()}


def _summary(
    yard: Yard, district_names: dict[str, str], area_names: dict[str, str]
) -> dict[str, Any]:
    """The yard's public fields: its public name, never the address a sender typed."""
    assert yard.id is not None
    spot = naming.yard_place(lat=yard.lat, lon=yard.lon)
    return {
        "id": yard.id,
        "name": naming.public_label(
            yard_id=yard.id,
            public_name=yard.public_name,
            district_name=district_names[yard.district_id],
            micro_district_id=yard.micro_district_id,
            area_name=area_names.get(yard.micro_district_id or ""),
        ),
        "near": spot.near,
        "map_links": {"2gis": spot.twogis_url, "openstreetmap": spot.osm_url},
        "lat": yard.lat,
        "lon": yard.lon,
        "district_id": yard.district_id,
        "micro_district_id": yard.micro_district_id,
        "submission_count": yard.submission_count,
        "last_checked_on": almaty_date(yard.last_submission_at)
        if yard.last_submission_at
        else None,
        "synthetic": yard.synthetic,
    }
