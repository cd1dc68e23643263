"""What an inspector does with a resident's report (a finding of kind ``report``): accept it
(confirmed: public, to its body with a deadline, as a confirmed checklist finding) or reject
it (withdrawn, with the reason, never public). Each writes a history entry like every action
(``app.findings.actions``); the reporter's chat is told (``app.findings.chat_notices``).

Who may: an admin, or an inspector whose scope covers the yard; only while the report is
open and not yet accepted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from app.accounts.models import UserRole
from app.findings import actions, chat_notices, notices
from app.findings.models import Finding, FindingState
from app.findings.permissions import Actor
from app.findings.reports import REPORT
from app.platform.db import utcnow
from app.platform.errors import NotPermitted


class ReportAction(StrEnum):
    accept_report = "accept_report"
    reject_report = "reject_report"


def allowed_report(actor: Actor, finding: Finding) -> frozenset[ReportAction]:
    """The report actions ``actor`` may take on ``finding`` now (none for other kinds)."""
    if finding.kind != REPORT or finding.confirmed or finding.state != FindingState.open:
        return frozenset()
    inspector = actor.role == UserRole.inspector and actor.scope.may_see_area(
        micro_district_id=finding.micro_district_id, district_id=finding.district_id
    )
    if actor.role == UserRole.admin or inspector:
        return frozenset(ReportAction)
    return frozenset()


def _require(actor: Actor, finding: Finding, action: ReportAction) -> None:
    if action not in allowed_report(actor, finding):
        raise NotPermitted(
            "Only an inspector of the yard's district may accept or reject a report, and only "
            "while it waits; the finding's page lists what you can do."
        )


def accept_report(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    note: str | None = None,
    default_deadline_days: int,
    now: datetime | None = None,
) -> Finding:
    """The inspector checked the report and it stands: the finding is confirmed (public on
    the yard's page), its deadline runs from now, and it goes to its body like any confirmed
    finding (by e-mail where the body takes it)."""
    now = now or utcnow()
    finding = actions.get_finding(session, actor=actor, finding_id=finding_id)
    _require(actor, finding, ReportAction.accept_report)
    changed = actions._change(
        session,
        finding,
        actor=actor,
        action=ReportAction.accept_report,
        now=now,
        reason=actions._text(note, limit=actions.NOTE_MAX, name="note"),
        confirmed=True,
        confirmed_at=now,
        deadline_at=actions._deadline(
            session,
            finding,
            body_id=finding.body_id,
            now=now,
            default_days=default_deadline_days,
        ),
    )
    # A confirmed finding goes to its e-mail body as one confirmed by an audit does.
    notices.after_events(session, events=[{"finding_id": changed.id, "action": "confirmed"}])
    chat_notices.after_change(session, finding_ids=[finding_id], force=True)
    return changed


def reject_report(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    reason: str,
    now: datetime | None = None,
) -> Finding:
    """The report does not stand (not in this yard, not a safety problem, a duplicate): the
    finding is withdrawn with the reason, never public."""
    now = now or utcnow()
    finding = actions.get_finding(session, actor=actor, finding_id=finding_id)
    _require(actor, finding, ReportAction.reject_report)
    why = actions._text(reason, limit=actions.NOTE_MAX, name="reason", required=True)
    changed = actions._change(
        session,
        finding,
        actor=actor,
        action=ReportAction.reject_report,
        to_state=FindingState.withdrawn,
        now=now,
        reason=why,
        deadline_at=None,
    )
    chat_notices.after_change(session, finding_ids=[finding_id])
    return changed
