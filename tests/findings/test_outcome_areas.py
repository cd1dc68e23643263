"""Outcomes per micro-district (``DistrictOutcomes.areas``, ``ranked_areas``) and the PDF's
rows made of them (``app.channels.reports.district_outcomes``), checked in a world whose
truth is known: yards of two micro-districts of their own, found failing, fixed and verified
on chosen days of month M (two Almaty months ago; T0 its start, T1 the next month's).

Area P:
- P1: audit fails T0+1d, passes T0+6d (verified without a fix, 5 days);
- P2: audit fails T0+2d, fix reported T0+3d, audit passes T0+4d (after a fix, 2 days);
- P3: fails T0-40d, passes T0-35d, fails again T0+7d (reopened in M; deadline T0+21d:
  overdue at M's end).
Area Q:
- Q1: audit fails T0+3d (deadline T0+17d: overdue at M's end);
- Q2: audit fails T0+25d (deadline T0+39d: not overdue);
- Q3: audit fails T0+1d, passes T0+4d (without a fix, 3 days).
By hand: P opened 2, fixed 1, verified 2 (1 after a fix, 1 without), reopened 1, median
None (2 verifications), owed 1, overdue 1 (100 %). Q opened 3, fixed 0, verified 1,
reopened 0, median None (1), owed 2, overdue 1 (50 %). Q ranks before P (as many overdue,
more owed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app.areas.trend import month_of, month_start, shift_month
from app.channels.reports.district_outcomes import report_outcomes
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.outcome_report import DistrictOutcomes, district_month
from app.findings.outcomes import Outcomes, Period
from app.platform.config import Settings
from tests.factories import new_location
from tests.findings.support import FAIL, PASS, YardStory, admin_actor, own_bodies_only
from tests.findings_factories import new_body

M = shift_month(month_of(datetime.now(UTC)), -2)
T0 = month_start(M)
T1 = month_start(shift_month(M, 1))
DAY = timedelta(days=1)
DISTRICT = "turksib"  # Almaly has few micro-districts; the inspector pages take them


class AreaWorld:
    def __init__(self, session: Session, registry: ChecklistRegistry, settings: Settings) -> None:
        self.session = session
        self.registry = registry
        self.settings = settings
        self.yards: dict[str, YardStory] = {}
        self.areas: dict[str, str] = {}  # "P" -> the micro-district's id

    def yard(self, name: str) -> YardStory:
        if name not in self.yards:
            story = YardStory(self.session, registry=self.registry, settings=self.settings)
            area = name[0]
            if area in self.areas:
                story.location = new_location(DISTRICT, micro_district=self.areas[area])
            else:
                story.location = new_location(DISTRICT, own_area=True)
            self.yards[name] = story
        return self.yards[name]

    def audit(self, name: str, answers: dict[str, str], at: datetime) -> None:
        story = self.yard(name)
        story.send("inspector", answers, at=at)
        area = story.finding().micro_district_id
        assert area is not None
        assert self.areas.setdefault(name[0], area) == area

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


@pytest.fixture
def admin_id(db: object) -> int:
    from app.accounts.models import UserRole
    from tests.factories import create_user

    user = create_user(db, role=UserRole.admin)  # type: ignore[arg-type]
    assert user.id is not None
    return user.id


@pytest.fixture
def world(
    session: Session, registry: ChecklistRegistry, settings: Settings, admin_id: int
) -> AreaWorld:
    own_bodies_only(session)
    new_body(session, district=DISTRICT, items=["lighting.at_night"], deadline_days=14)
    w = AreaWorld(session, registry, settings)
    w.audit("P3", FAIL, T0 - 40 * DAY)
    w.audit("P3", PASS, T0 - 35 * DAY)
    w.audit("P1", FAIL, T0 + 1 * DAY)
    w.audit("Q3", FAIL, T0 + 1 * DAY + timedelta(hours=1))
    w.audit("P2", FAIL, T0 + 2 * DAY)
    w.fix("P2", T0 + 3 * DAY, admin_id)
    w.audit("Q1", FAIL, T0 + 3 * DAY)
    w.audit("P2", PASS, T0 + 4 * DAY)
    w.audit("Q3", PASS, T0 + 4 * DAY + timedelta(hours=1))
    w.audit("P1", PASS, T0 + 6 * DAY)
    w.audit("P3", FAIL, T0 + 7 * DAY)
    w.audit("Q2", FAIL, T0 + 25 * DAY)
    return w


def month_m(world: AreaWorld) -> DistrictOutcomes:
    return district_month(world.session, district_id=DISTRICT, month=M)


class TestPerArea:
    def test_every_figure_of_each_area(self, world: AreaWorld) -> None:
        areas = month_m(world).areas
        p, q = areas[world.areas["P"]], areas[world.areas["Q"]]
        assert (p.opened, p.fixed, p.verified, p.reopened) == (2, 1, 2, 1)
        assert p.verified_how == {"audit_after_fix": 1, "audit_without_fix": 1, "residents": 0}
        assert (p.median_count, p.median_days) == (2, None)
        assert (p.active, p.overdue, p.overdue_share) == (1, 1, 1.0)
        assert (q.opened, q.fixed, q.verified, q.reopened) == (3, 0, 1, 0)
        assert q.verified_how["audit_without_fix"] == 1
        assert (q.median_count, q.median_days) == (1, None)
        assert (q.active, q.overdue) == (2, 1)
        assert q.overdue_share == pytest.approx(0.5)

    def test_the_areas_add_up_to_the_district(self, world: AreaWorld) -> None:
        found = month_m(world)
        for name in ("opened", "fixed", "verified", "reopened", "active", "overdue"):
            assert sum(getattr(o, name) for o in found.areas.values()) == getattr(
                found.total, name
            ), name

    def test_the_next_month(self, world: AreaWorld) -> None:
        areas = district_month(world.session, district_id=DISTRICT, month=shift_month(M, 1)).areas
        # M+1 has ended: P3 (deadline T0+21d), Q1, Q2 (T0+39d) owed and overdue by its end.
        p, q = areas[world.areas["P"]], areas[world.areas["Q"]]
        assert (p.opened, p.verified, p.active, p.overdue) == (0, 0, 1, 1)
        assert (q.opened, q.verified, q.active, q.overdue) == (0, 0, 2, 2)

    def test_q_ranks_before_p(self, world: AreaWorld) -> None:
        ranked = [area for area, _ in month_m(world).ranked_areas()]
        assert ranked.index(world.areas["Q"]) < ranked.index(world.areas["P"])


class TestRanking:
    def test_overdue_then_owed_then_opened_and_no_area_last(self) -> None:
        found = DistrictOutcomes(
            district_id=DISTRICT,
            period=Period.of_month(M),
            total=Outcomes(),
            previous=Outcomes(),
            areas={
                None: Outcomes(active=9, overdue=9),
                "a": Outcomes(opened=5),
                "b": Outcomes(active=3, overdue=1),
                "c": Outcomes(active=4, overdue=1),
                "d": Outcomes(active=1, overdue=2),
                "e": Outcomes(opened=6),
            },
        )
        assert [a for a, _ in found.ranked_areas()] == ["d", "c", "b", "e", "a", None]


class TestReportRows:
    def test_rows_with_names_numbers_and_rounded_shares(self, world: AreaWorld) -> None:
        p_id, q_id = world.areas["P"], world.areas["Q"]
        report = report_outcomes(
            world.session,
            district_id=DISTRICT,
            month=M,
            lang="ru",
            area_names={p_id: "Самал-1", q_id: "Орбита"},
            area_numbers={q_id: 3},
        )
        rows = {a.area_id: a for a in report.areas}
        assert report.areas_counted >= 2
        q, p = rows[q_id], rows[p_id]
        assert (q.number, q.line.name, q.line.opened, q.line.active, q.line.overdue) == (
            3,
            "Орбита",
            3,
            2,
            1,
        )
        assert q.line.overdue_share == 0.5
        assert (p.number, p.line.name, p.line.fixed, p.line.audit_after_fix) == (
            None,
            "Самал-1",
            1,
            1,
        )
        order = [a.area_id for a in report.areas]
        assert order.index(q_id) < order.index(p_id)
        hash(report)  # frozen all the way down: part of the report's cache key
