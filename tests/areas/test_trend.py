"""Month-by-month figures: Almaty calendar months, empty months present, places kept apart."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from app.areas.trend import month_of, month_start, monthly_trend, parse_month, shift_month
from app.checklists.loader import ChecklistRegistry
from app.intake import service as intake_service
from app.platform.config import Settings
from app.scoring import score_answers
from app.submissions.schemas import SubmissionCreate
from app.yards import service as yards_service
from tests.factories import answers_for


def _yard(session: Session, district_id: str) -> int:
    yard = yards_service.create_yard(
        session, lat=43.25, lon=76.91, district_id=district_id, micro_district_id=None, address=None
    )
    assert yard.id is not None
    return yard.id


def _submit(
    session: Session,
    registry: ChecklistRegistry,
    settings: Settings,
    *,
    yard_id: int,
    at: datetime,
    pick: str,
    role: str = "resident",
) -> None:
    data = SubmissionCreate.model_validate(
        {
            "id": str(uuid.uuid4()),
            "checklist_version": registry.current.version,
            "yard_id": yard_id,
            "answers": answers_for(registry.current, pick=pick, role=role),
        }
    )
    intake_service.receive_checklist(
        session,
        data=data,
        registry=registry,
        areas=None,
        settings=settings,
        role=role,
        received_at=at,
    )


class TestMonths:
    def test_almaty_month_starts_five_hours_before_utc_midnight(self) -> None:
        assert month_of(datetime(2026, 9, 30, 18, 59, tzinfo=UTC)) == "2026-09"
        assert month_of(datetime(2026, 9, 30, 19, 0, tzinfo=UTC)) == "2026-10"
        assert month_start("2026-10") == datetime(2026, 9, 30, 19, 0, tzinfo=UTC)

    def test_shift_crosses_years(self) -> None:
        assert shift_month("2026-01", -1) == "2025-12"
        assert shift_month("2025-12", 13) == "2027-01"

    @pytest.mark.parametrize("text", ["2026-13", "26-01", "october", ""])
    def test_bad_month_is_refused_with_the_format(self, text: str) -> None:
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_month(text)


class TestMonthlyTrend:
    def test_counts_means_and_empty_months(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        here, elsewhere = _yard(session, "almaly"), _yard(session, "medeu")
        loaded = registry.current
        worst = score_answers(loaded.scoring, answers_for(loaded, pick="worst"), role="resident")
        best = score_answers(loaded.scoring, answers_for(loaded, pick="best"), role="resident")
        # 20:00 UTC on 31 August is already September in Almaty.
        late_august_utc = datetime(2026, 8, 31, 20, 0, tzinfo=UTC)
        _submit(session, registry, settings, yard_id=here, at=late_august_utc, pick="worst")
        september = datetime(2026, 9, 10, tzinfo=UTC)
        _submit(session, registry, settings, yard_id=here, at=september, pick="best")
        _submit(
            session, registry, settings, yard_id=here, at=september, pick="worst", role="inspector"
        )
        _submit(session, registry, settings, yard_id=elsewhere, at=september, pick="worst")

        points = monthly_trend(session, district_id="almaly", months=3, until="2026-10")
        assert [p.month for p in points] == ["2026-08", "2026-09", "2026-10"]
        august, sept, october = points
        assert august.submissions == 0 and august.mean_risk is None
        assert october.submissions == 0 and october.high_risk_share is None
        assert sept.submissions == 3 and sept.inspector_audits == 1 and sept.yards == 1
        assert sept.mean_risk is not None
        assert worst.risk_index is not None and best.risk_index is not None
        assert sept.mean_risk >= (worst.risk_index * 1 + best.risk_index * 1) / 2 - 1e-6

        yard_points = monthly_trend(session, yard_id=elsewhere, months=1, until="2026-09")
        assert yard_points[0].submissions == 1 and yard_points[0].high_risk_share == 1.0
        city = monthly_trend(session, months=1, until="2026-09")
        assert city[0].submissions >= 4

    def test_a_campaign_in_one_yard_counts_as_one_yard(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        bad, good = _yard(session, "almaly"), _yard(session, "almaly")
        loaded = registry.current
        worst = score_answers(loaded.scoring, answers_for(loaded, pick="worst"), role="resident")
        best = score_answers(loaded.scoring, answers_for(loaded, pick="best"), role="resident")
        assert worst.risk_index is not None and best.risk_index is not None
        # The almaly district in a month of its own (no other test's submissions).
        at = datetime(2024, 3, 10, tzinfo=UTC)
        for _ in range(9):
            _submit(session, registry, settings, yard_id=bad, at=at, pick="worst")
        _submit(session, registry, settings, yard_id=good, at=at, pick="best")
        (point,) = monthly_trend(session, district_id="almaly", months=1, until="2024-03")
        assert (point.submissions, point.yards) == (10, 2)
        # The mean over yards, not over the ten submissions (which would be 0.9 worst).
        assert point.mean_risk == pytest.approx((worst.risk_index + best.risk_index) / 2)
        assert point.high_risk_share == pytest.approx(0.5)
