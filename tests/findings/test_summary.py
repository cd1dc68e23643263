"""Each yard's summary row (``app.findings.summary``, table ``yard_findings``) stays exact:
after every submission and every action of a yard's story, its row equals the one computed
here in Python from its findings, and equals what ``summary.rebuild_all`` makes afresh."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col
from sqlmodel import select as select_models

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import actions, summary, unrouted
from app.findings.models import ACTIVE_STATES, OPEN_STATES, Finding, FindingState, YardFindings
from app.findings.permissions import Actor
from app.platform.config import Settings
from app.platform.db import Database, table_of
from tests.factories import create_user
from tests.findings.support import (
    DOORS,
    FAIL,
    LIGHT,
    PASS,
    YardStory,
    admin_actor,
    own_bodies_only,
)
from tests.findings_factories import new_body

_SUMMARY = table_of(YardFindings)
_FIELDS = [c.name for c in _SUMMARY.columns]
BOTH = {LIGHT: "no", DOORS: "none"}
ACTIVE = {s.value for s in ACTIVE_STATES}
OPEN = {s.value for s in OPEN_STATES}


def expected_row(findings: list[Finding]) -> dict[str, Any] | None:
    """A yard's summary row as its findings say (None: nothing left to act on)."""
    still_open = [f for f in findings if f.state in OPEN]
    if not still_open:
        return None
    owed = [f for f in still_open if f.confirmed and f.state in ACTIVE]
    deadlines = [f.deadline_at for f in owed if f.deadline_at is not None]
    reaudits = [f.reaudit_requested_at for f in still_open if f.reaudit_requested_at]
    assigned = [f.assigned_user_id for f in still_open if f.assigned_user_id is not None]
    return {
        "yard_id": still_open[0].yard_id,
        "district_id": still_open[0].district_id,
        "micro_district_id": still_open[0].micro_district_id,
        "active": len(owed),
        "unconfirmed": sum(1 for f in still_open if not f.confirmed and f.state in ACTIVE),
        "awaiting": sum(1 for f in still_open if f.state == FindingState.fix_reported),
        "next_deadline": min(deadlines, default=None),
        "reaudit_requested_at": max(reaudits, default=None),
        "top_risk": max((f.risk for f in owed), default=None),
        "assigned_user_id": max(assigned, default=None),
    }


def stored_rows(session: Session, yard_ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = session.execute(select(_SUMMARY).where(_SUMMARY.c.yard_id.in_(yard_ids))).all()
    return {r.yard_id: {name: getattr(r, name) for name in _FIELDS} for r in rows}


def check(session: Session, stories: list[YardStory]) -> dict[int, dict[str, Any]]:
    """Every story's yard: its stored row equals the expected one. Returns the rows."""
    session.flush()
    session.expire_all()
    yard_ids = [s.yard_id for s in stories if s.yard_id is not None]
    stored = stored_rows(session, yard_ids)
    for yard_id in yard_ids:
        findings = list(
            session.exec(select_models(Finding).where(col(Finding.yard_id) == yard_id)).all()
        )
        assert stored.get(yard_id) == expected_row(findings), yard_id
    return stored


@pytest.fixture(autouse=True)
def _own_bodies(session: Session) -> None:
    own_bodies_only(session)


@pytest.fixture(scope="module")
def users(db: Database) -> dict[str, int]:
    admin = create_user(db, role=UserRole.admin)
    first = create_user(
        db, role=UserRole.inspector, links=accounts_service.Links(["almaly"], [], [])
    )
    second = create_user(
        db, role=UserRole.inspector, links=accounts_service.Links(["almaly"], [], [])
    )
    assert admin.id and first.id and second.id
    return {"admin": admin.id, "first": first.id, "second": second.id}


def _story(session: Session, registry: ChecklistRegistry, settings: Settings) -> YardStory:
    return YardStory(session, registry=registry, settings=settings)


class TestSummaryStaysExact:
    def test_through_submissions_and_every_action(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        users: dict[str, int],
    ) -> None:
        days = settings.finding_deadline_days
        admin = admin_actor(users["admin"])
        # No body yet: findings open without one (and without a deadline).
        audited, residents, passing = (_story(session, registry, settings) for _ in range(3))
        audited.send("inspector", BOTH)
        residents.send("resident", FAIL)
        passing.send("resident", FAIL)
        stories = [audited, residents, passing]
        rows = check(session, stories)
        assert rows[audited.yard_id or 0]["active"] >= 2
        assert rows[audited.yard_id or 0]["next_deadline"] is None
        assert rows[residents.yard_id or 0]["unconfirmed"] >= 1
        # The bodies arrive: routed, with deadlines for the confirmed.
        housing = new_body(session, items=[LIGHT, DOORS], deadline_days=14)
        new_body(session, kind=BodyKind.akimat)
        utility = new_body(session, kind=BodyKind.utility, items=[LIGHT], deadline_days=9)
        unrouted.route_unrouted(session, settings=settings, now=audited.later(1))
        rows = check(session, stories)
        assert rows[audited.yard_id or 0]["next_deadline"] is not None
        light, doors = audited.finding(LIGHT), audited.finding(DOORS)
        assert light.body_id == housing.id
        # Sent, worked on, refused, rerouted, assigned to two inspectors, fixed.
        actions.mark_sent(
            session,
            actor=admin,
            finding_id=light.id or 0,
            reference="ЖТ-1",
            default_deadline_days=days,
            now=audited.later(2),
        )
        check(session, stories)
        actions.start_work(session, actor=admin, finding_id=light.id or 0, now=audited.later(3))
        check(session, stories)
        actions.not_ours(
            session,
            actor=admin,
            finding_id=light.id or 0,
            reason="not ours",
            default_deadline_days=days,
            now=audited.later(4),
        )
        check(session, stories)
        actions.reroute(
            session,
            actor=admin,
            finding_id=light.id or 0,
            body_id=utility.id,
            reason="the lamps are the utility's",
            default_deadline_days=days,
            now=audited.later(5),
        )
        check(session, stories)
        for item, who in ((LIGHT, "first"), (DOORS, "second")):
            assignee = session.get(User, users[who])
            actions.assign(
                session,
                actor=admin,
                finding_id=audited.finding(item).id or 0,
                assignee=assignee,
                now=audited.later(6),
            )
            check(session, stories)
        assert rows_of(session, audited)["assigned_user_id"] == max(users["first"], users["second"])
        actions.report_fix(
            session,
            actor=admin,
            finding_id=doors.id or 0,
            fixed_on=audited.later().date(),
            note="new doors",
            now=audited.later(7),
        )
        rows = check(session, stories)
        assert rows[audited.yard_id or 0]["awaiting"] == 1
        keeper = Actor(
            user_id=users["admin"],
            role=UserRole.cooperative,
            scope=Scope(UserRole.cooperative, yard_ids=frozenset({audited.yard_id or 0})),
        )
        actions.request_reaudit(
            session, actor=keeper, yard_id=audited.yard_id or 0, now=audited.later(8)
        )
        rows = check(session, stories)
        assert rows[audited.yard_id or 0]["reaudit_requested_at"] is not None
        # Later submissions: a second resident confirms; the audit finds the fix done;
        # the third yard's items pass again (its unconfirmed findings are withdrawn).
        residents.send("resident", FAIL)
        check(session, stories)
        audited.send("inspector", PASS)
        check(session, stories)
        passing.send("inspector", PASS)
        rows = check(session, stories)
        assert passing.yard_id not in rows  # withdrawn: nothing left to act on
        # The daily refresh, a while later: nothing changes but what the findings say.
        audited.recompute(now=audited.later(60 * 24 * 40))
        check(session, stories)

    def test_equals_a_rebuild(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        new_body(session, items=[LIGHT, DOORS], deadline_days=14)
        stories = [_story(session, registry, settings) for _ in range(4)]
        for story, (role, answers) in zip(
            stories,
            [("inspector", BOTH), ("resident", FAIL), ("inspector", FAIL), ("resident", BOTH)],
            strict=True,
        ):
            story.send(role, answers)
        stories[2].send("inspector", PASS)
        yard_ids = [s.yard_id or 0 for s in stories]
        kept = check(session, stories)
        summary.rebuild_all(session.connection())
        session.expire_all()
        assert stored_rows(session, yard_ids) == kept


def rows_of(session: Session, story: YardStory) -> dict[str, Any]:
    return stored_rows(session, [story.yard_id or 0])[story.yard_id or 0]


def test_a_later_deadline_passing_changes_nothing_stored(
    session: Session, registry: ChecklistRegistry, settings: Settings
) -> None:
    """Overdue is read against the time of the query: the row keeps the deadline itself."""
    new_body(session, items=[LIGHT], deadline_days=1)
    story = _story(session, registry, settings)
    story.send("inspector", FAIL)
    row = check(session, [story])[story.yard_id or 0]
    assert row["next_deadline"] is not None
    assert row["next_deadline"] - story.now <= timedelta(days=1, minutes=1)
