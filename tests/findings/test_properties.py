"""Invariants of the findings over random sequences of submissions (and reported fixes) for
one yard, through the intake."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, func, select

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.models import ACTIVE_STATES, Finding, FindingEvent, FindingState
from app.platform.config import Settings
from app.platform.db import Database
from tests.factories import create_user
from tests.findings.support import LIGHT, YardStory, admin_actor, own_bodies_only
from tests.findings_factories import new_body

ANSWERS = ("yes", "partly", "no")  # risk 0, 0.5, 1: "partly" and "no" fail at 0.5
STEP = st.one_of(
    st.tuples(st.sampled_from(("resident", "inspector", "cooperative")), st.sampled_from(ANSWERS)),
    st.just(("fix", "")),
)


@pytest.fixture(autouse=True)
def _own_bodies(session: Session) -> None:
    own_bodies_only(session)


@pytest.fixture(scope="module")
def admin_id(db: Database) -> int:
    user = create_user(db, role=UserRole.admin)
    assert user.id is not None
    return user.id


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_invariants(
    steps: list[tuple[str, str]],
    session: Session,
    registry: ChecklistRegistry,
    settings: Settings,
    admin_id: int,
) -> None:
    new_body(session, items=[LIGHT])
    story = YardStory(session, registry=registry, settings=settings)
    state: str | None = None
    events = 0
    for who, answer in steps:
        before = state
        if who == "fix":
            if state not in ACTIVE_STATES:
                continue
            actions.report_fix(
                session,
                actor=admin_actor(admin_id),
                finding_id=story.finding().id or 0,
                fixed_on=story.later().date(),
                note=None,
                now=story.later(),
            )
        else:
            story.send(who, {LIGHT: answer})
        found = story.findings()
        assert set(found) <= {LIGHT}
        if LIGHT not in found:
            assert who != "fix" and state is None
            continue
        finding = found[LIGHT]
        state = finding.state
        history = story.events()
        # No finding without its "opened" event, first.
        assert history[0].action == "opened" and history[0].from_state is None
        # Every change of state has its event, and the events chain from state to state.
        assert all(a.to_state == b.from_state for a, b in zip(history, history[1:], strict=False))
        assert history[-1].to_state == state
        if state != before:
            assert len(history) > events
        events = len(history)
        if state == FindingState.verified and before != FindingState.verified:
            # Verified only by an audit finding the item passing, or by residents after a fix.
            assert answer == "yes"
            assert who == "inspector" or (who == "resident" and before == FindingState.fix_reported)
            assert finding.verified_how == (
                "residents"
                if who == "resident"
                else "audit_after_fix"
                if before == FindingState.fix_reported
                else "audit_without_fix"
            )
        if state == FindingState.withdrawn:
            assert not finding.confirmed
    if story.yard_id is not None:
        per_item = session.exec(
            select(Finding.item_id, func.count())
            .where(Finding.yard_id == story.yard_id)
            .group_by(col(Finding.item_id))
        ).all()
        assert all(n == 1 for _, n in per_item)
        orphans = session.exec(
            select(func.count())
            .select_from(Finding)
            .where(
                Finding.yard_id == story.yard_id,
                ~select(FindingEvent.id)
                .where(FindingEvent.finding_id == Finding.id, FindingEvent.action == "opened")
                .exists(),
            )
        ).one()
        assert orphans == 0
