"""Yards as the residents' map lists them: what each yard's public page shows, in brief.

A yard's current index and band (``yard_risk``, the row its page reads) and counts of its
public findings: confirmed, not withdrawn, verified ones only within
``public.VERIFIED_SHOWN_DAYS`` (the rule of ``public.public_findings``). No answers, no
addresses as typed, no submission or finding ids. Keyword-only; nothing here commits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlmodel import Session

from app.findings.models import ACTIVE_STATES, Finding, FindingState
from app.findings.public import VERIFIED_SHOWN_DAYS
from app.geo.distance import haversine_m
from app.platform.db import table_of, utcnow
from app.yards.models import Yard
from app.yards.naming import public_title, yard_place
from app.yards.risk_models import YardRisk

_YARD = table_of(Yard)
_RISK = table_of(YardRisk)
_FINDING = table_of(Finding)
# More yards than this in one view are not listed: the map asks to zoom in.
MAX_PUBLIC_YARDS = 300
# Coordinates to 5 decimals (about 1 m), as the inspectors' markers.
DIGITS = 5
EARTH_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class Box:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def around(cls, lat: float, lon: float, radius_m: float) -> Box:
        dlat = radius_m / EARTH_M_PER_DEG
        dlon = radius_m / (EARTH_M_PER_DEG * max(math.cos(math.radians(lat)), 0.01))
        return cls(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


@dataclass(frozen=True)
class FindingCounts:
    """A yard's public findings by how far they got (``overdue`` is part of ``active``)."""

    active: int = 0
    overdue: int = 0
    fix_reported: int = 0
    verified: int = 0

    @property
    def total(self) -> int:
        return self.active + self.fix_reported + self.verified


@dataclass(frozen=True)
class PublicYard:
    id: int
    lat: float
    lon: float
    title: str
    district_id: str
    micro_district_id: str | None
    risk_index: float | None
    band: str | None
    basis: str | None
    findings: FindingCounts = field(default_factory=FindingCounts)
    distance_m: float | None = None
    # Where a person finds it ("yard near ул. Толе би, ~40 m"), as the yard's page says.
    place: str | None = None

    @property
    def url(self) -> str:
        return f"/yards/{self.id}"

    def as_feature(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": {"type": "Point", "coordinates": [self.lon, self.lat]},
            "properties": {
                "title": self.title,
                "place": self.place,
                "url": self.url,
                "micro_district_id": self.micro_district_id,
                "district_id": self.district_id,
                "risk_index": self.risk_index,
                "band": self.band,
                "basis": self.basis,
                "distance_m": None if self.distance_m is None else round(self.distance_m),
                "findings": {
                    "active": self.findings.active,
                    "overdue": self.findings.overdue,
                    "fix_reported": self.findings.fix_reported,
                    "verified": self.findings.verified,
                },
            },
        }


def _public_finding(now: datetime) -> ColumnElement[bool]:
    """The findings a yard's public page lists (``public.public_findings``)."""
    return and_(
        _FINDING.c.confirmed.is_(True),
        _FINDING.c.state != FindingState.withdrawn,
        or_(
            _FINDING.c.state != FindingState.verified,
            _FINDING.c.verified_at >= now - timedelta(days=VERIFIED_SHOWN_DAYS),
        ),
    )


def finding_counts(
    session: Session, *, yard_ids: list[int], now: datetime | None = None
) -> dict[int, FindingCounts]:
    """Public finding counts of each yard (yards without any are left out)."""
    if not yard_ids:
        return {}
    now = now or utcnow()
    active = [s.value for s in ACTIVE_STATES]
    overdue = and_(_FINDING.c.state.in_(active), _FINDING.c.deadline_at < now)
    rows = session.execute(
        select(
            _FINDING.c.yard_id,
            _FINDING.c.state,
            func.count().label("n"),
            func.sum(case((overdue, 1), else_=0)).label("late"),
        )
        .where(_FINDING.c.yard_id.in_(yard_ids), _public_finding(now))
        .group_by(_FINDING.c.yard_id, _FINDING.c.state)
    ).all()
    tally: dict[int, dict[str, int]] = {}
    for row in rows:
        one = tally.setdefault(row.yard_id, {"active": 0, "overdue": 0, "fix": 0, "ver": 0})
        if row.state in active:
            one["active"] += row.n
            one["overdue"] += int(row.late or 0)
        elif row.state == FindingState.fix_reported:
            one["fix"] += row.n
        elif row.state == FindingState.verified:
            one["ver"] += row.n
    return {
        y: FindingCounts(t["active"], t["overdue"], t["fix"], t["ver"]) for y, t in tally.items()
    }


def public_yards(
    session: Session,
    *,
    box: Box | None = None,
    micro_district_id: str | None = None,
    near: tuple[float, float] | None = None,
    limit: int = MAX_PUBLIC_YARDS,
) -> tuple[list[PublicYard], bool]:
    """Known yards in ``box`` and/or ``micro_district_id`` with their public state, nearest
    to ``near`` first (else by id), and whether more than ``limit`` were there (then none)."""
    query = select(
        _YARD.c.id,
        _YARD.c.lat,
        _YARD.c.lon,
        _YARD.c.public_name,
        _YARD.c.district_id,
        _YARD.c.micro_district_id,
        _RISK.c.risk_index,
        _RISK.c.band,
        _RISK.c.basis,
    ).select_from(_YARD.outerjoin(_RISK, _RISK.c.yard_id == _YARD.c.id))
    if box is not None:
        query = query.where(
            _YARD.c.lat.between(box.south, box.north), _YARD.c.lon.between(box.west, box.east)
        )
    if micro_district_id is not None:
        query = query.where(_YARD.c.micro_district_id == micro_district_id)
    rows = session.execute(query.order_by(_YARD.c.id).limit(limit + 1)).all()
    if len(rows) > limit:
        return [], True
    counts = finding_counts(session, yard_ids=[r.id for r in rows])
    yards = [
        PublicYard(
            id=r.id,
            lat=round(r.lat, DIGITS),
            lon=round(r.lon, DIGITS),
            title=public_title(yard_id=r.id, public_name=r.public_name),
            district_id=r.district_id,
            micro_district_id=r.micro_district_id,
            risk_index=None if r.risk_index is None else round(r.risk_index, 1),
            band=r.band if r.risk_index is not None else None,
            basis=r.basis if r.risk_index is not None else None,
            findings=counts.get(r.id, FindingCounts()),
            distance_m=haversine_m(*near, r.lat, r.lon) if near else None,
            place=yard_place(lat=r.lat, lon=r.lon).near,
        )
        for r in rows
    ]
    if near is not None:
        yards.sort(key=lambda y: (y.distance_m or 0.0, y.id))
    return yards, False
