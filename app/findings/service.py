"""Keeping a yard's findings in step with its answers, in the intake's transaction.

``sync_yard`` runs after the yard's consensus is rebuilt (every submission, the daily refresh,
a new checklist version). It opens a finding per failing item, routed to its body; confirms
it when the consensus rests on an audit, the cooperative or two residents; withdraws an
unconfirmed one the answers no longer fail. Only a submission (``Trigger``) verifies or
reopens: an inspector audit that finds the item passing verifies it, residents' checks after
a reported fix verify it by the rule in docs/FINDINGS.md, a failing answer reopens a verified
finding. A recomputation without a submission never verifies anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session

from app.findings import rules
from app.findings.models import OPEN_STATES, Finding, FindingEvent, FindingState
from app.findings.routing import Router
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.yards.consensus import Consensus

_FINDING = table_of(Finding)
_EVENT = table_of(FindingEvent)
CHECKLIST = "checklist"

# Who opened or changed a finding, in words, by the consensus it was read from.
_ACTOR_OF_BASIS = {
    "inspector_audit": "inspector_audit",
    "residents_median": "residents",
    "cooperative": "cooperative",
}


@dataclass(frozen=True)
class Trigger:
    """The submission this sync follows from: its role and its own item risks."""

    role: str
    risks: Mapping[str, float]


@dataclass(frozen=True)
class Place:
    yard_id: int
    district_id: str
    micro_district_id: str | None


class _Sync:
    def __init__(
        self, session: Session, *, place: Place, settings: Settings, now: datetime
    ) -> None:
        self.session = session
        self.place = place
        self.settings = settings
        self.now = now
        self.events: list[dict[str, Any]] = []
        self._router: Router | None = None

    @property
    def router(self) -> Router:
        if self._router is None:
            self._router = Router.for_yard(
                self.session,
                yard_id=self.place.yard_id,
                district_id=self.place.district_id,
                default_deadline_days=self.settings.finding_deadline_days,
            )
        return self._router

    def event(
        self, row: Mapping[str, Any], to_state: str, action: str, actor: str, **extra: Any
    ) -> None:
        self.events.append(
            {
                "finding_id": row["id"],
                "at": self.now,
                "from_state": extra.pop("from_state", row["state"]),
                "to_state": to_state,
                "actor_user_id": None,
                "actor": actor,
                "action": action,
                "reason": extra.pop("reason", None),
                "body_id": extra.pop("body_id", row.get("body_id")),
                "details": extra,
            }
        )

    def routed(self, item_id: str, refused: list[str], confirmed: bool) -> dict[str, Any]:
        route = self.router.route(item_id, refused=refused)
        deadline = self.now + route.deadline if (confirmed and route.deadline) else None
        return {"body_id": route.body_id, "deadline_at": deadline}


def sync_yard(
    session: Session,
    *,
    place: Place,
    consensus: Consensus,
    settings: Settings,
    trigger: Trigger | None = None,
    now: datetime | None = None,
) -> int:
    """Bring one yard's checklist findings in step with ``consensus`` (the yard's current
    answers); returns how many findings changed. Never commits."""
    now = now or utcnow()
    threshold = settings.finding_risk
    risks = rules.item_risks(consensus)
    fails = rules.failing(risks, threshold=threshold)
    connection = session.connection()
    existing = {
        row["item_id"]: dict(row)
        for row in connection.execute(
            select(_FINDING).where(
                _FINDING.c.yard_id == place.yard_id, _FINDING.c.kind == CHECKLIST
            )
        ).mappings()
    }
    if not fails and not existing:
        return 0
    sync = _Sync(session, place=place, settings=settings, now=now)
    confirmed = rules.is_confirmed(consensus)
    actor = _ACTOR_OF_BASIS.get(consensus.basis, "system")
    version = consensus.loaded.version if consensus.loaded else ""
    changes: dict[str, dict[str, Any]] = {}

    def change(row: dict[str, Any], **values: Any) -> None:
        row.update(values)
        changes.setdefault(row["item_id"], {}).update(values)

    new_rows: list[dict[str, Any]] = []
    for item_id, risk in fails.items():
        row = existing.get(item_id)
        if row is None:
            values = {
                "yard_id": place.yard_id,
                "item_id": item_id,
                "kind": CHECKLIST,
                "district_id": place.district_id,
                "micro_district_id": place.micro_district_id,
                "state": FindingState.open,
                "confirmed": confirmed,
                "confirmed_at": now if confirmed else None,
                "risk": risk,
                "basis": consensus.basis,
                "checklist_version": version,
                "opened_at": now,
                "updated_at": now,
                "refused_by": [],
                "resident_passes": 0,
                "resident_fails": 0,
                "reopened": 0,
                **sync.routed(item_id, [], confirmed),
            }
            new_rows.append(values)
            continue
        if row["state"] in (FindingState.verified, FindingState.withdrawn):
            # Only a new answer that itself fails the item reopens it; a moved window or a
            # new checklist version does not.
            if trigger is None or trigger.risks.get(item_id, 0.0) < threshold:
                continue
            sync.event(row, FindingState.open, "reopened", actor)
            change(
                row,
                state=FindingState.open,
                reopened=row["reopened"] + (row["state"] == FindingState.verified),
                confirmed=confirmed,
                confirmed_at=now if confirmed else None,
                sent_at=None,
                reference=None,
                fix_reported_at=None,
                fix_date=None,
                fix_note=None,
                fix_photo=None,
                verified_at=None,
                verified_how=None,
                resident_passes=0,
                resident_fails=0,
                reaudit_requested_at=None,
                **sync.routed(item_id, list(row["refused_by"] or []), confirmed),
            )
        elif not row["confirmed"] and confirmed:
            sync.event(row, row["state"], "confirmed", actor)
            values = {"confirmed": True, "confirmed_at": now}
            if row["body_id"] is None or row["deadline_at"] is None:
                values.update(sync.routed(item_id, list(row["refused_by"] or []), True))
            change(row, **values)
        if (row["risk"], row["basis"], row["checklist_version"]) != (
            risk,
            consensus.basis,
            version,
        ):
            change(row, risk=risk, basis=consensus.basis, checklist_version=version)

    if new_rows:
        # One statement for a new yard's findings (SQLAlchemy batches the RETURNING rows).
        ids = connection.execute(
            insert(_FINDING).returning(_FINDING.c.id, sort_by_parameter_order=True), new_rows
        ).scalars()
        for values, new_id in zip(new_rows, ids, strict=True):
            sync.event(
                {**values, "id": new_id}, FindingState.open, "opened", actor, from_state=None
            )

    for item_id, row in existing.items():
        if (
            item_id not in fails
            and item_id in risks
            and not row["confirmed"]
            and row["state"] in OPEN_STATES
        ):
            sync.event(row, FindingState.withdrawn, "withdrawn", actor)
            change(row, state=FindingState.withdrawn, risk=risks[item_id])

    if trigger is not None:
        _verify(sync, existing, trigger, change)

    for item_id, values in changes.items():
        values["updated_at"] = now
        connection.execute(
            update(_FINDING).where(_FINDING.c.id == existing[item_id]["id"]).values(**values)
        )
    if sync.events:
        connection.execute(insert(_EVENT), sync.events)
    return len(changes) + len(new_rows)


def _verify(
    sync: _Sync, existing: dict[str, dict[str, Any]], trigger: Trigger, change: Any
) -> None:
    """What the submission just stored says of the findings still open."""
    threshold = sync.settings.finding_risk
    for item_id, row in existing.items():
        own = trigger.risks.get(item_id)
        if own is None or row["state"] not in OPEN_STATES:
            continue
        fix_reported = row["state"] == FindingState.fix_reported
        if trigger.role == "inspector":
            if own < threshold:
                how = "audit_after_fix" if fix_reported else "audit_without_fix"
                sync.event(row, FindingState.verified, "verified", "inspector_audit", how=how)
                change(row, state=FindingState.verified, verified_at=sync.now, verified_how=how)
            elif fix_reported:
                sync.event(row, FindingState.in_progress, "fix_not_confirmed", "inspector_audit")
                change(row, state=FindingState.in_progress, resident_passes=0, resident_fails=0)
        elif trigger.role == "resident" and fix_reported:
            passes = row["resident_passes"] + (own < threshold)
            fails = row["resident_fails"] + (own >= threshold)
            change(row, resident_passes=passes, resident_fails=fails)
            if passes >= sync.settings.finding_resident_checks and passes > fails:
                sync.event(row, FindingState.verified, "verified", "residents", how="residents")
                change(
                    row, state=FindingState.verified, verified_at=sync.now, verified_how="residents"
                )


def route_unrouted(session: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Give a body to every finding still without one (opened before the bodies were
    imported, or when no body answered for its item); returns how many were routed."""
    now = now or utcnow()
    connection = session.connection()
    rows = connection.execute(
        select(_FINDING).where(
            _FINDING.c.body_id.is_(None), _FINDING.c.state.in_([s.value for s in OPEN_STATES])
        )
    ).mappings()
    routed = 0
    routers: dict[int, Router] = {}
    events = []
    for row in rows.all():
        router = routers.get(row["yard_id"])
        if router is None:
            router = routers[row["yard_id"]] = Router.for_yard(
                session,
                yard_id=row["yard_id"],
                district_id=row["district_id"],
                default_deadline_days=settings.finding_deadline_days,
            )
        route = router.route(row["item_id"], refused=row["refused_by"] or [])
        if route.body_id is None:
            continue
        deadline = now + route.deadline if (row["confirmed"] and route.deadline) else None
        connection.execute(
            update(_FINDING)
            .where(_FINDING.c.id == row["id"])
            .values(body_id=route.body_id, deadline_at=deadline, updated_at=now)
        )
        events.append(
            {
                "finding_id": row["id"],
                "at": now,
                "from_state": row["state"],
                "to_state": row["state"],
                "actor_user_id": None,
                "actor": "system",
                "action": "routed",
                "reason": None,
                "body_id": route.body_id,
                "details": {},
            }
        )
        routed += 1
    if events:
        connection.execute(insert(_EVENT), events)
    return routed
