"""/body: a body's staff see its findings by deadline, overdue first, with the yard's place;
start work, report a fix, "not ours" (rerouted, history kept); nothing of another body and no
inspector's page (issue 14, "a body's staff view lists its findings by deadline")."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.findings.models import FindingEvent, FindingState
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.yards.models import Yard
from tests.accounts.support import create_user, fresh_client, logged_in
from tests.findings.cooperative_support import (
    audited_yard,
    body_with_official,
    cooperative_of,
    finding,
    jpeg_with_gps,
    post_form,
    set_deadline,
)


def _positions(text: str, ids: list[int]) -> list[int]:
    return [text.index(f'id="finding-{i}"') for i in ids]


class TestList:
    def test_only_its_body_by_deadline_overdue_first(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        later, overdue, soon = yard.finding_ids[:3]
        _, official = body_with_official(db, finding_ids=[later, overdue, soon])
        set_deadline(db, later, days_from_now=20)
        set_deadline(db, overdue, days_from_now=-3)
        set_deadline(db, soon, days_from_now=2)
        other = audited_yard(db, registry, settings)
        body_with_official(db, finding_ids=other.finding_ids[:1])  # another body's
        browser = logged_in(client.app, official)
        page = browser.get("/body?lang=en")
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "private, no-store"
        a, b, c = _positions(page.text, [overdue, soon, later])
        assert a < b < c
        assert "Deadline passed" in page.text and "1 overdue" in page.text
        assert f'id="finding-{other.finding_ids[0]}"' not in page.text
        for unrouted in yard.finding_ids[3:]:
            assert f'id="finding-{unrouted}"' not in page.text
        with db.session() as session:
            place = session.get(Yard, yard.yard_id)
            assert place is not None
        assert f"{place.lat:.4f}, {place.lon:.4f}" in page.text
        assert "2gis.kz/almaty" in page.text
        assert "Yard no. " in page.text
        # No map, no answers: the official's header has no inspector's links.
        assert 'href="/inspector"' not in page.text

    def test_filter_by_state(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        first, second = yard.finding_ids[:2]
        _, official = body_with_official(db, finding_ids=[first, second])
        browser = logged_in(client.app, official)
        assert (
            post_form(browser, f"/body/findings/{first}/start", {"note": "Бригада"}).status_code
            == 303
        )
        page = browser.get("/body?state=in_progress&lang=en")
        assert f'id="finding-{first}"' in page.text
        assert f'id="finding-{second}"' not in page.text
        assert finding(db, first).state == FindingState.in_progress

    def test_refused_to_others(self, client: TestClient, db: Database) -> None:
        anonymous = fresh_client(client.app).get("/body", follow_redirects=False)
        assert anonymous.headers["location"].startswith("/login")
        inspector = logged_in(client.app, create_user(db, role=UserRole.inspector))
        assert inspector.get("/body", follow_redirects=False).status_code == 403

    def test_official_without_body(self, client: TestClient, db: Database) -> None:
        browser = logged_in(client.app, create_user(db, role=UserRole.official))
        page = browser.get("/body?lang=en")
        assert page.status_code == 200
        assert "does not act for any body yet" in page.text

    def test_official_may_not_open_the_map(self, client: TestClient, db: Database) -> None:
        _, official = body_with_official(db)
        browser = logged_in(client.app, official)
        assert browser.get("/inspector", follow_redirects=False).status_code == 403


class TestActions:
    def test_not_ours_reroutes_and_keeps_history(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        finding_id = yard.finding_ids[0]
        body_id, official = body_with_official(db, finding_ids=[finding_id])
        browser = logged_in(client.app, official)
        empty = post_form(browser, f"/body/findings/{finding_id}/not-ours", {"reason": " "})
        assert empty.status_code == 422
        assert "Write why the finding is not for your body" in empty.text
        assert finding(db, finding_id).body_id == body_id
        response = post_form(
            browser, f"/body/findings/{finding_id}/not-ours", {"reason": "Это сети ЖКХ"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/body?done=not_ours"
        moved = finding(db, finding_id)
        assert moved.body_id != body_id
        assert body_id in moved.refused_by
        assert moved.state == FindingState.open
        with db.session() as session:
            events = session.exec(
                select(FindingEvent)
                .where(FindingEvent.finding_id == finding_id)
                .order_by(col(FindingEvent.id))
            ).all()
        actions = [e.action for e in events]
        assert actions[0] == "opened" or "opened" in actions
        assert "reroute" in actions and actions[-1] == "not_ours"
        assert events[-1].reason == "Это сети ЖКХ"
        # Gone from the body's page; acting on it again is 404.
        assert f'id="finding-{finding_id}"' not in browser.get("/body?lang=en").text
        again = post_form(browser, f"/body/findings/{finding_id}/start", {})
        assert again.status_code == 404

    def test_another_bodys_finding_is_404(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        theirs = yard.finding_ids[0]
        body_with_official(db, finding_ids=[theirs])
        _, official = body_with_official(db)
        browser = logged_in(client.app, official)
        for path, data in (
            ("start", {}),
            ("not-ours", {"reason": "x"}),
            ("fix", {"fixed_on": utcnow().date().isoformat()}),
        ):
            response = post_form(browser, f"/body/findings/{theirs}/{path}", data)
            assert response.status_code == 404, path
        assert browser.get(f"/findings/{theirs}/photo").status_code == 404
        assert finding(db, theirs).state == FindingState.open

    def test_report_fix_with_photo(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        finding_id = yard.finding_ids[0]
        _, official = body_with_official(db, finding_ids=[finding_id])
        browser = logged_in(client.app, official)
        response = post_form(
            browser,
            f"/body/findings/{finding_id}/fix",
            {"fixed_on": utcnow().date().isoformat(), "note": "Установили фонарь"},
            photo=jpeg_with_gps(),
        )
        assert response.status_code == 303
        assert finding(db, finding_id).state == FindingState.fix_reported
        assert browser.get(f"/findings/{finding_id}/photo").status_code == 200
        # The yard's cooperative sees the photo too (its yard); it was not its body's.
        keeper = logged_in(client.app, cooperative_of(db, yard.yard_id))
        assert keeper.get(f"/findings/{finding_id}/photo").status_code == 200

    def test_bad_input_in_the_readers_language(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        finding_id = yard.finding_ids[0]
        _, official = body_with_official(db, finding_ids=[finding_id])
        browser = logged_in(client.app, official)
        note = "қ" * 1001
        response = post_form(
            browser, f"/body/findings/{finding_id}/start", {"note": note}, lang="kk"
        )
        assert response.status_code == 422
        text = response.text
        assert "at most" not in text and "1000" in text
        assert note in text
        bad_photo = post_form(
            browser,
            f"/body/findings/{finding_id}/fix",
            {"fixed_on": utcnow().date().isoformat()},
            photo=b"not a picture at all",
            lang="ru",
        )
        assert bad_photo.status_code == 422
        assert "Фото после исправления не принято" in bad_photo.text
        assert finding(db, finding_id).state != FindingState.fix_reported
