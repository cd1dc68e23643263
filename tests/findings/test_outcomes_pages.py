"""Outcomes where people read them: the inspector dashboard's block, the district monthly
page's section, and ``outcomes`` in ``/api/v1/districts`` (documented in the OpenAPI
schema). Who may see them: inspectors and admins (the district page: its own inspectors);
others are refused. The figures are checked against a known world in test_outcomes.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.areas.trend import month_of, month_start
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.accounts.support import fresh_client
from tests.factories import answers_for, new_location, store_submission
from tests.inspectors.support import staff_client

DISTRICT = "turksib"  # the outcomes pages' own verified yard; others only read this district
FIELDS = {
    "month",
    "opened",
    "fixed",
    "verified",
    "verified_how",
    "reopened",
    "median_days_to_verification",
    "median_count",
    "active_at_end",
    "overdue_at_end",
    "overdue_share",
}


@pytest.fixture(scope="module")
def verified_yard(db: Database, registry: ChecklistRegistry, settings: Settings) -> int:
    """A yard of DISTRICT found failing by an audit this month and verified by the next."""
    loaded = registry.current
    now = utcnow()
    start = max(month_start(month_of(now)), now - timedelta(days=5))
    location = new_location(DISTRICT)
    with db.write_session() as session:
        found = store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=location,
            answers=answers_for(loaded, pick="worst", role="inspector"),
            received_at=start + timedelta(minutes=1),
        )
        store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=location,
            answers=answers_for(loaded, pick="best", role="inspector"),
            received_at=start + timedelta(minutes=2),
        )
        return found.submission.yard_id


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    return staff_client(client.app, db, UserRole.inspector, districts=[DISTRICT])


@pytest.fixture(scope="module")
def admin(client: TestClient, db: Database) -> TestClient:
    return staff_client(client.app, db, UserRole.admin)


class TestDashboard:
    @pytest.mark.parametrize(
        ("lang", "title", "row"),
        [
            ("ru", "Результаты", "Открыто снова после проверки"),
            ("kk", "Нәтижелер", "Тексерілген соң қайта ашылды"),
            ("en", "Outcomes", "Reopened after verification"),
        ],
    )
    def test_the_block_in_three_languages(
        self, inspector: TestClient, verified_yard: int, lang: str, title: str, row: str
    ) -> None:
        html = inspector.get(f"/inspector?lang={lang}").text
        assert f'<h2 id="outcomes-title">{title}</h2>' in html
        assert row in html

    def test_the_city_for_an_admin(self, admin: TestClient) -> None:
        assert "The findings of the whole city." in admin.get("/inspector?lang=en").text

    def test_no_block_for_an_inspector_of_no_district(
        self, client: TestClient, db: Database
    ) -> None:
        unlinked = staff_client(client.app, db, UserRole.inspector)
        assert 'id="outcomes-title"' not in unlinked.get("/inspector?lang=en").text


class TestMonthlyPage:
    def test_the_section_with_the_verified_yard(
        self, inspector: TestClient, verified_yard: int
    ) -> None:
        html = inspector.get(f"/inspector/districts/{DISTRICT}/monthly?lang=en").text
        assert "Outcomes of the findings" in html
        assert "By body" in html
        assert f'href="/inspector/yards/{verified_yard}/findings"' in html
        assert "Index before its first finding" in html

    def test_other_districts_inspectors_are_refused(self, client: TestClient, db: Database) -> None:
        other = staff_client(client.app, db, UserRole.inspector, districts=["medeu"])
        assert other.get(f"/inspector/districts/{DISTRICT}/monthly").status_code == 403


class TestApi:
    def test_every_district_has_its_outcomes(
        self, inspector: TestClient, verified_yard: int
    ) -> None:
        body = inspector.get("/api/v1/districts").json()
        by_id = {d["id"]: d for d in body["districts"]}
        outcomes = by_id[DISTRICT]["outcomes"]
        assert set(outcomes["current"]) == FIELDS
        assert set(outcomes["previous"]) == FIELDS
        assert outcomes["current"]["month"] == month_of(utcnow())
        assert outcomes["current"]["verified"] >= 1
        how = outcomes["current"]["verified_how"]
        assert outcomes["current"]["verified"] == sum(how.values())
        for entry in body["districts"]:
            assert set(entry["outcomes"]) == {"current", "previous"}

    def test_the_answer_moves_with_the_findings(
        self,
        inspector: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        verified_yard: int,
    ) -> None:
        def opened() -> int:
            body = inspector.get("/api/v1/districts").json()
            (entry,) = [d for d in body["districts"] if d["id"] == DISTRICT]
            return int(entry["outcomes"]["current"]["opened"])

        before = opened()
        with db.write_session() as session:
            store_submission(
                session,
                registry=registry,
                settings=settings,
                role="inspector",
                location=new_location(DISTRICT),
                answers=answers_for(registry.current, pick="worst", role="inspector"),
            )
        assert opened() > before

    def test_documented_in_the_schema(self, client: TestClient) -> None:
        schema = client.get("/openapi.json").json()
        answer = schema["paths"]["/api/v1/districts"]["get"]["responses"]["200"]
        assert "application/json" in answer["content"]
        month = schema["components"]["schemas"]["MonthOutcomes"]
        assert set(month["properties"]) == FIELDS
        assert all("description" in p or "$ref" in p for p in month["properties"].values())

    def test_who_may_read_it(self, client: TestClient, db: Database) -> None:
        assert fresh_client(client.app).get("/api/v1/districts").status_code == 401
        for role in (UserRole.official, UserRole.cooperative):
            other = staff_client(client.app, db, role)
            assert other.get("/api/v1/districts").status_code == 403
