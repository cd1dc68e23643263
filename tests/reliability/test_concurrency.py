"""Truly concurrent requests against the real server (two worker processes, many threads):
the same submission stored once, two submissions for one yard both counted, one yard for
one new place."""

from __future__ import annotations

import statistics
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.areas import service as areas_service
from app.checklists.loader import LoadedChecklist
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.models import Submission
from app.yards.models import Yard
from app.yards.risk_models import YardRisk
from tests.factories import answers_for, new_location, submission_body
from tests.reliability.support import Server, count_rows, post_all_at_once, yards_near


def assert_no_server_error(responses: list[httpx.Response]) -> None:
    """5xx only as a 503 that tells the client when to retry (the PWA then keeps it queued)."""
    for response in responses:
        if response.status_code >= 500:
            assert response.status_code == 503, response.text[:300]
            assert "retry-after" in response.headers


class TestSameSubmissionAtOnce:
    def test_one_uuid_posted_100_times_is_stored_once(
        self, server: Server, module_url: str, loaded: LoadedChecklist
    ) -> None:
        body = submission_body(loaded)
        responses = post_all_at_once(server.base, [body] * 100)

        assert_no_server_error(responses)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 99 + [201], statuses  # one stored it, the rest replayed
        answers = [r.json() for r in responses]
        assert {a["id"] for a in answers} == {body["id"]}
        assert len({(a["yard_id"], a["risk_index"], a["received_at"]) for a in answers}) == 1
        stored = count_rows(
            module_url,
            select(func.count())
            .select_from(Submission)
            .where(Submission.id == uuid.UUID(body["id"])),
        )
        assert stored == 1
        yard = count_rows(
            module_url, select(Yard.submission_count).where(Yard.id == answers[0]["yard_id"])
        )
        assert yard == 1
        assert len(yards_near(module_url, body["location"]["lat"], body["location"]["lon"])) == 1


class TestOneYardAtOnce:
    def test_two_submissions_for_one_yard_both_count(
        self, server: Server, module_url: str, loaded: LoadedChecklist
    ) -> None:
        place = new_location()
        first = httpx.post(
            server.base + "/api/v1/submissions",
            json=submission_body(loaded, location=place, answers=answers_for(loaded, pick="best")),
        )
        assert first.status_code == 201
        yard_id = first.json()["yard_id"]
        # Both at once, both the worst answers: the residents' median moves to theirs only
        # if both are counted (with one lost it would be halfway).
        worst = answers_for(loaded, pick="worst")
        pair = [
            submission_body(loaded, yard_id=yard_id, location=None, answers=worst),
            submission_body(loaded, location=place, answers=worst),
        ]
        responses = post_all_at_once(server.base, pair)

        assert [r.status_code for r in responses] == [201, 201]
        assert {r.json()["yard_id"] for r in responses} == {yard_id}
        indexes = [first.json()["risk_index"]] + [r.json()["risk_index"] for r in responses]
        risk = self._yard_risk(module_url, yard_id)
        assert risk["residents"] == 3
        assert risk["risk_index"] == statistics.median(indexes)
        assert count_rows(module_url, select(Yard.submission_count).where(Yard.id == yard_id)) == 3
        yard = httpx.get(f"{server.base}/api/v1/yards/{yard_id}").json()
        assert yard["submission_count"] == 3
        self._assert_area_counts_yard(module_url, risk)

    @staticmethod
    def _yard_risk(url: str, yard_id: int) -> dict[str, Any]:
        row = count_rows(url, select(YardRisk).where(YardRisk.yard_id == yard_id))
        assert row is not None
        return {
            "residents": row.residents,
            "risk_index": row.risk_index,
            "micro_district_id": row.micro_district_id,
        }

    @staticmethod
    def _assert_area_counts_yard(url: str, risk: dict[str, Any]) -> None:
        """The micro-district's figures (as the map and exports build them) hold the yard's
        new risk: their mean is that of the area's yards as they now stand."""
        micro = risk["micro_district_id"]
        database = Database(url)
        try:
            with database.session() as session:
                expected = session.execute(
                    select(func.avg(YardRisk.risk_index)).where(
                        YardRisk.micro_district_id == micro,
                        YardRisk.risk_index.is_not(None),  # type: ignore[union-attr]
                    )
                ).scalar()
                report = areas_service.micro_district_figures(
                    session, settings=Settings(database_url=url), neighbours={}, sections=()
                )
        finally:
            database.dispose()
        figures = report.areas[micro]
        assert figures.yards_audited >= 1
        assert figures.mean_risk == pytest.approx(expected)


class TestOneNewPlaceAtOnce:
    def test_one_new_place_makes_one_yard(
        self, server: Server, module_url: str, loaded: LoadedChecklist
    ) -> None:
        place = new_location()  # no other test's yard is within the match radius
        bodies = [
            # Within a few metres of each other: one yard, whoever comes first makes it.
            submission_body(
                loaded,
                location={**place, "lat": place["lat"] + i * 0.00001, "lon": place["lon"]},
            )
            for i in range(16)
        ]
        responses = post_all_at_once(server.base, bodies)

        assert_no_server_error(responses)
        assert [r.status_code for r in responses] == [201] * len(bodies)
        yard_ids = {r.json()["yard_id"] for r in responses}
        assert len(yard_ids) == 1, f"one place, several yards: {sorted(yard_ids)}"
        assert len(yards_near(module_url, place["lat"], place["lon"])) == 1
        assert count_rows(
            module_url, select(Yard.submission_count).where(Yard.id == yard_ids.pop())
        ) == len(bodies)
