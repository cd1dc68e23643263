"""A district's monthly summary, computed from submissions whose numbers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app.areas.monthly import (
    MonthCache,
    MonthlySummary,
    checked_month,
    monthly_summary,
    worst_yards,
)
from app.areas.trend import MonthPoint, month_of, month_start, shift_month
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import utcnow
from app.platform.errors import Invalid, NotFound
from tests.inspectors.support import new_yard, place_in, submit_at

DISTRICT = "nauryzbay"


def _at(month: str, day: int, hour_utc: int = 6) -> datetime:
    return month_start(month) + timedelta(days=day - 1, hours=hour_utc + 5)


class TestMonthlySummary:
    def test_numbers_from_known_submissions(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        # Three months ago: inside the 180-day window (yards keep a current risk), and a month
        # no other test writes to in this district.
        month = shift_month(month_of(utcnow()), -3)
        previous = shift_month(month, -1)
        first, _lat, _lon = place_in(session, DISTRICT, 0)
        second, _lat, _lon = place_in(session, DISTRICT, 1)
        a = new_yard(session, district_id=DISTRICT, micro_district_id=first, address="A 1")
        b = new_yard(session, district_id=DISTRICT, micro_district_id=first, address="B 2")
        c = new_yard(session, district_id=DISTRICT, micro_district_id=second, address="C 3")
        ra1 = submit_at(session, registry, settings, yard_id=a, at=_at(month, 3), pick="worst")
        ra2 = submit_at(
            session, registry, settings, yard_id=a, at=_at(month, 9), pick="best", role="inspector"
        )
        # 23:00 in Almaty on the month's last day: still this month.
        last_evening = month_start(shift_month(month, 1)) - timedelta(hours=1)
        rb = submit_at(session, registry, settings, yard_id=b, at=last_evening, pick="worst")
        rc = submit_at(session, registry, settings, yard_id=c, at=_at(previous, 15), pick="best")
        # 00:30 in Almaty on the next month's first day: the next month, not this one.
        submit_at(
            session,
            registry,
            settings,
            yard_id=c,
            at=month_start(shift_month(month, 1)) + timedelta(minutes=30),
            pick="worst",
        )

        summary = monthly_summary(session, district_id=DISTRICT, month=month, settings=settings)

        assert summary.month == month and summary.previous_month == previous
        assert summary.current.submissions == 3
        assert summary.current.inspector_audits == 1
        assert summary.current.yards == 2
        # Per yard: A's two checks make one yard's mean, then the mean over A and B.
        per_yard = ((ra1 + ra2) / 2 + rb) / 2
        assert summary.current.mean_risk == pytest.approx(per_yard)
        assert summary.previous.submissions == 1
        assert summary.previous.mean_risk == pytest.approx(rc)
        assert summary.mean_risk_change == pytest.approx(per_yard - rc)
        assert summary.submissions_change == 2
        # The month's micro-districts: yard means first, then their mean.
        (area,) = summary.areas
        assert area.micro_district_id == first
        assert (area.yards, area.submissions) == (2, 3)
        assert area.mean_risk == pytest.approx(((ra1 + ra2) / 2 + rb) / 2)
        assert area.problem is False  # 2 yards < 3 needed
        assert summary.problem_areas == []
        # Worst yards checked that month, by current risk: B (residents, worst answers) first,
        # then A (its latest inspector audit, all best answers); C was not checked that month.
        assert [y.yard_id for y in summary.worst_yards] == [b, a]
        # Named by its number: the address its sender typed ("B 2") is never shown.
        assert summary.worst_yards[0].name == f"Двор № {b}"  # Russian, the default
        assert summary.worst_yards[0].public_name is None
        assert summary.worst_yards[1].basis == "inspector_audit"
        # The trend: 12 months ending with the month, oldest first.
        assert [p.month for p in summary.trend][-2:] == [previous, month]
        assert len(summary.trend) == 12
        body = summary.as_dict()
        assert body["current"]["submissions"] == 3
        assert body["worst_yards"][0]["url"] == f"/yards/{b}"

    def test_problem_area_needs_enough_yards(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        month = shift_month(month_of(utcnow()), -4)
        cell, _lat, _lon = place_in(session, DISTRICT, 2)
        for n in range(settings.area_min_audited):
            yard = new_yard(session, district_id=DISTRICT, micro_district_id=cell, address=f"P {n}")
            submit_at(session, registry, settings, yard_id=yard, at=_at(month, 5 + n), pick="worst")
        summary = monthly_summary(session, district_id=DISTRICT, month=month, settings=settings)
        (area,) = [a for a in summary.areas if a.micro_district_id == cell]
        assert area.yards == settings.area_min_audited
        assert area.coverage_risk >= settings.problem_area_risk
        assert area.problem and summary.problem_areas == [area]

    def test_unknown_district(self, session: Session, settings: Settings) -> None:
        with pytest.raises(NotFound):
            monthly_summary(session, district_id="atlantis", month="2026-01", settings=settings)


class TestWorstYards:
    def test_limit_and_order(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        cell, _lat, _lon = place_in(session, DISTRICT, 3)
        now = utcnow()
        made = []
        for n, pick in enumerate(["best", "worst", "best"]):
            yard = new_yard(session, district_id=DISTRICT, micro_district_id=cell, address=f"W {n}")
            submit_at(session, registry, settings, yard_id=yard, at=now, pick=pick)
            made.append(yard)
        found = worst_yards(session, micro_district_id=cell, limit=2)
        assert len(found) == 2
        assert found[0].yard_id == made[1]
        assert found[0].risk_index >= found[1].risk_index


class TestCheckedMonth:
    def test_default_is_this_month(self) -> None:
        assert checked_month(None, now=datetime(2026, 10, 31, 20, tzinfo=UTC)) == "2026-11"

    @pytest.mark.parametrize("text", ["2026-13", "October", "2026/10", "26-10"])
    def test_bad_month_says_the_format(self, text: str) -> None:
        with pytest.raises(Invalid, match="YYYY-MM"):
            checked_month(text)

    def test_future_month_is_refused(self) -> None:
        with pytest.raises(Invalid, match="has not begun"):
            checked_month("2026-12", now=datetime(2026, 11, 22, tzinfo=UTC))


class TestMonthCache:
    def test_finished_months_are_kept_the_running_one_is_read_fresh(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        this = month_of(utcnow())
        past = shift_month(this, -2)
        cell, _lat, _lon = place_in(session, DISTRICT, 4)
        yard = new_yard(session, district_id=DISTRICT, micro_district_id=cell, address="M 1")
        cache = MonthCache()

        def summary() -> MonthlySummary:
            return monthly_summary(
                session, district_id=DISTRICT, month=this, settings=settings, cache=cache
            )

        def point(s: MonthlySummary, month: str) -> MonthPoint:
            return next(p for p in s.trend if p.month == month)

        first = summary()
        submit_at(session, registry, settings, yard_id=yard, at=utcnow(), pick="worst")
        second = summary()
        assert second.current.submissions == first.current.submissions + 1
        # A month that is over is read once (no real submission can land in it later).
        submit_at(session, registry, settings, yard_id=yard, at=_at(past, 10), pick="worst")
        assert point(summary(), past) == point(first, past)
        fresh = monthly_summary(session, district_id=DISTRICT, month=this, settings=settings)
        assert point(fresh, past).submissions == point(first, past).submissions + 1
        assert fresh.current == second.current
