"""Outcomes as figures (``app.findings.outcomes``), checked in a world whose truth is known:
yards found failing, fixed and verified on chosen days through the intake and
``app.findings.actions``, then every figure compared with the one counted by hand.

The world (T0: the start of month M, two Almaty months ago; T1: the start of M+1):
- A: audit fails at T0-5d; fix reported T0+2d; audit passes T0+4d (after fix, 9 days).
- B: audit fails T0+1d; audit passes T0+6d (without a fix, 5 days).
- C: audit fails T0+2d; fix reported T0+3d; three residents pass from T0+10d, an hour apart
  (residents, 8 days 2 hours); an audit fails again at T1+3d (reopened in M+1).
- D: audit fails T0+3d (deadline T0+17d: overdue at M's end); audit passes T1+2d.
- E: audit fails T0+25d (deadline T0+39d: not overdue at M's end).
- F: audit fails T0-40d, passes T0-35d, fails again T0+7d (reopened in M; deadline T0+21d).
Every finding goes to the test's own body (deadline 14 days), so figures per body are the
world's alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.areas.trend import month_of, month_start, shift_month
from app.bodies.models import Body
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.outcome_yards import yard_changes
from app.findings.outcomes import Outcomes, Period, outcomes
from app.platform.config import Settings
from app.submissions.models import Submission
from tests.findings.support import FAIL, PASS, YardStory, admin_actor, own_bodies_only
from tests.findings_factories import new_body

M = shift_month(month_of(datetime.now(UTC)), -2)
T0 = month_start(M)
T1 = month_start(shift_month(M, 1))
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


class World:
    def __init__(
        self, session: Session, registry: ChecklistRegistry, settings: Settings, body: Body
    ) -> None:
        self.session = session
        self.registry = registry
        self.settings = settings
        self.body = body
        self.yards: dict[str, YardStory] = {}

    def yard(self, name: str) -> YardStory:
        if name not in self.yards:
            self.yards[name] = YardStory(
                self.session, registry=self.registry, settings=self.settings
            )
        return self.yards[name]

    def audit(self, name: str, answers: dict[str, str], at: datetime) -> None:
        self.yard(name).send("inspector", answers, at=at)

    def resident(self, name: str, answers: dict[str, str], at: datetime) -> None:
        self.yard(name).send("resident", answers, at=at)

    def fix(self, name: str, at: datetime, user_id: int) -> None:
        finding = self.yard(name).finding()
        assert finding.id is not None
        actions.report_fix(
            self.session,
            actor=admin_actor(user_id),
            finding_id=finding.id,
            fixed_on=at.date(),
            note="fixed",
            now=at,
        )

    def index(self, name: str, at: datetime) -> float | None:
        story = self.yard(name)
        row = self.session.exec(
            select(Submission).where(
                Submission.yard_id == story.yard_id, Submission.received_at == at
            )
        ).one()
        return row.risk_index


@pytest.fixture
def world(
    session: Session, registry: ChecklistRegistry, settings: Settings, admin_id: int
) -> World:
    own_bodies_only(session)
    body = new_body(session, items=["lighting.at_night"], deadline_days=14)
    w = World(session, registry, settings, body)
    w.audit("F", FAIL, T0 - 40 * DAY)
    w.audit("F", PASS, T0 - 35 * DAY)
    w.audit("A", FAIL, T0 - 5 * DAY)
    w.audit("B", FAIL, T0 + 1 * DAY)
    w.fix("A", T0 + 2 * DAY, admin_id)
    w.audit("C", FAIL, T0 + 2 * DAY)
    w.fix("C", T0 + 3 * DAY, admin_id)
    w.audit("D", FAIL, T0 + 3 * DAY)
    w.audit("A", PASS, T0 + 4 * DAY)
    w.audit("B", PASS, T0 + 6 * DAY)
    w.audit("F", FAIL, T0 + 7 * DAY)
    for hour in range(3):
        w.resident("C", PASS, T0 + 10 * DAY + hour * HOUR)
    w.audit("E", FAIL, T0 + 25 * DAY)
    w.audit("D", PASS, T1 + 2 * DAY)
    w.audit("C", FAIL, T1 + 3 * DAY)
    return w


@pytest.fixture
def admin_id(db: object) -> int:
    from app.accounts.models import UserRole
    from tests.factories import create_user

    user = create_user(db, role=UserRole.admin)  # type: ignore[arg-type]
    assert user.id is not None
    return user.id


def of_body(world: World, period: Period) -> Outcomes:
    figures = outcomes(world.session, period=period, group="body", district_ids=["almaly"])
    return figures.get(world.body.id, Outcomes())


class TestMonth:
    def test_every_figure_of_month_m(self, world: World) -> None:
        figures = of_body(world, Period.of_month(M))
        assert figures.opened == 4  # B, C, D, E (A and F were opened before M)
        assert figures.fixed == 2  # A, C
        assert figures.verified_how == {
            "audit_after_fix": 1,
            "audit_without_fix": 1,
            "residents": 1,
        }
        assert figures.verified == 3
        assert figures.reopened == 1  # F
        # 5, 8 days 2 hours, 9: the median is C's, though C was reopened since.
        assert figures.median_count == 3
        assert figures.median_days == pytest.approx(8 + 2 / 24)
        # At M's end: D (overdue), E (not yet), F (overdue) owed a fix; D is verified now.
        assert (figures.active, figures.overdue) == (3, 2)
        assert figures.overdue_share == pytest.approx(2 / 3)

    def test_the_next_month_has_too_few_to_say(self, world: World) -> None:
        figures = of_body(world, Period.of_month(shift_month(M, 1)))
        assert figures.opened == 0
        assert figures.fixed == 0
        assert figures.verified_how["audit_without_fix"] == 1  # D
        assert figures.reopened == 1  # C
        assert figures.median_count == 1
        assert figures.median_days is None
        # M+1 has ended: C (reopened T1+3d, deadline T1+17d) is overdue by its end, E and F
        # too.
        assert (figures.active, figures.overdue) == (3, 3)

    def test_a_running_month_is_judged_now(self, world: World) -> None:
        now = T1 + 5 * DAY
        figures = of_body(world, Period.of_month(shift_month(M, 1), now=now))
        # Now: C (deadline T1+17d), E (T0+39d), F (T0+21d, overdue).
        assert (figures.active, figures.overdue) == (3, 1)
        assert figures.overdue_share == pytest.approx(1 / 3)

    def test_a_month_before_anything(self, world: World) -> None:
        figures = of_body(world, Period.of_month(shift_month(M, -3)))
        assert figures == Outcomes()
        assert figures.median_days is None
        assert figures.overdue_share is None


class TestAllTime:
    def test_all_time(self, world: World) -> None:
        figures = of_body(world, Period.all_time())
        assert figures.opened == 6
        assert figures.fixed == 2
        # F's first verification (T0-35d, 5 days), A, B, C, D (T1+2d - T0-3d).
        assert figures.verified_how == {
            "audit_after_fix": 1,
            "audit_without_fix": 3,
            "residents": 1,
        }
        assert figures.reopened == 2
        days = sorted([5, 9, 5, 8 + 2 / 24, (T1 + 2 * DAY - T0 - 3 * DAY) / DAY])
        assert figures.median_count == 5
        assert figures.median_days == pytest.approx(days[2])
        assert (figures.active, figures.overdue) == (3, 3)


class TestGroups:
    def test_district_and_area_keys_hold_the_same_world(self, world: World) -> None:
        period = Period.of_month(M)
        by_district = outcomes(world.session, period=period, group="district")
        assert by_district["almaly"].verified >= 3
        story = world.yard("A")
        area = story.finding().micro_district_id
        by_area = outcomes(world.session, period=period, group="area", district_ids=["almaly"])
        assert area in by_area


class TestYardChanges:
    def test_before_and_after_of_each_yard_verified_in_the_month(self, world: World) -> None:
        changes = {
            c.yard_id: c
            for c in yard_changes(world.session, district_id="almaly", period=Period.of_month(M))
        }
        expected = {
            "A": (T0 - 5 * DAY, T0 + 4 * DAY),
            "B": (T0 + 1 * DAY, T0 + 6 * DAY),
            "C": (T0 + 2 * DAY, T0 + 10 * DAY + 2 * HOUR),
        }
        for name, (before, after) in expected.items():
            change = changes[world.yard(name).yard_id or 0]
            assert change.before == world.index(name, before)
            assert change.after == world.index(name, after)
            assert change.verified == 1
        a = changes[world.yard("A").yard_id or 0]
        assert a.before is not None and a.after is not None
        assert a.after < a.before  # the audit that passed scores the yard safer
        # D was verified in M+1, E never, F before M: not in M's list.
        for name in ("D", "E", "F"):
            assert world.yard(name).yard_id not in changes

    def test_a_yard_with_no_submission_before_its_finding(self, world: World) -> None:
        # Every yard here was found by its first audit: "before" is that audit's index.
        changes = yard_changes(world.session, district_id="almaly", period=Period.of_month(M))
        assert all(
            c.before is not None
            for c in changes
            if c.yard_id in {world.yard(n).yard_id for n in "ABC"}
        )


class TestPeriod:
    def test_a_month_is_almatys(self) -> None:
        period = Period.of_month("2026-11", now=datetime(2026, 12, 6, tzinfo=UTC))
        assert period.start == datetime(2026, 10, 31, 19, tzinfo=UTC)
        assert period.end == period.at == datetime(2026, 11, 30, 19, tzinfo=UTC)
        assert not period.running

    def test_the_running_month_is_judged_now(self) -> None:
        now = datetime(2026, 12, 6, 2, tzinfo=UTC)
        period = Period.this_month(now=now)
        assert (period.month, period.at, period.running) == ("2026-12", now, True)
        assert Period.all_time(now=now).running
