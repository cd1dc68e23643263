"""What the staff page of one finding reads: its yard and body, its history with who acted,
and the choices of its forms (the bodies it may be rerouted to, the inspectors it may be
assigned to). Reads only; the finding itself comes from ``actions.get_finding`` (scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlmodel import Session

from app.accounts.models import User, UserDistrict, UserMicroDistrict, UserRole
from app.bodies.models import Body, BodyKind, YardCooperative
from app.districts.models import District, MicroDistrict
from app.districts.naming import area_name
from app.findings.models import ACTIVE_STATES, OPEN_STATES, Finding, FindingEvent
from app.platform.db import table_of, utcnow
from app.yards.models import Yard
from app.yards.naming import public_label
from app.yards.risk_models import YardRisk

_USER = table_of(User)
_EVENT = table_of(FindingEvent)
_BODY = table_of(Body)
_KEEPER = table_of(YardCooperative)
_FINDING = table_of(Finding)
_USER_DISTRICT = table_of(UserDistrict)
_USER_AREA = table_of(UserMicroDistrict)

# Roles whose people are named in a finding's history (staff); others by their role only.
_NAMED_ROLES = (UserRole.inspector.value, UserRole.admin.value)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str  # the role or "system", "residents", "inspector_audit", ...
    user_name: str | None  # for staff only
    action: str
    from_state: str | None
    to_state: str
    reason: str | None
    body_id: str | None


@dataclass(frozen=True)
class FindingDetail:
    finding: Finding
    yard_label: str
    district_name: str
    area: str | None
    risk_index: float | None
    band: str | None
    last_audit_at: datetime | None
    body: Body | None
    assigned_name: str | None
    overdue: bool
    history: list[HistoryLine]


@dataclass(frozen=True)
class YardNames:
    label: str  # the public label: name (or "Yard no. N"), area, district
    district: str
    area: str | None


def yard_names(session: Session, *, yard: Yard, lang: str) -> YardNames:
    """A yard's public label, its district's and its area's names in ``lang``."""
    assert yard.id is not None
    district = session.get(District, yard.district_id)
    district_name = district.name(lang) if district is not None else yard.district_id
    area = None
    if yard.micro_district_id:
        found = session.execute(
            select(
                MicroDistrict.id,  # type: ignore[call-overload]
                MicroDistrict.name,
                MicroDistrict.name_kk,
                MicroDistrict.name_en,
            ).where(MicroDistrict.id == yard.micro_district_id)
        ).first()
        area = area_name(found, lang) if found is not None else None
    label = public_label(
        yard_id=yard.id,
        public_name=yard.public_name,
        district_name=district_name,
        micro_district_id=yard.micro_district_id,
        area_name=area,
    )
    return YardNames(label, district_name, area)


def detail(
    session: Session, *, finding: Finding, lang: str, now: datetime | None = None
) -> FindingDetail:
    """The finding with everything its page shows (a handful of queries)."""
    now = now or utcnow()
    yard = session.get(Yard, finding.yard_id)
    assert yard is not None and yard.id is not None
    names = yard_names(session, yard=yard, lang=lang)
    risk = session.get(YardRisk, yard.id)
    assigned = session.get(User, finding.assigned_user_id) if finding.assigned_user_id else None
    return FindingDetail(
        finding=finding,
        yard_label=names.label,
        district_name=names.district,
        area=names.area,
        risk_index=risk.risk_index if risk else None,
        band=risk.band if risk else None,
        last_audit_at=risk.last_audit_at if risk else None,
        body=session.get(Body, finding.body_id) if finding.body_id else None,
        assigned_name=assigned.name if assigned else None,
        overdue=finding.state in [s.value for s in ACTIVE_STATES]
        and finding.deadline_at is not None
        and finding.deadline_at < now,
        history=history(session, finding_id=finding.id or 0),
    )


def history(session: Session, *, finding_id: int) -> list[HistoryLine]:
    """Every change of the finding, oldest first; staff by name, others by their role."""
    rows = session.execute(
        select(_EVENT, _USER.c.name.label("user_name"), _USER.c.role.label("user_role"))
        .outerjoin(_USER, _USER.c.id == _EVENT.c.actor_user_id)
        .where(_EVENT.c.finding_id == finding_id)
        .order_by(_EVENT.c.at, _EVENT.c.id)
    )
    return [
        HistoryLine(
            at=r.at,
            actor=r.actor,
            user_name=r.user_name if r.user_role in _NAMED_ROLES else None,
            action=r.action,
            from_state=r.from_state,
            to_state=r.to_state,
            reason=r.reason,
            body_id=r.body_id,
        )
        for r in rows
    ]


def reroute_bodies(session: Session, *, finding: Finding) -> list[Body]:
    """The active bodies a finding may be sent to: its district's and the city-wide ones;
    of the cooperatives, only the one keeping its yard."""
    keeper = select(_KEEPER.c.body_id).where(_KEEPER.c.yard_id == finding.yard_id)
    found = session.execute(
        select(Body)
        .where(
            _BODY.c.active.is_(True),
            or_(_BODY.c.district_id == finding.district_id, _BODY.c.district_id.is_(None)),
            or_(_BODY.c.kind != BodyKind.cooperative.value, _BODY.c.id.in_(keeper)),
        )
        .order_by(_BODY.c.district_id.is_(None), _BODY.c.name)
    )
    return list(found.scalars())


def assignees(session: Session, *, finding: Finding) -> list[User]:
    """Active inspectors whose scope covers the finding's yard: city-wide ones, those of its
    district, those of its micro-district; by name."""
    in_district = select(_USER_DISTRICT.c.user_id).where(
        _USER_DISTRICT.c.district_id == finding.district_id
    )
    in_area = select(_USER_AREA.c.user_id).where(
        _USER_AREA.c.micro_district_id == finding.micro_district_id
    )
    found = session.execute(
        select(User)
        .where(
            _USER.c.active.is_(True),
            _USER.c.role == UserRole.inspector.value,
            or_(_USER.c.city_wide.is_(True), _USER.c.id.in_(in_district), _USER.c.id.in_(in_area)),
        )
        .order_by(_USER.c.name, _USER.c.id)
    )
    return list(found.scalars())


def yard_findings(session: Session, *, yard_id: int) -> list[Finding]:
    """Every finding of a yard (any state), those still being worked on first, riskiest
    first."""
    found = session.execute(
        select(Finding)
        .where(_FINDING.c.yard_id == yard_id)
        .order_by(
            _FINDING.c.state.not_in([s.value for s in OPEN_STATES]),
            _FINDING.c.risk.desc(),
            _FINDING.c.id,
        )
    )
    return list(found.scalars())
