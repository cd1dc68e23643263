"""Open311 GeoReport v2, read-only: the checklist's scored items as services, and confirmed
findings as service requests (docs/OPEN311.md).

Only what the yard's public page shows leaves here: the item, its state in plain words, the
body, the dates, the yard's public label and area, and its point rounded to ~10 m. Never a fix
note or photo, a body's reference, an assignee, the address a sender typed, a submission or
anything of a person. Demo (synthetic) yards are left out: a city system importing the feed
must not take them for real.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import Session

from app.bodies.models import Body
from app.checklists.loader import ChecklistRegistry
from app.checklists.vocabulary import RESPONSIBLE_LABELS
from app.districts.models import District, MicroDistrict
from app.districts.naming import area_name
from app.findings.models import ACTIVE_STATES, Finding, FindingState
from app.findings.open311_query import Near, RequestQuery
from app.findings.public import ALMATY
from app.platform.db import table_of, utcnow
from app.platform.languages import Lang
from app.platform.translations import current_lang, gettext
from app.yards.models import Yard
from app.yards.naming import public_label

_F = table_of(Finding)
_YARD = table_of(Yard)
_BODY = table_of(Body)
_DISTRICT = table_of(District)
_AREA = table_of(MicroDistrict)

# ~11 m of latitude: the feed shows where a yard is, not a doorway.
COORD_DECIMALS = 4
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class Service:
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


@dataclass(frozen=True)
class ServiceRequest:
    """One confirmed finding, with the spec's fields in the spec's order."""

    service_request_id: int
    status: str
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str
    zipcode: str
    lat: float
    long: float
    media_url: str


@dataclass(frozen=True)
class RequestPage:
    requests: list[ServiceRequest]
    has_more: bool


def services(registry: ChecklistRegistry, *, lang: Lang) -> list[Service]:
    """The current checklist's scored items, in the checklist's order."""
    found = []
    for section in registry.current.checklist.sections:
        for item in section.items:
            if not item.scored:
                continue
            found.append(
                Service(
                    service_code=item.id,
                    service_name=item.question.get(lang),
                    description=(item.remedy or item.question).get(lang),
                    metadata=False,
                    type="realtime",
                    keywords=", ".join(
                        RESPONSIBLE_LABELS[party].get(lang) for party in item.responsible
                    ),
                    group=section.title.get(lang),
                )
            )
    return found


def service_codes(registry: ChecklistRegistry) -> set[str]:
    """Every item id of every checklist version: a finding keeps its item's id."""
    return {i for v in registry.versions if (c := registry.get(v)) for i in c.items_by_id}


def w3c(moment: datetime | None) -> str | None:
    """``2026-12-06T08:00:00+05:00``: Almaty time, to the hour. A finding is confirmed by a
    person's check: the minute would say when a resident stood in the yard."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ALMATY).replace(minute=0, second=0, microsecond=0).isoformat()


def _public() -> list[Any]:
    return [
        _F.c.confirmed.is_(True),
        _F.c.state != FindingState.withdrawn.value,
        _F.c.confirmed_at.is_not(None),
        _YARD.c.synthetic.is_(False),
    ]


def _near(near: Near) -> list[Any]:
    # A flat-earth distance: within 0.1% of the great circle over 20 km at Almaty's latitude,
    # and plain arithmetic on both SQLite and PostgreSQL. The box lets the lat/lon index help.
    per_lon = max(_M_PER_DEG_LON_EQUATOR * math.cos(math.radians(near.lat)), 1.0)
    d_lat, d_lon = near.radius_m / _M_PER_DEG_LAT, near.radius_m / per_lon
    dy = (_YARD.c.lat - near.lat) * _M_PER_DEG_LAT
    dx = (_YARD.c.lon - near.lon) * per_lon
    return [
        _YARD.c.lat.between(near.lat - d_lat, near.lat + d_lat),
        _YARD.c.lon.between(near.lon - d_lon, near.lon + d_lon),
        dx * dx + dy * dy <= near.radius_m * near.radius_m,
    ]


def _where(query: RequestQuery) -> list[Any]:
    if query.ids is not None:
        return [_F.c.id.in_(query.ids)] if query.ids else [_F.c.id.is_(None)]
    where: list[Any] = []
    if query.service_codes:
        where.append(_F.c.item_id.in_(query.service_codes))
    if query.statuses != {"open", "closed"}:
        closed = _F.c.state == FindingState.verified.value
        where.append(closed if "closed" in query.statuses else ~closed)
    if query.start is not None:
        where.append(_F.c.confirmed_at >= query.start)
    if query.end is not None:
        where.append(_F.c.confirmed_at <= query.end)
    if query.near is not None:
        where.extend(_near(query.near))
    return where


def service_requests(
    session: Session,
    *,
    query: RequestQuery,
    registry: ChecklistRegistry,
    lang: Lang,
    now: datetime | None = None,
) -> RequestPage:
    """A page of public findings matching ``query``, newest first (by ``confirmed_at``, then
    id, so pages do not overlap while nothing new is confirmed)."""
    rows = session.execute(
        select(
            _F.c.id,
            _F.c.item_id,
            _F.c.state,
            _F.c.checklist_version,
            _F.c.confirmed_at,
            _F.c.sent_at,
            _F.c.fix_reported_at,
            _F.c.verified_at,
            _F.c.verified_how,
            _F.c.deadline_at,
            _YARD.c.id.label("yard_id"),
            _YARD.c.lat,
            _YARD.c.lon,
            _YARD.c.public_name,
            _YARD.c.micro_district_id,
            _BODY.c.name.label("body_ru"),
            _BODY.c.name_kk.label("body_kk"),
            _BODY.c.name_en.label("body_en"),
            _DISTRICT.c.name_ru.label("district_ru"),
            _DISTRICT.c.name_kk.label("district_kk"),
            _DISTRICT.c.name_en.label("district_en"),
            _AREA.c.id.label("area_id"),
            _AREA.c.name.label("area_ru"),
            _AREA.c.name_kk.label("area_kk"),
            _AREA.c.name_en.label("area_en"),
        )
        .select_from(
            _F.join(_YARD, _YARD.c.id == _F.c.yard_id)
            .outerjoin(_BODY, _BODY.c.id == _F.c.body_id)
            .outerjoin(_DISTRICT, _DISTRICT.c.id == _YARD.c.district_id)
            .outerjoin(_AREA, _AREA.c.id == _YARD.c.micro_district_id)
        )
        .where(and_(*_public(), *_where(query)))
        .order_by(_F.c.confirmed_at.desc(), _F.c.id.desc())
        .limit(query.page_size + 1)
        .offset((query.page - 1) * query.page_size)
    ).mappings()
    now = now or utcnow()
    token = current_lang.set(lang)  # "Yard no. N" and the status notes in ``lang``
    try:
        found = [_request(row, registry=registry, lang=lang, now=now) for row in rows]
    finally:
        current_lang.reset(token)
    return RequestPage(found[: query.page_size], has_more=len(found) > query.page_size)


def service_request(
    session: Session, *, request_id: int, registry: ChecklistRegistry, lang: Lang
) -> ServiceRequest | None:
    """One public finding, or None (unknown, unconfirmed, withdrawn or a demo yard's)."""
    page = service_requests(
        session,
        query=RequestQuery(ids=(request_id,), page_size=1),
        registry=registry,
        lang=lang,
    )
    return page.requests[0] if page.requests else None


def _in(row: Any, prefix: str, lang: Lang) -> str | None:
    return row[f"{prefix}_{lang}"] or row[f"{prefix}_ru"]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _request(row: Any, *, registry: ChecklistRegistry, lang: Lang, now: datetime) -> ServiceRequest:
    item = None
    for loaded in (registry.get(row["checklist_version"]), registry.current):
        item = loaded.items_by_id.get(row["item_id"]) if loaded is not None else None
        if item is not None:
            break
    label = item.question.get(lang) if item is not None else row["item_id"]
    closed = row["state"] == FindingState.verified
    area = None
    if row["area_id"] is not None:
        area = area_name(
            _Area(row["area_id"], row["area_ru"], row["area_kk"], row["area_en"]), lang
        )
    district = _in(row, "district", lang)
    deadline = _aware(row["deadline_at"])
    overdue = (
        deadline is not None and deadline < now and row["state"] in [s.value for s in ACTIVE_STATES]
    )
    return ServiceRequest(
        service_request_id=row["id"],
        status="closed" if closed else "open",
        status_notes=status_notes(row["state"], row["verified_how"], overdue=overdue),
        service_name=label,
        service_code=row["item_id"],
        description=label,
        agency_responsible=_in(row, "body", lang) or "",
        service_notice=item.remedy.get(lang) if item is not None and item.remedy else "",
        requested_datetime=w3c(row["confirmed_at"]) or "",
        updated_datetime=w3c(_last_public_change(row)) or "",
        expected_datetime=w3c(deadline),
        address=public_label(
            yard_id=row["yard_id"],
            public_name=row["public_name"],
            district_name=district,
            micro_district_id=row["micro_district_id"],
            area_name=area,
        ),
        zipcode="",
        lat=round(row["lat"], COORD_DECIMALS),
        long=round(row["lon"], COORD_DECIMALS),
        media_url="",
    )


def _last_public_change(row: Any) -> datetime | None:
    # Not ``updated_at``: every new check of the yard moves it (the item's risk), which
    # would publish when each resident sent one.
    moments = [
        _aware(row[c]) for c in ("confirmed_at", "sent_at", "fix_reported_at", "verified_at")
    ]
    return max((m for m in moments if m is not None), default=None)


@dataclass(frozen=True)
class _Area:
    id: str
    name: str | None
    name_kk: str | None
    name_en: str | None


def status_notes(state: str, verified_how: str | None, *, overdue: bool = False) -> str:
    """The state in plain words, in the current language (no names, notes or references)."""
    if state == FindingState.verified:
        text = {
            "audit_after_fix": gettext("Fixed: a later inspector audit confirmed the fix."),
            "audit_without_fix": gettext("Resolved: a later inspector audit found it in order."),
            "residents": gettext("Fixed: residents' later checks confirmed the fix."),
        }.get(verified_how or "", gettext("Fixed and checked."))
        return text
    notes: dict[str, str] = {
        FindingState.open: gettext("Confirmed; not yet passed to the responsible body."),
        FindingState.sent: gettext("Passed to the responsible body."),
        FindingState.in_progress: gettext("The responsible body is working on it."),
        FindingState.fix_reported: gettext(
            "The responsible body reports it fixed; awaiting a check."
        ),
    }
    text = notes.get(state, "")
    if overdue:
        text = f"{text} {gettext('The deadline has passed.')}".strip()
    return text
