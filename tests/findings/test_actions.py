"""What people do to a finding (``app.findings.actions``): each change checked, each with its
event, each refused when the actor may not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import Body, BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.models import FindingState
from app.findings.permissions import Actor
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.errors import Invalid, NotFound, NotPermitted
from tests.factories import create_user
from tests.findings.support import FAIL, LIGHT, YardStory, admin_actor, own_bodies_only
from tests.findings_factories import add_member, new_body


@pytest.fixture(autouse=True)
def _own_bodies(session: Session) -> None:
    own_bodies_only(session)


@pytest.fixture(scope="module")
def users(db: Database) -> dict[str, int]:
    found = {}
    for role in (UserRole.admin, UserRole.official, UserRole.inspector):
        user = create_user(db, role=role)
        assert user.id is not None
        found[role.value] = user.id
    almaly = create_user(
        db, role=UserRole.inspector, links=accounts_service.Links(["almaly"], [], [])
    )
    assert almaly.id is not None
    found["almaly_inspector"] = almaly.id
    return found


@pytest.fixture
def bodies(session: Session) -> dict[str, Body]:
    return {
        "housing": new_body(session, items=[LIGHT], deadline_days=14, channel="eotinish"),
        "utility": new_body(session, kind=BodyKind.utility, items=[LIGHT], deadline_days=9),
        "akimat": new_body(session, kind=BodyKind.akimat),
        "medeu": new_body(session, district="medeu", kind=BodyKind.akimat),
    }


@pytest.fixture
def story(
    session: Session, registry: ChecklistRegistry, settings: Settings, bodies: dict[str, Body]
) -> YardStory:
    story = YardStory(session, registry=registry, settings=settings)
    story.send("inspector", FAIL)
    return story


def official(users: dict[str, int], body: Body) -> Actor:
    return Actor(
        user_id=users["official"],
        role=UserRole.official,
        scope=Scope(UserRole.official),
        body_ids=frozenset({body.id}),
    )


class TestMarkSent:
    def test_sent_with_the_reference_and_a_deadline_from_now(
        self, story: YardStory, users: dict[str, int]
    ) -> None:
        finding = story.finding()
        now = story.later()
        sent = actions.mark_sent(
            story.session,
            actor=admin_actor(users["admin"]),
            finding_id=finding.id or 0,
            reference=" ЖТ-12345 ",
            default_deadline_days=30,
            now=now,
        )
        assert (sent.state, sent.reference, sent.sent_at) == (FindingState.sent, "ЖТ-12345", now)
        assert sent.deadline_at == now + timedelta(days=14)
        event = story.events()[-1]
        assert (event.action, event.from_state, event.to_state) == ("mark_sent", "open", "sent")
        assert event.actor_user_id == users["admin"] and event.actor == "admin"

    def test_a_reference_is_required(self, story: YardStory, users: dict[str, int]) -> None:
        with pytest.raises(Invalid):
            actions.mark_sent(
                story.session,
                actor=admin_actor(users["admin"]),
                finding_id=story.finding().id or 0,
                reference="  ",
                default_deadline_days=30,
            )

    def test_an_unconfirmed_finding_is_not_sent(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        bodies: dict[str, Body],
        users: dict[str, int],
    ) -> None:
        lone = YardStory(session, registry=registry, settings=settings)
        lone.send("resident", FAIL)
        with pytest.raises(NotPermitted):
            actions.mark_sent(
                session,
                actor=admin_actor(users["admin"]),
                finding_id=lone.finding().id or 0,
                reference="1",
                default_deadline_days=30,
            )


class TestTheBodysSteps:
    def test_work_then_fix(
        self, story: YardStory, users: dict[str, int], bodies: dict[str, Body]
    ) -> None:
        actor = official(users, bodies["housing"])
        finding_id = story.finding().id or 0
        actions.start_work(story.session, actor=actor, finding_id=finding_id, now=story.later(1))
        with pytest.raises(Invalid):
            actions.report_fix(
                story.session,
                actor=actor,
                finding_id=finding_id,
                fixed_on=story.later().date() + timedelta(days=2),
                note=None,
                now=story.later(2),
            )
        fixed = actions.report_fix(
            story.session,
            actor=actor,
            finding_id=finding_id,
            fixed_on=story.later().date(),
            note="Две лампы заменены",
            photo="after.jpg",
            now=story.later(2),
        )
        assert fixed.state == FindingState.fix_reported
        assert (fixed.fix_note, fixed.fix_photo) == ("Две лампы заменены", "after.jpg")
        assert story.actions() == ["opened", "start_work", "report_fix"]
        assert story.events()[-1].details == {"photo": True}

    def test_another_bodys_official_sees_nothing(
        self, story: YardStory, users: dict[str, int], bodies: dict[str, Body]
    ) -> None:
        with pytest.raises(NotFound):
            actions.start_work(
                story.session,
                actor=official(users, bodies["utility"]),
                finding_id=story.finding().id or 0,
            )


class TestNotOursAndReroute:
    def test_not_ours_goes_to_the_next_body_and_keeps_the_refusal(
        self, story: YardStory, users: dict[str, int], bodies: dict[str, Body]
    ) -> None:
        first = story.finding().body_id
        assert first in (bodies["housing"].id, bodies["utility"].id)
        actor = official(
            users, bodies["housing"] if first == bodies["housing"].id else bodies["utility"]
        )
        now = story.later()
        moved = actions.not_ours(
            story.session,
            actor=actor,
            finding_id=story.finding().id or 0,
            reason="Not our lamps",
            default_deadline_days=30,
            now=now,
        )
        second = {bodies["housing"].id, bodies["utility"].id} - {first}
        assert moved.body_id in second and moved.refused_by == [first]
        assert moved.state == FindingState.open and moved.reference is None
        assert moved.deadline_at is not None and moved.deadline_at > now
        event = story.events()[-1]
        assert (event.action, event.reason, event.details) == (
            "not_ours",
            "Not our lamps",
            {"refused": first},
        )
        # The next refusal leaves the district akimat; it never goes back.
        actions.not_ours(
            story.session,
            actor=admin_actor(users["admin"]),
            finding_id=moved.id or 0,
            reason="Not ours either",
            default_deadline_days=30,
            now=now,
        )
        last = story.finding()
        assert last.body_id == bodies["akimat"].id
        assert sorted(last.refused_by) == sorted([first, *second])

    def test_a_reason_is_required(self, story: YardStory, users: dict[str, int]) -> None:
        with pytest.raises(Invalid):
            actions.not_ours(
                story.session,
                actor=admin_actor(users["admin"]),
                finding_id=story.finding().id or 0,
                reason="",
                default_deadline_days=30,
            )

    def test_reroute_by_hand_within_the_district(
        self, story: YardStory, users: dict[str, int], bodies: dict[str, Body]
    ) -> None:
        admin = admin_actor(users["admin"])
        finding_id = story.finding().id or 0
        with pytest.raises(Invalid):
            actions.reroute(
                story.session,
                actor=admin,
                finding_id=finding_id,
                body_id=bodies["medeu"].id,
                reason="x",
                default_deadline_days=30,
            )
        now = story.later()
        moved = actions.reroute(
            story.session,
            actor=admin,
            finding_id=finding_id,
            body_id=bodies["akimat"].id,
            reason="The akimat decides",
            default_deadline_days=30,
            now=now,
        )
        assert moved.body_id == bodies["akimat"].id
        assert moved.deadline_at == now + timedelta(days=30)
        assert story.actions()[-1] == "reroute"


class TestAssignAndReaudit:
    def test_assign_to_an_inspector_of_the_yard(
        self, story: YardStory, users: dict[str, int]
    ) -> None:
        admin = admin_actor(users["admin"])
        outsider = story.session.get(User, users["inspector"])  # no districts linked
        assert outsider is not None
        with pytest.raises(Invalid):
            actions.assign(
                story.session, actor=admin, finding_id=story.finding().id or 0, assignee=outsider
            )
        inspector = story.session.get(User, users["almaly_inspector"])
        assert inspector is not None
        done = actions.assign(
            story.session, actor=admin, finding_id=story.finding().id or 0, assignee=inspector
        )
        assert done.assigned_user_id == inspector.id
        assert story.events()[-1].details == {"assignee": inspector.id}

    def test_request_reaudit_marks_the_open_findings(
        self, story: YardStory, users: dict[str, int]
    ) -> None:
        assert story.yard_id is not None
        keeper = Actor(
            user_id=users["admin"],
            role=UserRole.cooperative,
            scope=Scope(UserRole.cooperative, yard_ids=frozenset({story.yard_id})),
        )
        assert actions.request_reaudit(story.session, actor=keeper, yard_id=story.yard_id) == 1
        assert story.finding().reaudit_requested_at is not None
        assert story.actions()[-1] == "request_reaudit"
        stranger = Actor(
            user_id=users["admin"], role=UserRole.cooperative, scope=Scope(UserRole.cooperative)
        )
        with pytest.raises(NotPermitted):
            actions.request_reaudit(story.session, actor=stranger, yard_id=story.yard_id)


def test_membership_is_read_from_the_database(
    session: Session, users: dict[str, int], bodies: dict[str, Body]
) -> None:
    add_member(session, body_id=bodies["utility"].id, user_id=users["official"])
    user = session.get(User, users["official"])
    assert user is not None
    actor = Actor.of(session, user=user, scope=Scope.of(session, user))
    assert actor.body_ids == {bodies["utility"].id}
