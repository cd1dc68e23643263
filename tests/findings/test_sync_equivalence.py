"""The intake's sync keeps what it did before it was made cheaper (issue 17): the yard's
summary row, counted from the rows the sync holds, equals a full re-aggregation
(``summary.rebuild_all``) after every step of random stories, other kinds of finding
included; every finding keeps its whole history, chained from "opened" to its state; and a
confirmed finding open with an e-mail body still has its message in the outbox."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlmodel import Session, col
from sqlmodel import select as select_models

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.findings import actions, notices, summary
from app.findings.models import ACTIVE_STATES, Finding, FindingEvent, FindingState, YardFindings
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.db import Database, table_of
from app.yards.models import Yard
from tests.factories import create_user
from tests.findings.support import DOORS, LIGHT, YardStory, admin_actor, own_bodies_only
from tests.findings_factories import new_body

_SUMMARY = table_of(YardFindings)
_FINDING = table_of(Finding)
ANSWERS = {LIGHT: ("yes", "partly", "no"), DOORS: ("all", "some", "none")}


@pytest.fixture(scope="module")
def admin_id(db: Database) -> int:
    user = create_user(db, role=UserRole.admin)
    assert user.id is not None
    return user.id


def summary_rows(session: Session, yard_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    rows = session.execute(select(_SUMMARY).where(_SUMMARY.c.yard_id.in_(yard_ids))).all()
    return {r.yard_id: tuple(r) for r in rows}


def assert_summary_is_aggregate(session: Session, yard_ids: list[int]) -> None:
    """The stored rows equal what ``rebuild_all`` aggregates afresh (in a rolled-back
    savepoint, so the stored ones are what the next step builds on)."""
    session.flush()
    stored = summary_rows(session, yard_ids)
    nested = session.begin_nested()
    summary.rebuild_all(session.connection())
    rebuilt = summary_rows(session, yard_ids)
    nested.rollback()
    assert stored == rebuilt


def add_report_finding(session: Session, story: YardStory, rng: random.Random) -> None:
    """A finding of another kind (a resident's own report), as its writer stores it: the
    sync must count it in the yard's summary though it never changes it."""
    yard = session.get(Yard, story.yard_id)
    assert yard is not None
    session.connection().execute(
        insert(_FINDING).values(
            yard_id=yard.id,
            item_id=f"report-{rng.getrandbits(32)}",
            kind="report",
            district_id=yard.district_id,
            micro_district_id=yard.micro_district_id,
            state=rng.choice([FindingState.open.value, FindingState.fix_reported.value]),
            confirmed=rng.random() < 0.5,
            risk=rng.random(),
            basis="residents_median",
            checklist_version="",
            opened_at=story.later(),
            updated_at=story.later(),
            reaudit_requested_at=story.later() if rng.random() < 0.3 else None,
            refused_by=[],
        )
    )
    summary.refresh(session.connection(), yard_ids=[yard.id or 0])


def assert_histories(session: Session, yard_ids: list[int]) -> None:
    """Every finding's history starts with its one opening and chains to its state; a
    confirmed one has the entry it was confirmed at."""
    session.expire_all()
    findings = session.exec(
        select_models(Finding).where(
            col(Finding.yard_id).in_(yard_ids), col(Finding.kind) == "checklist"
        )
    ).all()
    for finding in findings:
        history = session.exec(
            select_models(FindingEvent)
            .where(FindingEvent.finding_id == finding.id)
            .order_by(col(FindingEvent.id))
        ).all()
        assert history, finding.item_id
        assert history[0].action == "opened" and history[0].from_state is None
        assert [e.action for e in history].count("opened") == 1
        assert all(a.to_state == b.from_state for a, b in zip(history, history[1:], strict=False))
        assert history[-1].to_state == finding.state
        if finding.confirmed:
            assert finding.confirmed_at in {
                e.at for e in history if e.action in ("opened", "reopened", "confirmed")
            }


def assert_messages(session: Session, yard_ids: list[int], body_id: str) -> None:
    """A confirmed finding open with the e-mail body has its message (the sync asks the
    outbox only for these)."""
    due = session.exec(
        select_models(Finding.id).where(
            col(Finding.yard_id).in_(yard_ids),
            col(Finding.confirmed).is_(True),
            col(Finding.state) == FindingState.open,
            col(Finding.body_id) == body_id,
        )
    ).all()
    messages = session.exec(
        select_models(OutboxMessage).where(OutboxMessage.kind == notices.TO_BODY)
    ).all()
    sent_for = {m.payload["finding_id"] for m in messages if m.payload["body_id"] == body_id}
    assert set(due) <= sent_for


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_stories_keep_summary_history_and_messages(
    seed: int,
    session: Session,
    registry: ChecklistRegistry,
    settings: Settings,
    admin_id: int,
) -> None:
    own_bodies_only(session)
    body = new_body(session, items=[LIGHT, DOORS], channel="email", deadline_days=10)
    rng = random.Random(seed)
    stories = [YardStory(session, registry=registry, settings=settings) for _ in range(3)]
    for story in stories:  # every yard exists before the random steps
        story.send("resident", {LIGHT: "no", DOORS: "none"})
    for _ in range(40):
        story = rng.choice(stories)
        roll = rng.random()
        if roll < 0.08:
            add_report_finding(session, story, rng)
        elif roll < 0.16:
            owed = [f for f in story.findings().values() if f.state in ACTIVE_STATES]
            if owed and owed[0].confirmed:
                actions.report_fix(
                    session,
                    actor=admin_actor(admin_id),
                    finding_id=owed[0].id or 0,
                    fixed_on=story.later().date(),
                    note=None,
                    now=story.later(),
                )
        elif roll < 0.2:
            story.recompute(now=story.later())
        else:
            role = "inspector" if rng.random() < 0.2 else "resident"
            answers = {item: rng.choice(options) for item, options in ANSWERS.items()}
            story.send(role, answers)
        yard_ids = [s.yard_id for s in stories if s.yard_id is not None]
        assert_summary_is_aggregate(session, yard_ids)
    yard_ids = [s.yard_id for s in stories if s.yard_id is not None]
    assert_histories(session, yard_ids)
    assert_messages(session, yard_ids, body.id)


def test_row_of_equals_the_aggregate_for_random_findings(
    session: Session, registry: ChecklistRegistry, settings: Settings
) -> None:
    """``summary.row_of`` over random findings of every state equals the database's
    aggregation of the same rows (NULL deadlines, risks and assignees included)."""
    story = YardStory(session, registry=registry, settings=settings)
    story.send("resident", {LIGHT: "yes"})
    rng = random.Random(7)
    states = [s.value for s in FindingState]
    for _ in range(25):
        add_report_finding(session, story, rng)
        ids = session.connection().execute(
            select(_FINDING.c.id).where(_FINDING.c.yard_id == story.yard_id)
        )
        for finding_id in list(ids.scalars()):
            deadline = story.later(rng.randrange(1, 900)) if rng.random() < 0.7 else None
            session.connection().execute(
                _FINDING.update()
                .where(_FINDING.c.id == finding_id)
                .values(
                    state=rng.choice(states), confirmed=rng.random() < 0.6, deadline_at=deadline
                )
            )
        rows = session.connection().execute(
            select(*(_FINDING.c[name] for name in summary.COLUMNS_READ)).where(
                _FINDING.c.yard_id == story.yard_id
            )
        )
        row = summary.row_of(story.yard_id or 0, [dict(r) for r in rows.mappings()])
        summary.write(session.connection(), yard_id=story.yard_id or 0, row=row)
        assert_summary_is_aggregate(session, [story.yard_id or 0])
