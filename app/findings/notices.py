"""The messages a finding's changes put in the outbox, in the transaction of the change.

- A confirmed finding open with a body whose channel is e-mail ("finding to its body"): when it
  is confirmed, reopened, routed, sent back as "not ours" or rerouted by hand. The key
  ``finding:{id}:to:{body}:{n}`` (``n``: the finding's history so far) makes a retried change
  enqueue it once and a later change enqueue it again. Bodies reached by eOtinish or phone get
  nothing by mail: staff file the finding and type the reference (``actions.mark_sent``).
- Re-audit reminders to the district's inspectors when a fix is reported (round 1) and when it
  is still not verified after some days (round 2, ``app.notifications.schedule``).

``mark_delivered`` is the sender's side: the finding reached its body, open -> sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from app.accounts.models import User, UserDistrict, UserMicroDistrict, UserRole
from app.bodies.models import Body, BodyChannel
from app.findings import chat_notices, summary
from app.findings.models import Finding, FindingEvent, FindingState
from app.findings.routing import Router
from app.outbox import service as outbox
from app.platform.db import table_of, utcnow

TO_BODY = "finding.to_body"
REAUDIT = "finding.reaudit"

_FINDING = table_of(Finding)
_EVENT = table_of(FindingEvent)
_BODY = table_of(Body)
_USER = table_of(User)

# The history entries after which a finding may be due to go to its body.
_ROUTING_ACTIONS = frozenset({"opened", "confirmed", "reopened", "routed", "not_ours", "reroute"})


def after_events(session: Session, *, events: Iterable[Mapping[str, Any]]) -> int:
    """Enqueue "finding to its body" for the findings these just-written history entries
    leave confirmed, open and with an e-mail body; returns how many were enqueued."""
    # A finding opened without a body (none answers for its item yet) goes nowhere: no query.
    ids = sorted(
        {
            e["finding_id"]
            for e in events
            if e["action"] in _ROUTING_ACTIONS
            and not (e["action"] == "opened" and e.get("body_id", "") is None)
        }
    )
    if not ids:
        return 0
    connection = session.connection()
    # The finding's state is filtered here, not in SQL: with it in the WHERE, SQLite read
    # the findings through the state index (every confirmed open finding of the city, ~10 ms
    # at 40,000) instead of by primary key.
    due = [
        row
        for row in connection.execute(
            select(_FINDING.c.id, _FINDING.c.body_id, _FINDING.c.confirmed, _FINDING.c.state)
            .join(_BODY, _BODY.c.id == _FINDING.c.body_id)
            .where(
                _FINDING.c.id.in_(ids),
                _BODY.c.channel == BodyChannel.email.value,
                _BODY.c.active.is_(True),
            )
        )
        if row.confirmed and row.state == FindingState.open.value
    ]
    if not due:
        return 0
    history: dict[int, int] = dict(
        connection.execute(
            select(_EVENT.c.finding_id, func.count())
            .where(_EVENT.c.finding_id.in_([row.id for row in due]))
            .group_by(_EVENT.c.finding_id)
        ).all()
    )
    made = 0
    for row in due:
        made += outbox.enqueue(
            session,
            kind=TO_BODY,
            payload={"finding_id": row.id, "body_id": row.body_id},
            dedupe_key=f"finding:{row.id}:to:{row.body_id}:{history.get(row.id, 0)}",
        )
    return made


def after_change(session: Session, *, finding: Finding, action: str) -> None:
    """What a person's change of a finding (``app.findings.actions``) puts in the outbox."""
    if action in _ROUTING_ACTIONS:
        after_events(session, events=[{"finding_id": finding.id, "action": action}])
    elif action == "report_fix":
        remind_reaudit(session, finding=finding, round_no=1)
    # The chats following it (a resident's report) hear of its new state. The intake's sync
    # needs no such call: only reports are followed, and the sync never moves a report.
    assert finding.id is not None
    chat_notices.after_change(session, finding_ids=[finding.id])


def inspectors_of(
    session: Session, *, district_id: str, micro_district_id: str | None
) -> list[int]:
    """The active inspectors of a district or of the area (city-wide ones when it has none)."""
    by_district, by_area = table_of(UserDistrict).c, table_of(UserMicroDistrict).c
    linked: Any = select(by_district.user_id).where(by_district.district_id == district_id)
    if micro_district_id is not None:
        linked = linked.union(
            select(by_area.user_id).where(by_area.micro_district_id == micro_district_id)
        )
    active = (_USER.c.role == UserRole.inspector.value, _USER.c.active.is_(True))
    ids = session.execute(select(_USER.c.id).where(_USER.c.id.in_(linked), *active)).scalars()
    found = sorted(ids)
    if not found:
        city = select(_USER.c.id).where(_USER.c.city_wide.is_(True), *active)
        found = sorted(session.execute(city).scalars())
    return found


def remind_reaudit(session: Session, *, finding: Finding, round_no: int) -> int:
    """Enqueue a re-audit reminder for a reported fix to each of the district's inspectors
    (once per fix, inspector and round); returns how many were enqueued."""
    if finding.fix_reported_at is None:
        return 0
    fix = finding.fix_reported_at.strftime("%Y%m%dT%H%M%S")
    made = 0
    for user_id in inspectors_of(
        session, district_id=finding.district_id, micro_district_id=finding.micro_district_id
    ):
        made += outbox.enqueue(
            session,
            kind=REAUDIT,
            payload={"finding_id": finding.id, "user_id": user_id, "round": round_no},
            dedupe_key=f"finding:{finding.id}:reaudit:{fix}:{user_id}:{round_no}",
        )
    return made


def unverified_fixes(session: Session, *, reported_before: datetime) -> list[Finding]:
    """Fixes reported before ``reported_before`` and still awaiting verification."""
    return list(
        session.execute(
            select(Finding).where(
                Finding.state == FindingState.fix_reported,  # type: ignore[arg-type]
                Finding.fix_reported_at < reported_before,  # type: ignore[operator, arg-type]
            )
        ).scalars()
    )


def delivery_deadline(
    session: Session, *, finding: Finding, now: datetime, default_days: int
) -> datetime | None:
    """When the body must have fixed it if it receives it ``now``."""
    if finding.body_id is None:
        return None
    router = Router.for_yard(
        session,
        yard_id=finding.yard_id,
        district_id=finding.district_id,
        default_deadline_days=default_days,
    )
    return now + timedelta(days=router.deadline_days(finding.body_id, finding.item_id))


def is_deliverable(finding: Finding | None, *, body_id: str) -> bool:
    """Still confirmed, open and with the body the message was enqueued for."""
    return (
        finding is not None
        and finding.confirmed
        and finding.state == FindingState.open
        and finding.body_id == body_id
    )


def mark_delivered(
    session: Session,
    *,
    finding_id: int,
    body_id: str,
    message_id: str,
    default_days: int,
    deadline: datetime | None = None,
    now: datetime | None = None,
) -> bool:
    """The finding's message reached its body: open -> sent, the deadline the message named
    (else counted from now), and a history entry (actor "system", the Message-ID). False if
    it has moved on meanwhile."""
    now = now or utcnow()
    finding = session.get(Finding, finding_id)
    if finding is None or not is_deliverable(finding, body_id=body_id):
        return False
    if deadline is None:
        deadline = delivery_deadline(session, finding=finding, now=now, default_days=default_days)
    connection = session.connection()
    moved = connection.execute(
        update(_FINDING)
        .where(
            _FINDING.c.id == finding_id,
            _FINDING.c.state == FindingState.open.value,
            _FINDING.c.body_id == body_id,
        )
        .values(state=FindingState.sent.value, sent_at=now, deadline_at=deadline, updated_at=now)
    )
    if not moved.rowcount:
        return False
    connection.execute(
        insert(_EVENT).values(
            finding_id=finding_id,
            at=now,
            from_state=FindingState.open.value,
            to_state=FindingState.sent.value,
            actor_user_id=None,
            actor="system",
            action="sent",
            reason=None,
            body_id=body_id,
            details={"message_id": message_id, "channel": BodyChannel.email.value},
        )
    )
    chat_notices.after_change(session, finding_ids=[finding_id])
    summary.refresh(connection, yard_ids=[finding.yard_id])  # the deadline moved
    session.expire(finding)
    return True
