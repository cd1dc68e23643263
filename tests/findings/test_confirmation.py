"""A finding resting on residents alone is confirmed by two residents who each fail the item,
never by a split of two that puts the consensus halfway."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.bodies.models import Body
from app.checklists.loader import ChecklistRegistry
from app.findings.models import FindingState
from app.platform.config import Settings
from tests.findings.support import FAIL, LIGHT, PASS, YardStory, own_bodies_only
from tests.findings_factories import new_body


@pytest.fixture(autouse=True)
def _own_bodies(session: Session) -> None:
    own_bodies_only(session)


@pytest.fixture
def housing(session: Session) -> Body:
    return new_body(session, items=[LIGHT])


@pytest.fixture
def story(session: Session, registry: ChecklistRegistry, settings: Settings) -> YardStory:
    return YardStory(session, registry=registry, settings=settings)


class TestResidentsConfirm:
    def test_a_split_of_two_residents_opens_but_does_not_confirm(
        self, story: YardStory, housing: Body
    ) -> None:
        story.send("resident", FAIL)
        story.send("resident", PASS)
        finding = story.finding()
        # The consensus lies halfway (0.5, failing at the default threshold), but only one
        # resident said the item fails.
        assert finding.risk == pytest.approx(0.5)
        assert (finding.state, finding.confirmed, finding.resident_reports) == (
            FindingState.open,
            False,
            1,
        )

    def test_a_second_resident_failing_it_later_confirms(
        self, story: YardStory, housing: Body
    ) -> None:
        story.send("resident", FAIL)
        story.send("resident", PASS)
        story.send("resident", FAIL)
        finding = story.finding()
        assert finding.confirmed and finding.resident_reports == 2
        assert "confirmed" in story.actions()

    def test_residents_failing_it_while_an_audit_rules_are_counted_for_the_reopening(
        self, story: YardStory, housing: Body
    ) -> None:
        story.send("inspector", FAIL)
        story.send("inspector", PASS)
        assert story.finding().state == FindingState.verified
        for _ in range(3):
            story.send("resident", FAIL)
        finding = story.finding()
        assert finding.state == FindingState.open and finding.confirmed
        assert finding.resident_reports == 3
