"""Who may do what to a finding: the one rule the pages, the API and the bot ask.

Who may do what (``allowed``):
- an admin: everything;
- an inspector whose scope covers the yard: file (mark sent), reroute, assign, and the
  body's own steps on the body's behalf when it answered by phone;
- a member of the finding's body (an official, or the cooperative's account): start work,
  report a fix, "not ours";
- a cooperative account linked to the yard: report a fix, ask for a re-audit.
Verification is never an action: only a later audit or residents' checks verify
(``app.findings.service``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import BodyMember
from app.findings.models import ACTIVE_STATES, OPEN_STATES, Finding, FindingState
from app.platform.db import table_of

_MEMBER = table_of(BodyMember)


class Action(StrEnum):
    mark_sent = "mark_sent"
    start_work = "start_work"
    report_fix = "report_fix"
    not_ours = "not_ours"
    reroute = "reroute"
    assign = "assign"
    request_reaudit = "request_reaudit"


@dataclass(frozen=True)
class Actor:
    """A signed-in user as the findings see them: the scope, and the bodies they act for."""

    user_id: int
    role: UserRole
    scope: Scope
    body_ids: frozenset[str] = frozenset()

    @classmethod
    def of(cls, session: Session, *, user: User, scope: Scope) -> Actor:
        assert user.id is not None
        bodies = session.execute(select(_MEMBER.c.body_id).where(_MEMBER.c.user_id == user.id))
        return cls(
            user_id=user.id,
            role=UserRole(user.role),
            scope=scope,
            body_ids=frozenset(bodies.scalars()),
        )

    def may_see(self, finding: Finding) -> bool:
        """A finding's staff view: the yard in scope, or the finding is the actor's body's."""
        return self.scope.may_see_yard(YardPlace(finding)) or finding.body_id in self.body_ids


@dataclass(frozen=True)
class YardPlace:
    finding: Finding

    @property
    def id(self) -> int | None:
        return self.finding.yard_id

    @property
    def district_id(self) -> str:
        return self.finding.district_id

    @property
    def micro_district_id(self) -> str | None:
        return self.finding.micro_district_id


def allowed(actor: Actor, finding: Finding) -> frozenset[Action]:
    """The actions ``actor`` may take on ``finding`` in its present state."""
    state = FindingState(finding.state)
    if state not in OPEN_STATES:
        return frozenset()
    place = YardPlace(finding)
    is_admin = actor.role == UserRole.admin
    inspector = actor.role == UserRole.inspector and actor.scope.may_see_area(
        micro_district_id=finding.micro_district_id, district_id=finding.district_id
    )
    member = finding.body_id is not None and finding.body_id in actor.body_ids
    keeper = actor.role == UserRole.cooperative and place.id in actor.scope.yard_ids
    found: set[Action] = set()
    if is_admin or inspector:
        found |= {Action.reroute, Action.assign}
        if state == FindingState.open and finding.confirmed and finding.body_id is not None:
            found.add(Action.mark_sent)
    if is_admin or inspector or member:
        if state in (FindingState.open, FindingState.sent):
            found.add(Action.start_work)
        if state in ACTIVE_STATES:
            found.add(Action.report_fix)
    if member and state in ACTIVE_STATES:
        found.add(Action.not_ours)
    if keeper:
        if state in ACTIVE_STATES:
            found.add(Action.report_fix)
        found.add(Action.request_reaudit)
    if is_admin and state in ACTIVE_STATES:
        found.add(Action.not_ours)
    return frozenset(found)
