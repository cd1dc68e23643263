"""What people do to a finding: file it with its body, work on it, report it fixed, send it
back as "not ours", route it elsewhere, assign it, ask for a re-audit. Each change writes a
``FindingEvent`` (who, when, from which state, why). Services: keyword-only, never commit.

Who may do what: ``app.findings.permissions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session

from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import Body, BodyMember
from app.findings import notices, summary
from app.findings.models import OPEN_STATES, Finding, FindingEvent, FindingState
from app.findings.permissions import Action, Actor, YardPlace, allowed
from app.findings.routing import Router
from app.platform.db import table_of, utcnow
from app.platform.errors import Invalid, NotFound, NotPermitted

_FINDING = table_of(Finding)
_EVENT = table_of(FindingEvent)
_MEMBER = table_of(BodyMember)
_BODY = table_of(Body)

NOTE_MAX = 1000
REFERENCE_MAX = 120


def get_finding(session: Session, *, actor: Actor, finding_id: int) -> Finding:
    """The finding, or NotFound when it does not exist or the actor may not see it (the
    same answer, so an id says nothing about findings beyond one's scope)."""
    finding = session.get(Finding, finding_id)
    if finding is None or not actor.may_see(finding):
        raise NotFound("No such finding, or it is not one of yours.")
    return finding


def _require(actor: Actor, finding: Finding, action: Action) -> None:
    if action not in allowed(actor, finding):
        raise NotPermitted(
            "You cannot do this to this finding in its present state "
            f"({finding.state}); the finding's page lists what you can do."
        )


def _text(value: str | None, *, limit: int, name: str, required: bool = False) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise Invalid(f"Write the {name}.", details=[{"field": name, "message": "required"}])
    if len(text) > limit:
        raise Invalid(
            f"The {name} is too long: at most {limit} characters.",
            details=[{"field": name, "message": f"at most {limit} characters"}],
        )
    return text or None


def _change(
    session: Session,
    finding: Finding,
    *,
    actor: Actor,
    action: Action | str,
    to_state: str | None = None,
    reason: str | None = None,
    now: datetime,
    details: dict[str, Any] | None = None,
    **values: Any,
) -> Finding:
    """Write the change and its event; returns the finding as it now is."""
    from_state = finding.state
    new_state = to_state or from_state
    values = {**values, "state": new_state, "updated_at": now}
    connection = session.connection()
    connection.execute(update(_FINDING).where(_FINDING.c.id == finding.id).values(**values))
    connection.execute(
        insert(_EVENT).values(
            finding_id=finding.id,
            at=now,
            from_state=from_state,
            to_state=new_state,
            actor_user_id=actor.user_id,
            actor=actor.role.value,
            action=str(action),
            reason=reason,
            body_id=values.get("body_id", finding.body_id),
            details=details or {},
        )
    )
    summary.refresh(connection, yard_ids=[finding.yard_id])
    session.expire(finding)
    refreshed = session.get(Finding, finding.id)
    assert refreshed is not None
    # The messages it puts in the outbox (to the new body, re-audit reminders).
    notices.after_change(session, finding=refreshed, action=str(action))
    return refreshed


def _deadline(
    session: Session, finding: Finding, *, body_id: str | None, now: datetime, default_days: int
) -> datetime | None:
    if body_id is None:
        return None
    router = Router.for_yard(
        session,
        yard_id=finding.yard_id,
        district_id=finding.district_id,
        default_deadline_days=default_days,
    )
    days = router.deadline_days(body_id, finding.item_id)
    return now + timedelta(days=days)


def mark_sent(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    reference: str,
    default_deadline_days: int,
    now: datetime | None = None,
) -> Finding:
    """Staff filed the finding with its body (eOtinish, a call): the body's reference
    number, or the call's date and the person spoken to. The deadline runs from now."""
    now = now or utcnow()
    finding = get_finding(session, actor=actor, finding_id=finding_id)
    _require(actor, finding, Action.mark_sent)
    ref = _text(reference, limit=REFERENCE_MAX, name="reference", required=True)
    return _change(
        session,
        finding,
        actor=actor,
        action=Action.mark_sent,
        to_state=FindingState.sent,
        now=now,
        sent_at=now,
        reference=ref,
        deadline_at=_deadline(
            session, finding, body_id=finding.body_id, now=now, default_days=default_deadline_days
        ),
    )


def start_work(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> Finding:
    now = now or utcnow()
    finding = get_finding(session, actor=actor, finding_id=finding_id)
    _require(actor, finding, Action.start_work)
    return _change(
        session,
        finding,
        actor=actor,
        action=Action.start_work,
        to_state=FindingState.in_progress,
        now=now,
        reason=_text(note, limit=NOTE_MAX, name="note"),
    )


def report_fix(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    fixed_on: date,
    note: str | None,
    photo: str | None = None,
    now: datetime | None = None,
) -> Finding:
    """The body or the cooperative says the item is fixed (on ``fixed_on``, with a note and
    the stored name of an after-photo). It stays unverified until a later check."""
    now = now or utcnow()
    finding = get_finding(session, actor=actor, finding_id=finding_id)
    _require(actor, finding, Action.report_fix)
    if fixed_on > now.date():
        raise Invalid(
            "The date of the fix cannot be in the future.",
            details=[{"field": "fixed_on", "message": "in the future"}],
        )
    if fixed_on < finding.opened_at.date() - timedelta(days=365):
        raise Invalid(
            "The date of the fix is more than a year before the finding.",
            details=[{"field": "fixed_on", "message": "too early"}],
        )
    text = _text(note, limit=NOTE_MAX, name="note")
    return _change(
        session,
        finding,
        actor=actor,
        action=Action.report_fix,
        to_state=FindingState.fix_reported,
        now=now,
        reason=text,
        details={"photo": bool(photo)},
        fix_reported_at=now,
        fix_date=datetime.combine(fixed_on, time(12), tzinfo=UTC),
        fix_note=text,
        fix_photo=photo,
        resident_passes=0,
        resident_fails=0,
    )


def not_ours(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    reason: str,
    default_deadline_days: int,
    now: datetime | None = None,
) -> Finding:
    """The body says the finding is not its own: it goes to the next body by the routing
    rules (never back to one that refused), open again, with the reason kept."""
    now = now or utcnow()
    finding = get_finding(session, actor=actor, finding_id=finding_id)
    _require(actor, finding, Action.not_ours)
    why = _text(reason, limit=NOTE_MAX, name="reason", required=True)
    refused = sorted({*(finding.refused_by or []), *([finding.body_id] if finding.body_id else [])})
    router = Router.for_yard(
        session,
        yard_id=finding.yard_id,
        district_id=finding.district_id,
        default_deadline_days=default_deadline_days,
    )
    route = router.route(finding.item_id, refused=refused)
    return _change(
        session,
        finding,
        actor=actor,
        action=Action.not_ours,
        to_state=FindingState.open,
        now=now,
        reason=why,
        details={"refused": finding.body_id},
        refused_by=refused,
        body_id=route.body_id,
        sent_at=None,
        reference=None,
        deadline_at=now + route.deadline if (route.deadline and finding.confirmed) else None,
    )


def reroute(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    body_id: str,
    reason: str,
    default_deadline_days: int,
    now: datetime | None = None,
) -> Finding:
    """Staff send the finding to another body by hand (open again, to be sent to it)."""
    now = now or utcnow()
    finding = get_finding(session, actor=actor, finding_id=finding_id)
    _require(actor, finding, Action.reroute)
    why = _text(reason, limit=NOTE_MAX, name="reason", required=True)
    body = session.get(Body, body_id)
    if body is None or not body.active:
        raise Invalid(
            "No such body, or it is inactive: choose one from the list.",
            details=[{"field": "body_id", "message": "unknown body"}],
        )
    if body.district_id not in (None, finding.district_id):
        raise Invalid(
            "That body works in another district.",
            details=[{"field": "body_id", "message": "another district"}],
        )
    return _change(
        session,
        finding,
        actor=actor,
        action=Action.reroute,
        to_state=FindingState.open,
        now=now,
        reason=why,
        body_id=body.id,
        sent_at=None,
        reference=None,
        deadline_at=_deadline(
            session, finding, body_id=body.id, now=now, default_days=default_deadline_days
        )
        if finding.confirmed
        else None,
    )


def assign(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    assignee: User | None,
    now: datetime | None = None,
) -> Finding:
    """Give the finding to an inspector (None: nobody) to follow up."""
    now = now or utcnow()
    finding = get_finding(session, actor=actor, finding_id=finding_id)
    _require(actor, finding, Action.assign)
    if assignee is not None:
        assignee_scope = Scope.of(session, assignee)
        if (
            assignee.role not in (UserRole.inspector, UserRole.admin)
            or not assignee.active
            or not assignee_scope.may_see_yard(YardPlace(finding))
        ):
            raise Invalid(
                "Assign it to an active inspector whose districts include this yard.",
                details=[{"field": "assignee", "message": "not an inspector of this yard"}],
            )
    return _change(
        session,
        finding,
        actor=actor,
        action=Action.assign,
        now=now,
        details={"assignee": assignee.id if assignee else None},
        assigned_user_id=assignee.id if assignee else None,
    )


def request_reaudit(
    session: Session,
    *,
    actor: Actor,
    yard_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> int:
    """The cooperative asks an inspector to check its yard again (after fixes): marks the
    yard's open findings, which puts the yard in its district inspector's queue. Returns how
    many findings were marked; NotPermitted when none may be."""
    now = now or utcnow()
    rows = (
        session.execute(
            select(Finding).where(
                Finding.yard_id == yard_id,  # type: ignore[arg-type]
                Finding.state.in_([s.value for s in OPEN_STATES]),  # type: ignore[attr-defined]
            )
        )
        .scalars()
        .all()
    )
    mine = [f for f in rows if Action.request_reaudit in allowed(actor, f)]
    if not mine:
        raise NotPermitted("This yard has no open findings you can ask a re-audit for.")
    text = _text(note, limit=NOTE_MAX, name="note")
    for finding in mine:
        _change(
            session,
            finding,
            actor=actor,
            action=Action.request_reaudit,
            now=now,
            reason=text,
            reaudit_requested_at=now,
        )
    return len(mine)
