"""The findings follow the yard's answers (``app.findings.service.sync_yard``), driven through
the intake as the channels drive it: opened, confirmed, withdrawn, verified, reopened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.accounts.models import UserRole
from app.bodies.models import Body, BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.models import FindingState
from app.platform.config import Settings
from app.platform.db import Database
from tests.factories import create_user
from tests.findings.support import (
    DOORS,
    FAIL,
    HALF,
    LIGHT,
    PASS,
    YardStory,
    admin_actor,
    own_bodies_only,
)
from tests.findings_factories import new_body


@pytest.fixture(autouse=True)
def _own_bodies(session: Session) -> None:
    own_bodies_only(session)


@pytest.fixture(scope="module")
def admin_id(db: Database) -> int:
    user = create_user(db, role=UserRole.admin)
    assert user.id is not None
    return user.id


@pytest.fixture
def housing(session: Session) -> Body:
    """The district's housing department: the lamps within 7 days, the rest within 30."""
    return new_body(session, items=[LIGHT, DOORS], deadline_days=30, item_deadlines={LIGHT: 7})


@pytest.fixture
def story(session: Session, registry: ChecklistRegistry, settings: Settings) -> YardStory:
    return YardStory(session, registry=registry, settings=settings)


def report_fix(story: YardStory, admin_id: int) -> None:
    actions.report_fix(
        story.session,
        actor=admin_actor(admin_id),
        finding_id=story.finding().id or 0,
        fixed_on=story.later().date(),
        note="Lamps replaced",
        now=story.later(),
    )


class TestOpenAndConfirm:
    def test_one_residents_failing_answer_opens_an_unconfirmed_finding(
        self, story: YardStory, housing: Body
    ) -> None:
        story.send("resident", FAIL)
        finding = story.finding()
        assert (finding.state, finding.confirmed) == (FindingState.open, False)
        assert finding.body_id == housing.id
        assert finding.deadline_at is None  # no deadline runs for an unconfirmed finding
        assert finding.basis == "residents_median"
        assert finding.risk == 1.0
        assert story.actions() == ["opened"]
        assert story.events()[0].from_state is None

    def test_passing_answers_open_nothing(self, story: YardStory, housing: Body) -> None:
        story.send("resident", PASS)
        story.send("inspector", PASS)
        assert story.findings() == {}

    def test_a_second_resident_confirms_it_with_the_items_deadline(
        self, story: YardStory, housing: Body
    ) -> None:
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        finding = story.finding()
        assert finding.confirmed and finding.state == FindingState.open
        assert finding.confirmed_at == story.now
        assert finding.deadline_at == story.now + timedelta(days=7)  # the item's own days
        assert story.actions() == ["opened", "confirmed"]

    def test_the_bodys_days_when_the_item_sets_none(self, story: YardStory, housing: Body) -> None:
        story.send("resident", {DOORS: "none"})
        story.send("resident", {DOORS: "none"})
        assert story.finding(DOORS).deadline_at == story.now + timedelta(days=30)

    def test_an_inspector_audit_confirms_at_once(self, story: YardStory, housing: Body) -> None:
        story.send("resident", FAIL)
        story.send("inspector", FAIL)
        finding = story.finding()
        assert finding.confirmed and finding.basis == "inspector_audit"
        assert story.actions() == ["opened", "confirmed"]
        assert story.events()[1].actor == "inspector_audit"

    def test_an_audit_alone_opens_it_confirmed(self, story: YardStory, housing: Body) -> None:
        story.send("inspector", FAIL)
        finding = story.finding()
        assert finding.confirmed and finding.deadline_at == story.now + timedelta(days=7)
        assert story.actions() == ["opened"]


class TestWithdraw:
    def test_residents_answers_that_stop_failing_withdraw_an_unconfirmed_finding(
        self, story: YardStory, housing: Body, settings: Settings
    ) -> None:
        strict = settings.model_copy(update={"finding_risk": 0.6})
        story.send("resident", FAIL, settings=strict)
        story.send("resident", PASS, settings=strict)  # median 0.5 < 0.6
        finding = story.finding()
        assert (finding.state, finding.confirmed) == (FindingState.withdrawn, False)
        assert story.actions() == ["opened", "withdrawn"]

    def test_a_passing_audit_withdraws_an_unconfirmed_finding(
        self, story: YardStory, housing: Body
    ) -> None:
        story.send("resident", FAIL)
        story.send("inspector", PASS)
        assert story.finding().state == FindingState.withdrawn

    def test_a_confirmed_finding_is_never_withdrawn(self, story: YardStory, housing: Body) -> None:
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        for _ in range(3):
            story.send("resident", PASS)
        finding = story.finding()
        assert finding.state == FindingState.open and finding.confirmed
        assert story.actions() == ["opened", "confirmed"]  # residents verify nothing unfixed

    def test_a_withdrawn_finding_failing_again_is_reopened(
        self, story: YardStory, housing: Body
    ) -> None:
        story.send("resident", FAIL)
        story.send("inspector", PASS)
        story.send("inspector", FAIL)
        finding = story.finding()
        assert finding.state == FindingState.open and finding.confirmed
        assert finding.reopened == 0  # only a verified finding counts as reopened
        assert story.actions() == ["opened", "withdrawn", "reopened"]


class TestVerify:
    def test_an_audit_finding_it_passing_verifies_it_without_a_fix(
        self, story: YardStory, housing: Body
    ) -> None:
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        story.send("inspector", PASS)
        finding = story.finding()
        assert finding.state == FindingState.verified
        assert finding.verified_how == "audit_without_fix"
        assert finding.verified_at == story.now
        assert story.actions()[-1] == "verified"

    def test_an_audit_after_a_reported_fix(
        self, story: YardStory, housing: Body, admin_id: int
    ) -> None:
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        report_fix(story, admin_id)
        assert story.finding().state == FindingState.fix_reported
        story.send("inspector", PASS)
        finding = story.finding()
        assert (finding.state, finding.verified_how) == (FindingState.verified, "audit_after_fix")
        assert story.actions() == ["opened", "confirmed", "report_fix", "verified"]

    def test_a_failing_audit_after_a_reported_fix_sends_it_back_to_work(
        self, story: YardStory, housing: Body, admin_id: int
    ) -> None:
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        report_fix(story, admin_id)
        story.send("inspector", HALF)
        finding = story.finding()
        assert finding.state == FindingState.in_progress
        assert finding.verified_at is None
        assert story.actions()[-1] == "fix_not_confirmed"

    def test_residents_verify_after_three_passing_checks(
        self, story: YardStory, housing: Body, admin_id: int, settings: Settings
    ) -> None:
        assert settings.finding_resident_checks == 3
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        report_fix(story, admin_id)
        story.send("resident", PASS)
        story.send("resident", PASS)
        assert story.finding().state == FindingState.fix_reported
        story.send("resident", PASS)
        finding = story.finding()
        assert (finding.state, finding.verified_how) == (FindingState.verified, "residents")
        assert (finding.resident_passes, finding.resident_fails) == (3, 0)
        assert story.events()[-1].actor == "residents"

    def test_residents_need_more_passes_than_fails(
        self, story: YardStory, housing: Body, admin_id: int
    ) -> None:
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        report_fix(story, admin_id)
        for answers in (FAIL, FAIL, FAIL, PASS, PASS, PASS):
            story.send("resident", answers)
        finding = story.finding()
        assert finding.state == FindingState.fix_reported  # 3 passes, 3 fails
        assert (finding.resident_passes, finding.resident_fails) == (3, 3)
        story.send("resident", PASS)
        assert story.finding().state == FindingState.verified

    def test_residents_before_a_fix_verify_nothing(self, story: YardStory, housing: Body) -> None:
        story.send("inspector", FAIL)
        for _ in range(5):
            story.send("resident", PASS)
        finding = story.finding()
        assert finding.state == FindingState.open and finding.verified_at is None

    def test_the_cooperatives_own_check_verifies_nothing(
        self, story: YardStory, housing: Body, admin_id: int
    ) -> None:
        story.send("inspector", FAIL)
        report_fix(story, admin_id)
        for _ in range(4):
            story.send("cooperative", PASS)
        assert story.finding().state == FindingState.fix_reported

    def test_the_setting_sets_the_residents_needed(
        self, story: YardStory, housing: Body, admin_id: int, settings: Settings
    ) -> None:
        one = settings.model_copy(update={"finding_resident_checks": 1})
        story.send("inspector", FAIL)
        report_fix(story, admin_id)
        story.send("resident", PASS, settings=one)
        assert story.finding().verified_how == "residents"


class TestReopen:
    def test_a_later_failing_answer_reopens_a_verified_finding(
        self, story: YardStory, session: Session, admin_id: int
    ) -> None:
        first = new_body(session, items=[LIGHT])
        second = new_body(session, kind=BodyKind.utility, items=[LIGHT], deadline_days=10)
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        assert story.finding().body_id in (first.id, second.id)
        refusing = story.finding().body_id
        actions.not_ours(
            session,
            actor=admin_actor(admin_id),
            finding_id=story.finding().id or 0,
            reason="Lamps are the utility's",
            default_deadline_days=30,
            now=story.later(),
        )
        taker = story.finding().body_id
        assert taker not in (None, refusing)
        story.send("inspector", PASS)
        assert story.finding().state == FindingState.verified
        # The audit rules the yard until three residents have answered after it.
        for _ in range(3):
            story.send("resident", FAIL)
        finding = story.finding()
        assert finding.state == FindingState.open and finding.confirmed
        assert finding.reopened == 1
        assert finding.body_id == taker and finding.refused_by == [refusing]
        assert finding.verified_at is None and finding.verified_how is None
        assert finding.deadline_at is not None and finding.deadline_at > story.now
        assert story.actions()[-1] == "reopened"
        assert story.events()[-1].from_state == FindingState.verified

    def test_a_passing_answer_never_reopens(self, story: YardStory, housing: Body) -> None:
        story.send("resident", FAIL)
        story.send("resident", FAIL)
        story.send("inspector", PASS)
        for _ in range(4):
            story.send("resident", PASS)
        assert story.finding().state == FindingState.verified


class TestRecompute:
    def test_a_recompute_never_reopens(
        self, story: YardStory, housing: Body, admin_id: int
    ) -> None:
        for _ in range(4):
            story.send("resident", FAIL)
        report_fix(story, admin_id)
        for _ in range(3):
            story.send("resident", PASS)
        # Verified by the three checks after the fix, though the window's median still fails.
        assert story.finding().state == FindingState.verified
        story.recompute()
        assert story.finding().state == FindingState.verified
        assert story.actions()[-1] == "verified"

    def test_a_recompute_never_verifies(
        self, story: YardStory, housing: Body, admin_id: int, settings: Settings
    ) -> None:
        old = story.now - timedelta(days=settings.current_risk_window_days - 40)
        story.send("resident", FAIL, at=old)
        story.send("resident", FAIL, at=old + timedelta(hours=1))
        report_fix(story, admin_id)
        story.send("resident", PASS)
        story.send("resident", PASS)
        assert story.finding().state == FindingState.fix_reported
        # 60 days on, the failing answers have left the window: only passes remain.
        story.recompute(now=story.now + timedelta(days=60))
        finding = story.finding()
        assert finding.state == FindingState.fix_reported and finding.verified_at is None
        assert story.actions() == ["opened", "confirmed", "report_fix"]

    def test_a_new_checklist_version_never_verifies(
        self, story: YardStory, housing: Body, registry: ChecklistRegistry
    ) -> None:
        assert [v for v in ("2026.1", "2026.2") if registry.get(v)] == ["2026.1", "2026.2"]
        story.send("resident", FAIL, version="2026.1")
        story.send("resident", FAIL, version="2026.1")
        assert story.finding().confirmed
        # The yard's consensus now rests on 2026.2 alone, where the lamps pass.
        story.send("resident", PASS, version="2026.2")
        story.recompute()
        finding = story.finding()
        assert finding.state == FindingState.open and finding.confirmed
        assert finding.checklist_version == "2026.1"
        assert "verified" not in story.actions()


class TestThreshold:
    def test_the_setting_decides_what_fails(
        self, story: YardStory, housing: Body, settings: Settings
    ) -> None:
        strict = settings.model_copy(update={"finding_risk": 0.6})
        story.send("resident", HALF, settings=strict)  # risk 0.5
        assert story.findings() == {}
        story.send("resident", HALF)  # the default 0.5: "partly" fails
        assert story.finding().risk == 0.5
