"""The inspector's work queue (``app.findings.queue``): scoped to the inspector's districts,
the worst yards first, every filter and order, the areas' counts. Yards of the test's own
micro-district (``new_location(own_area=True)``), built through the intake in the test's
rolled-back session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import Body, BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import actions, summary
from app.findings.models import Finding, FindingState
from app.findings.queue import QueueFilters, QueueSort, places_of, queue
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.factories import answers_for, create_user, new_location, placement_of, store_submission
from tests.findings.support import DOORS, LIGHT, admin_actor
from tests.findings_factories import new_body

HOME = Scope(UserRole.inspector, district_ids=frozenset({"bostandyk"}))
CITY = Scope(UserRole.admin, city_wide=True)


class Yards:
    """Yards of one micro-district of the test's own, each from an inspector audit."""

    def __init__(
        self, session: Session, registry: ChecklistRegistry, settings: Settings, district: str
    ) -> None:
        self.session, self.registry, self.settings = session, registry, settings
        self.first = new_location(district, own_area=True)
        self.district, self.area = placement_of(self.first)
        self.used_first = False

    def audit(self, answers: dict[str, str], *, role: str = "inspector") -> int:
        if not self.used_first:
            location, self.used_first = self.first, True
        else:
            location = new_location(self.district, micro_district=self.area)
        received = store_submission(
            self.session,
            registry=self.registry,
            settings=self.settings,
            role=role,
            location=location,
            answers=answers,
        )
        return received.submission.yard_id

    def findings(self, yard_id: int) -> dict[str, Finding]:
        self.session.expire_all()
        rows = self.session.exec(select(Finding).where(Finding.yard_id == yard_id)).all()
        return {f.item_id: f for f in rows}


@pytest.fixture(scope="module")
def admin_id(db: Database) -> int:
    user = create_user(db, role=UserRole.admin)
    assert user.id is not None
    return user.id


@pytest.fixture(scope="module")
def me(db: Database) -> User:
    return create_user(db, role=UserRole.inspector)


@pytest.fixture
def body(session: Session) -> Body:
    return new_body(session, district="bostandyk", items=[LIGHT, DOORS], deadline_days=10)


@pytest.fixture
def yards(session: Session, registry: ChecklistRegistry, settings: Settings, body: Body) -> Yards:
    return Yards(session, registry, settings, "bostandyk")


def _mild(registry: ChecklistRegistry, role: str = "inspector", **failing: str) -> dict[str, str]:
    return {**answers_for(registry.current, pick="best", role=role), **failing}


def _worst(registry: ChecklistRegistry) -> dict[str, str]:
    return answers_for(registry.current, pick="worst", role="inspector")


def _set(session: Session, finding: Finding, **values: Any) -> None:
    """Change a finding directly (a state no action reaches at once), and its yard's summary
    row with it, as every change to findings does."""
    session.execute(update(Finding).where(col(Finding.id) == finding.id).values(**values))
    summary.refresh(session.connection(), yard_ids=[finding.yard_id])


def _ids(scope: Scope, session: Session, **filters: Any) -> list[int]:
    found = queue(session, scope=scope, filters=QueueFilters(**filters), lang="ru")
    return [y.yard_id for y in found.yards]


class TestScope:
    def test_only_the_inspectors_district_and_the_worst_yard_first(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        yards: Yards,
    ) -> None:
        mild = yards.audit(_mild(registry, **{LIGHT: "no"}))
        worst = yards.audit(_worst(registry))
        elsewhere = Yards(session, registry, settings, "medeu").audit(_worst(registry))
        found = queue(
            session, scope=HOME, filters=QueueFilters(micro_district_id=yards.area), lang="ru"
        )
        assert [y.yard_id for y in found.yards] == [worst, mild]
        top = found.yards[0]
        assert top.risk_index is not None and top.band is not None
        assert yards.area and top.micro_district_id == yards.area
        assert top.open_count >= 3 and len(top.items) == 3
        assert [i.risk for i in top.items] == sorted((i.risk for i in top.items), reverse=True)
        assert top.label.startswith("Двор №") and top.area and top.area in top.label
        whole = queue(session, scope=HOME, filters=QueueFilters(), lang="ru", page_size=10_000)
        assert {y.district_id for y in whole.yards} == {"bostandyk"}
        assert elsewhere not in [y.yard_id for y in whole.yards]
        assert worst in [y.yard_id for y in whole.yards]
        # The city-wide see it, and choose a district.
        assert elsewhere in _ids(CITY, session, district_id="medeu")
        assert elsewhere not in _ids(CITY, session, district_id="bostandyk")

    def test_an_inspector_of_nothing_sees_nothing(self, session: Session, yards: Yards) -> None:
        yards.audit(_worst(yards.registry))
        nothing = Scope(UserRole.inspector)
        found = queue(session, scope=nothing, filters=QueueFilters(), lang="ru")
        assert (found.yards, found.total, found.places) == ([], 0, [])

    def test_another_district_chosen_shows_nothing(self, session: Session, yards: Yards) -> None:
        yards.audit(_worst(yards.registry))
        assert _ids(HOME, session, district_id="medeu") == []

    def test_an_inspector_of_one_area(self, session: Session, yards: Yards) -> None:
        """A scope of micro-districts alone reads the summary rows by their area."""
        made = yards.audit(_worst(yards.registry))
        assert yards.area is not None
        area_only = Scope(UserRole.inspector, micro_district_ids=frozenset({yards.area}))
        found = queue(session, scope=area_only, filters=QueueFilters(), lang="ru")
        assert [y.yard_id for y in found.yards] == [made]
        assert [p.id for p in found.places] == [yards.area]
        by_body = queue(
            session,
            scope=area_only,
            filters=QueueFilters(body_id=yards.findings(made)[LIGHT].body_id),
            lang="ru",
        )
        assert [y.yard_id for y in by_body.yards] == [made]


class TestPriority:
    def test_overdue_then_awaiting_a_check_then_risk(
        self, session: Session, registry: ChecklistRegistry, yards: Yards, admin_id: int
    ) -> None:
        worst = yards.audit(_worst(registry))
        overdue = yards.audit(_mild(registry, **{LIGHT: "no"}))
        fixed = yards.audit(_mild(registry, **{DOORS: "none"}))
        late = yards.findings(overdue)[LIGHT]
        _set(session, late, state=FindingState.sent, deadline_at=utcnow() - timedelta(days=1))
        actions.report_fix(
            session,
            actor=admin_actor(admin_id),
            finding_id=yards.findings(fixed)[DOORS].id or 0,
            fixed_on=utcnow().date(),
            note="done",
        )
        area = yards.area
        assert _ids(HOME, session, micro_district_id=area) == [overdue, fixed, worst]
        assert _ids(HOME, session, micro_district_id=area, sort=QueueSort.risk)[0] == worst
        assert _ids(HOME, session, micro_district_id=area, overdue=True) == [overdue]
        assert _ids(HOME, session, micro_district_id=area, awaiting=True) == [fixed]
        assert _ids(HOME, session, micro_district_id=area, state=FindingState.fix_reported) == [
            fixed
        ]
        by_deadline = _ids(HOME, session, micro_district_id=area, sort=QueueSort.deadline)
        assert by_deadline[0] == overdue
        row = next(
            y
            for y in queue(
                session, scope=HOME, filters=QueueFilters(micro_district_id=area), lang="kk"
            ).yards
            if y.yard_id == overdue
        )
        assert (row.overdue_count, row.awaiting_count) == (1, 0)
        assert row.items[0].overdue and row.items[0].state == FindingState.sent
        # The area's side count: yards with an overdue finding, and fixes to verify.
        places, _ = places_of(session, scope=HOME, filters=QueueFilters(), lang="ru")
        mine = next(p for p in places if p.id == area)
        assert (mine.yards, mine.overdue_yards, mine.awaiting_count) == (3, 1, 1)


class TestFilters:
    def test_reaudit_never_audited_mine_and_body(
        self, session: Session, registry: ChecklistRegistry, yards: Yards, body: Body
    ) -> None:
        audited = yards.audit(_worst(registry))
        residents = yards.audit(_mild(registry, "resident", **{LIGHT: "no"}), role="resident")
        area = yards.area
        assert _ids(HOME, session, micro_district_id=area, never_audited=True) == [residents]
        finding = yards.findings(audited)[LIGHT]
        _set(session, finding, reaudit_requested_at=utcnow(), assigned_user_id=None)
        assert _ids(HOME, session, micro_district_id=area, reaudit=True) == [audited]
        other = new_body(session, district="bostandyk", kind=BodyKind.other)
        assert _ids(HOME, session, micro_district_id=area, body_id=other.id) == []
        assert set(_ids(HOME, session, micro_district_id=area, body_id=body.id)) == {
            audited,
            residents,
        }

    def test_assigned_to_me(
        self, me: User, session: Session, registry: ChecklistRegistry, yards: Yards
    ) -> None:
        mine = yards.audit(_worst(registry))
        yards.audit(_worst(registry))
        finding = yards.findings(mine)[LIGHT]
        _set(session, finding, assigned_user_id=me.id)
        area = yards.area
        found = queue(
            session,
            scope=HOME,
            filters=QueueFilters(micro_district_id=area, assigned_to=me.id),
            lang="ru",
        )
        assert [y.yard_id for y in found.yards] == [mine]
        assert found.yards[0].assigned_name == me.name
        assert [i.item_id for i in found.yards[0].items] == [LIGHT]

    def test_pages_and_place_order(
        self, session: Session, registry: ChecklistRegistry, yards: Yards
    ) -> None:
        made = {yards.audit(_worst(registry)) for _ in range(3)}
        area = yards.area
        pages = [
            queue(
                session,
                scope=HOME,
                filters=QueueFilters(micro_district_id=area, page=page),
                lang="en",
                page_size=2,
            )
            for page in (1, 2, 3)
        ]
        assert [p.total for p in pages] == [3, 3, 3] and pages[0].pages == 2
        assert pages[2].page == 2  # beyond the last: the last
        assert {y.yard_id for y in pages[0].yards + pages[1].yards} == made
        assert set(_ids(HOME, session, micro_district_id=area, sort=QueueSort.place)) == made


class TestPlaces:
    def test_areas_of_the_scope_and_districts_for_the_city(
        self, session: Session, registry: ChecklistRegistry, yards: Yards
    ) -> None:
        yards.audit(_worst(registry))
        yards.audit(_mild(registry, **{LIGHT: "no"}))
        places, level = places_of(session, scope=HOME, filters=QueueFilters(), lang="ru")
        assert level == "area"
        mine = next(p for p in places if p.id == yards.area)
        assert mine.yards == 2 and mine.open_count >= 4 and mine.district_id == "bostandyk"
        assert all(p.district_id == "bostandyk" for p in places)
        districts, level = places_of(session, scope=CITY, filters=QueueFilters(), lang="kk")
        assert level == "district"
        home = next(p for p in districts if p.id == "bostandyk")
        assert home.name == "Бостандық ауданы" and home.yards >= 2
        counts = [(p.overdue_yards, p.open_count) for p in districts]
        assert counts == sorted(counts, reverse=True)
