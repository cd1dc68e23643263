"""/my-yards: a cooperative lands there, sees only its own yards and their findings, and asks
for a re-audit (issue 14, "the cooperative's space")."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding, FindingEvent
from app.platform.config import Settings
from app.platform.db import Database
from tests.accounts.support import create_user, fresh_client, log_in, logged_in
from tests.findings.cooperative_support import (
    audited_yard,
    cooperative_of,
    finding,
    post_form,
)


class TestLanding:
    def test_lands_on_my_yards_and_sees_only_its_yards(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        mine, other = (audited_yard(db, registry, settings) for _ in range(2))
        user = cooperative_of(db, mine.yard_id)
        browser = fresh_client(client.app, Origin="http://testserver")
        response = log_in(browser, user.email)
        assert response.status_code == 303
        assert response.headers["location"] == "/my-yards"
        page = browser.get("/my-yards?lang=en")
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "private, no-store"
        assert f'id="yard-{mine.yard_id}"' in page.text
        assert f'id="yard-{other.yard_id}"' not in page.text
        assert f"/yards/{mine.yard_id}/report.pdf" in page.text
        assert f"/yards/{other.yard_id}/report.pdf" not in page.text
        for finding_id in mine.finding_ids:
            assert f'id="finding-{finding_id}"' in page.text
        for finding_id in other.finding_ids:
            assert f'id="finding-{finding_id}"' not in page.text
        # The header links to the page; the residents' home page too.
        assert 'href="/my-yards"' in browser.get("/?lang=en").text

    def test_shows_item_remedy_index_and_basis(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        browser = logged_in(client.app, cooperative_of(db, yard.yard_id))
        first = finding(db, yard.finding_ids[0])
        item = registry.current.checklist.item(first.item_id)
        assert item is not None and item.remedy is not None
        for lang in ("en", "ru", "kk"):
            page = browser.get(f"/my-yards?lang={lang}")
            assert item.question.get(lang) in page.text
            assert item.remedy.get(lang) in page.text
        page = browser.get("/my-yards?lang=en")
        assert "Risk index" in page.text and "From the latest inspector audit" in page.text
        assert "Report it fixed" in page.text and "Ask for a re-audit" in page.text

    def test_refused_to_others(self, client: TestClient, db: Database) -> None:
        anonymous = fresh_client(client.app).get("/my-yards", follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/login")
        for role in (UserRole.inspector, UserRole.official):
            browser = logged_in(client.app, create_user(db, role=role))
            assert browser.get("/my-yards", follow_redirects=False).status_code == 403


class TestReaudit:
    def test_marks_the_findings_and_writes_events(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        browser = logged_in(client.app, cooperative_of(db, yard.yard_id))
        response = post_form(
            browser, f"/my-yards/yards/{yard.yard_id}/reaudit", {"note": "Все исправили"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/my-yards?done=reaudit"
        with db.session() as session:
            rows = session.exec(select(Finding).where(col(Finding.id).in_(yard.finding_ids)))
            assert all(f.reaudit_requested_at is not None for f in rows)
            events = session.exec(
                select(FindingEvent).where(
                    col(FindingEvent.finding_id).in_(yard.finding_ids),
                    FindingEvent.action == "request_reaudit",
                )
            ).all()
        assert len(events) == len(yard.finding_ids)
        assert {e.reason for e in events} == {"Все исправили"}
        page = browser.get("/my-yards?done=reaudit&lang=en")
        assert "district inspector" in page.text
        assert "Re-audit asked on" in page.text

    def test_another_yard_is_404(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        mine, other = (audited_yard(db, registry, settings) for _ in range(2))
        browser = logged_in(client.app, cooperative_of(db, mine.yard_id))
        response = post_form(browser, f"/my-yards/yards/{other.yard_id}/reaudit", {})
        assert response.status_code == 404
        assert finding(db, other.finding_ids[0]).reaudit_requested_at is None

    def test_too_long_note_keeps_the_text(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        browser = logged_in(client.app, cooperative_of(db, yard.yard_id))
        note = "ж" * 1001
        response = post_form(browser, f"/my-yards/yards/{yard.yard_id}/reaudit", {"note": note})
        assert response.status_code == 422
        assert "at most 1000 characters" in response.text
        assert note in response.text
        assert finding(db, yard.finding_ids[0]).reaudit_requested_at is None
