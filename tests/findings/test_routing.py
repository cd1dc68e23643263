"""Which body a finding goes to (``app.findings.routing``): the yard's cooperative, the
district's body for the item, a city-wide body, the district akimat; refusals skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.bodies.models import Body, BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings.routing import Router
from app.platform.config import Settings
from app.yards.models import Yard
from tests.factories import create_yard
from tests.findings.support import FAIL, LIGHT, YardStory, own_bodies_only
from tests.findings_factories import link_cooperative, new_body

DEFAULT_DAYS = 30


@pytest.fixture(autouse=True)
def _own_bodies(session: Session) -> None:
    own_bodies_only(session)


def router(session: Session, yard: Yard) -> Router:
    assert yard.id is not None
    return Router.for_yard(
        session, yard_id=yard.id, district_id=yard.district_id, default_deadline_days=DEFAULT_DAYS
    )


@pytest.fixture
def yard(session: Session) -> Yard:
    return create_yard(session)


@pytest.fixture
def ladder(session: Session, yard: Yard) -> dict[str, Body]:
    """One body at each step of the order, all answering for the lamps."""
    assert yard.id is not None
    bodies = {
        "cooperative": new_body(session, kind=BodyKind.cooperative, items=[LIGHT]),
        "district": new_body(session, kind=BodyKind.utility, items=[LIGHT], deadline_days=10),
        "city": new_body(session, district=None, kind=BodyKind.ops_centre, items=[LIGHT]),
        "akimat": new_body(session, kind=BodyKind.akimat, deadline_days=20),
    }
    link_cooperative(session, yard_id=yard.id, body_id=bodies["cooperative"].id)
    return bodies


class TestOrder:
    def test_each_step_in_turn_as_the_ones_before_refuse(
        self, session: Session, yard: Yard, ladder: dict[str, Body]
    ) -> None:
        found = router(session, yard)
        refused: list[str] = []
        for step in ("cooperative", "district", "city", "akimat"):
            assert found.route(LIGHT, refused=refused).body_id == ladder[step].id, step
            refused.append(ladder[step].id)
        assert found.route(LIGHT, refused=refused).body_id is None

    def test_the_akimat_takes_what_nobody_lists(
        self, session: Session, yard: Yard, ladder: dict[str, Body]
    ) -> None:
        route = router(session, yard).route("social.drinking")
        assert route.body_id == ladder["akimat"].id
        assert route.deadline == timedelta(days=20)

    def test_a_yard_without_a_cooperative_goes_to_the_housing_department(
        self, session: Session, ladder: dict[str, Body]
    ) -> None:
        housing = new_body(session, kind=BodyKind.akimat_housing, items=["access.basements"])
        other_yard = create_yard(session)
        # The cooperative of another yard lists the item too: never routed to for this one.
        coop = new_body(session, kind=BodyKind.cooperative, items=["access.basements"])
        assert coop.id
        assert router(session, other_yard).route("access.basements").body_id == housing.id

    def test_inactive_and_other_district_bodies_are_skipped(
        self, session: Session, yard: Yard
    ) -> None:
        item = "parking.abandoned_cars"
        new_body(session, district="medeu", kind=BodyKind.police, items=[item])
        inactive = new_body(session, kind=BodyKind.police, items=[item])
        inactive.active = False
        session.add(inactive)
        session.flush()
        akimat = new_body(session, kind=BodyKind.akimat)
        assert router(session, yard).route(item).body_id == akimat.id

    def test_no_body_at_all(self, session: Session, yard: Yard) -> None:
        route = router(session, yard).route("social.drinking")
        assert route.body_id is None and route.deadline is None


class TestDeadlines:
    def test_the_item_then_the_body_then_the_default(self, session: Session, yard: Yard) -> None:
        body = new_body(
            session,
            kind=BodyKind.utility,
            items=[LIGHT, "lighting.entrances"],
            deadline_days=12,
            item_deadlines={LIGHT: 3},
        )
        found = router(session, yard)
        assert found.deadline_days(body.id, LIGHT) == 3
        assert found.deadline_days(body.id, "lighting.entrances") == 12
        assert found.deadline_days("no-such-body", LIGHT) == DEFAULT_DAYS
        assert found.route(LIGHT).deadline == timedelta(days=3)


class TestThroughTheIntake:
    def test_the_yards_cooperative_gets_its_finding(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        story = YardStory(session, registry=registry, settings=settings)
        district = new_body(session, kind=BodyKind.utility, items=[LIGHT])
        story.send("resident", {"lighting.entrances": "all"})  # the yard exists, no finding
        assert story.yard_id is not None
        coop = new_body(session, kind=BodyKind.cooperative, items=[LIGHT], deadline_days=5)
        link_cooperative(session, yard_id=story.yard_id, body_id=coop.id)
        story.send("inspector", FAIL)
        finding = story.finding()
        assert finding.body_id == coop.id != district.id
        assert finding.deadline_at == story.now + timedelta(days=5)
        assert story.events()[0].body_id == coop.id
