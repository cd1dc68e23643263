"""What the findings put in the outbox, in the transaction of the change: a confirmed finding
to its e-mail body (once per change, again after a reopen, "not ours" or a reroute), re-audit
reminders to the district's inspectors, and the digests of each scheduled moment once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.accounts.scope import Scope
from app.bodies.models import Body, BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import actions, notices
from app.findings.permissions import Actor
from app.notifications import schedule
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.db import Database
from tests.factories import create_user
from tests.findings.support import FAIL, LIGHT, PASS, YardStory, admin_actor, own_bodies_only
from tests.findings_factories import new_body


@pytest.fixture(autouse=True)
def _own_bodies(session: Session) -> None:
    own_bodies_only(session)


@pytest.fixture(scope="module")
def users(db: Database) -> dict[str, int]:
    admin = create_user(db, role=UserRole.admin)
    official = create_user(db, role=UserRole.official)
    almaly = create_user(
        db, role=UserRole.inspector, links=accounts_service.Links(["almaly"], [], [])
    )
    return {"admin": admin.id or 0, "official": official.id or 0, "inspector": almaly.id or 0}


def messages(session: Session, prefix: str) -> list[OutboxMessage]:
    return list(
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.dedupe_key.startswith(prefix))  # type: ignore[attr-defined]
            .order_by(OutboxMessage.id)  # type: ignore[arg-type]
        ).scalars()
    )


def story_of(session: Session, registry: ChecklistRegistry, settings: Settings) -> YardStory:
    return YardStory(session, registry=registry, settings=settings)


class TestToItsBody:
    def test_only_once_confirmed_and_once_per_change(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        body = new_body(session, items=[LIGHT])
        story = story_of(session, registry, settings)
        story.send("resident", FAIL)
        finding = story.finding()
        assert not finding.confirmed and finding.body_id == body.id
        assert messages(session, f"finding:{finding.id}:") == []
        story.send("resident", FAIL)  # two residents: confirmed
        assert story.finding().confirmed
        (row,) = messages(session, f"finding:{finding.id}:")
        assert row.kind == notices.TO_BODY
        assert row.payload == {"finding_id": finding.id, "body_id": body.id}
        # The same change seen again (a retry) enqueues nothing new.
        events = [{"finding_id": finding.id, "action": "confirmed"}]
        assert notices.after_events(session, events=events) == 0
        assert len(messages(session, f"finding:{finding.id}:")) == 1

    def test_again_after_a_reopen(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        new_body(session, items=[LIGHT])
        story = story_of(session, registry, settings)
        story.send("inspector", FAIL)
        story.send("inspector", PASS)  # verified by an audit
        story.send("inspector", FAIL)  # reopened
        assert story.actions() == ["opened", "verified", "reopened"]
        keys = [m.dedupe_key for m in messages(session, f"finding:{story.finding().id}:")]
        assert len(keys) == 2 and keys[0] != keys[1]

    def test_not_ours_and_reroute_go_to_the_new_body(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        users: dict[str, int],
    ) -> None:
        first = new_body(session, items=[LIGHT])
        akimat = new_body(session, kind=BodyKind.akimat)
        utility = new_body(session, kind=BodyKind.utility)
        story = story_of(session, registry, settings)
        story.send("inspector", FAIL)
        finding_id = story.finding().id or 0
        admin = admin_actor(users["admin"])
        actions.not_ours(
            session,
            actor=admin,
            finding_id=finding_id,
            reason="Not ours",
            default_deadline_days=30,
            now=story.later(),
        )
        actions.reroute(
            session,
            actor=admin,
            finding_id=finding_id,
            body_id=utility.id,
            reason="Lamps are the utility's",
            default_deadline_days=30,
            now=story.later(2),
        )
        bodies = [m.payload["body_id"] for m in messages(session, f"finding:{finding_id}:to:")]
        assert bodies == [first.id, akimat.id, utility.id]

    def test_an_eotinish_body_gets_nothing(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        new_body(session, items=[LIGHT], channel="eotinish")
        story = story_of(session, registry, settings)
        story.send("inspector", FAIL)
        assert messages(session, f"finding:{story.finding().id}:") == []


class TestReauditReminders:
    def test_when_a_fix_is_reported_and_again_after_days(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        users: dict[str, int],
    ) -> None:
        body = new_body(session, items=[LIGHT], channel="eotinish")
        story = story_of(session, registry, settings)
        story.send("inspector", FAIL)
        finding_id = story.finding().id or 0
        official = Actor(
            user_id=users["official"],
            role=UserRole.official,
            scope=Scope(UserRole.official),
            body_ids=frozenset({body.id}),
        )
        actions.start_work(session, actor=official, finding_id=finding_id, now=story.later(1))
        actions.report_fix(
            session,
            actor=official,
            finding_id=finding_id,
            fixed_on=story.later().date(),
            note=None,
            now=story.later(2),
        )
        first = messages(session, f"finding:{finding_id}:reaudit:")
        assert users["inspector"] in {m.payload["user_id"] for m in first}
        assert {m.payload["round"] for m in first} == {1}
        now = story.later(2) + timedelta(days=settings.reaudit_reminder_days, minutes=1)
        schedule.enqueue_second_reminders(session, settings=settings, now=now)
        schedule.enqueue_second_reminders(session, settings=settings, now=now)  # once
        rounds = [m.payload["round"] for m in messages(session, f"finding:{finding_id}:reaudit:")]
        assert rounds.count(2) == rounds.count(1) == len(first)


class TestDigests:
    @pytest.mark.parametrize(
        ("schedule_text", "now", "latest", "previous"),
        [
            # 2026-12-07 is a Monday; 09:00 in Almaty is 04:00 UTC.
            ("mon 09", "2026-12-07T04:00Z", "2026-12-07T09:00", "2026-11-30T09:00"),
            ("mon 09", "2026-12-07T03:59Z", "2026-11-30T09:00", "2026-11-23T09:00"),
            ("mon,thu 8", "2026-12-11T12:00Z", "2026-12-10T08:00", "2026-12-07T08:00"),
            ("daily 23", "2026-12-07T17:30Z", "2026-12-06T23:00", "2026-12-05T23:00"),
        ],
    )
    def test_the_slots(self, schedule_text: str, now: str, latest: str, previous: str) -> None:
        moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
        found = schedule.slots(schedule_text, moment)
        assert found is not None
        assert [s.strftime("%Y-%m-%dT%H:%M") for s in found] == [latest, previous]
        assert all(s.utcoffset() == timedelta(hours=5) for s in found)

    def test_off(self) -> None:
        assert schedule.slots("off", datetime.now(UTC)) is None

    def test_once_per_recipient_and_moment(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        users: dict[str, int],
    ) -> None:
        body: Body = new_body(session, items=[LIGHT])
        story = story_of(session, registry, settings)
        story.send("inspector", FAIL)
        settings = settings.model_copy(update={"digest_schedule": "daily 9"})
        now = story.now + timedelta(days=1)  # the day's 09:00 after the audit is past
        made = schedule.enqueue_digests(session, settings=settings, now=now)
        assert made >= 2
        assert schedule.enqueue_digests(session, settings=settings, now=now) == 0
        (mine,) = messages(session, f"digest:body:{body.id}:")
        assert mine.kind == "digest.body"
        inspector = messages(session, f"digest:inspector:{users['inspector']}:")
        assert len(inspector) == 1
        assert story.finding().id in inspector[0].payload["new"]
        # Not yet sent to the body: nothing for it (enqueued all the same, so no later pass
        # computes it again; the sender records it as not sent).
        assert mine.payload["counts"] == {"new": 0, "overdue": 0, "awaiting": 0}
        later = schedule.enqueue_digests(session, settings=settings, now=now + timedelta(days=40))
        assert later >= 2
        (_, overdue) = messages(session, f"digest:inspector:{users['inspector']}:")
        assert story.finding().id in overdue.payload["overdue"]
