"""A yard's current risk has one source, its kept ``yard_risk`` row: the yard page, the API,
the report's data and the inspectors' map show the same figure right after a submission, and
only the daily refresh moves the window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import UserRole
from app.accounts.scope import Scope
from app.channels.pages import views
from app.channels.reports.yard import yard_report
from app.channels.staff import map_clusters
from app.channels.staff.map_views import BBox
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.scoring import combine_answers, score_answers
from app.scoring.combine import combine, score_combined
from app.submissions.yard_risk import refresh_yard_risk
from app.yards.models import Yard
from app.yards.risk import current_risk
from app.yards.risk_models import YardRisk
from tests.factories import (
    answers_for,
    create_yard,
    new_location,
    post_submission,
    store_submission,
)


def _marker(context: Any, session: Session, yard: Yard) -> dict[str, Any]:
    """The yard's marker as the map serves it: from the process's kept points."""
    box = BBox(yard.lon - 0.001, yard.lat - 0.001, yard.lon + 0.001, yard.lat + 0.001)
    layer = map_clusters.yard_layer(
        context.area_keeper.yard_points.current(session),
        bbox=box,
        scope=Scope(role=UserRole.admin, city_wide=True),
        shapes=context.area_keeper.shapes(session),
        min_audited=context.settings.area_min_audited,
    )
    assert layer.mode == "yards"
    return next(f["properties"] for f in layer.features if f["properties"]["yard_id"] == yard.id)


class TestOneSource:
    def test_page_api_report_and_map_agree_right_after_a_submission(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        loaded = registry.current
        location = new_location("nauryzbay")  # committed: away from other tests' areas
        worst, best = answers_for(loaded), answers_for(loaded, pick="best")
        yard_id = post_submission(client, loaded, location=location, answers=worst)["yard_id"]
        context = client.app.state.context  # type: ignore[attr-defined]
        with db.session() as session:
            # The map's kept points are read now, so the marker below must follow the writes.
            first = session.get(Yard, yard_id)
            assert first is not None
            assert _marker(context, session, first)["band"] is not None
        for answers in (best, best):
            assert (
                post_submission(client, loaded, location=location, answers=answers)["yard_id"]
                == yard_id
            )
        api = client.get(f"/api/v1/yards/{yard_id}", headers={"Accept-Language": "en"})
        api = api.json()["current"]
        with db.session() as session:
            yard = session.get(Yard, yard_id)
            row = session.get(YardRisk, yard_id)
            assert yard is not None and row is not None
            page = views.yard_context(context, session, yard=yard, lang="en")
            report = yard_report(
                session, yard=yard, registry=registry, settings=settings, lang="en"
            )
            marker = _marker(context, session, yard)
        median = combine_answers(loaded.scoring, [worst, best, best])
        expected = score_answers(loaded.scoring, median, role="resident")
        assert row.risk_index == expected.risk_index and row.band == expected.band
        assert page["score"].risk_index == api["score"]["risk_index"] == report.risk_index
        assert report.risk_index == row.risk_index and marker["risk_index"] == round(
            row.risk_index, 1
        )
        assert page["score"].band == api["score"]["band"] == report.band == marker["band"]
        assert page["current"].residents == api["residents"] == report.residents == 3
        assert page["current"].basis == api["basis"] == report.basis == marker["basis"]
        # The explanation too: the factors to fix first are the same on page, API and report.
        factors = [f.item_id for f in page["score"].top_factors]
        assert factors == [f["item_id"] for f in api["score"]["top_factors"]]
        assert factors == [f.item_id for f in report.failing][: len(factors)]


class TestTheRefreshMovesTheWindow:
    def test_the_page_keeps_a_figure_until_the_daily_refresh(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        """Accepted (issue 11): a yard whose oldest submission has just left the window shows
        the figure its last write kept until the refresh runs."""
        loaded = registry.current
        window = settings.current_risk_window_days
        worst, best = answers_for(loaded), answers_for(loaded, pick="best")
        yard = create_yard(session, district="nauryzbay")
        assert yard.id is not None
        now = utcnow()
        # Half a day inside the window today; outside it tomorrow.
        for answers, age in ((worst, timedelta(days=window) - timedelta(hours=12)), (best, None)):
            store_submission(
                session,
                registry=registry,
                settings=settings,
                yard_id=yard.id,
                location=None,
                answers=answers,
                received_at=now - age if age else None,
            )

        def page() -> Any:
            return current_risk(
                session, yard_id=yard.id, registry=registry, window_days=window, lang="en"
            )

        two = combine(loaded.scoring, [worst, best])
        both = score_combined(loaded.scoring, two.answers, two.risks, role="resident")
        kept = page()
        assert kept.residents == 2 and kept.score is not None
        assert kept.score.risk_index == both.risk_index
        # Tomorrow, before the refresh: the page reads the kept row, whatever the clock says.
        assert page() == kept
        refresh_yard_risk(
            session,
            yard_id=yard.id,
            registry=registry,
            window_days=window,
            disagreement_points=settings.disagreement_points,
            now=now + timedelta(days=1),
        )
        moved = page()
        assert moved.residents == 1 and moved.score is not None
        assert (
            moved.score.risk_index
            == score_answers(loaded.scoring, best, role="resident").risk_index
        )
