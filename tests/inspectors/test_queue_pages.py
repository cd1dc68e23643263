"""The work queue (/inspector/queue), a yard's findings and a finding's staff page with its
action forms: who gets them, what they show, each action through the page written to the
history, bad input refused with nothing changed. Committed data of the test's own places:
a yard of an Alatau micro-district nobody else has (its cooperative answers for two items),
and a yard of Medeu the Alatau inspector may not see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding, FindingEvent, FindingState
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.accounts.support import TOKEN, create_user, logged_in
from tests.factories import (
    answers_for,
    create_yard,
    new_location,
    placement_of,
    store_submission,
)
from tests.findings.support import DOORS, LIGHT
from tests.findings_factories import link_cooperative, new_body
from tests.inspectors.support import staff_client
from tests.inspectors.test_pages import no_inline_script


@dataclass(frozen=True)
class World:
    yard: int  # Alatau, in its own micro-district
    area: str
    milder: int  # a second yard of that micro-district, fewer failing items
    medeu_yard: int
    light: int  # the Alatau yard's findings
    doors: int
    medeu_finding: int
    spare: int  # a finding of the Alatau yard only the bad-input tests touch (stays open)
    other_body: str  # an Alatau body that answers for nothing (to reroute to)


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    """An inspector of Alatau only (Almaly's few micro-districts are kept for other tests)."""
    return staff_client(client.app, db, UserRole.inspector, districts=["alatau"])


@pytest.fixture(scope="module")
def world(db: Database, registry: ChecklistRegistry, settings: Settings) -> World:
    worst = answers_for(registry.current, pick="worst", role="inspector")
    spare = next(i for i in sorted(worst) if i not in (LIGHT, DOORS))
    best = answers_for(registry.current, pick="best", role="inspector")
    with db.write_session() as session:
        where = new_location("alatau", own_area=True)
        _district, area = placement_of(where)
        assert area is not None
        yard = create_yard(session, location=where)
        assert yard.id is not None
        keeper = new_body(
            session,
            district="alatau",
            kind=BodyKind.cooperative,
            items=[LIGHT, DOORS, spare],
            channel="phone",
        )
        link_cooperative(session, yard_id=yard.id, body_id=keeper.id)
        other = new_body(session, district="alatau", kind=BodyKind.other, name="Тест: другой орган")
        store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=where,
            answers=worst,
        )
        milder = store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=new_location("alatau", micro_district=area),
            answers={**best, LIGHT: "no"},
        ).submission.yard_id
        medeu = store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=new_location("medeu", own_area=True),
            answers=worst,
        ).submission.yard_id
        found = {
            (f.yard_id, f.item_id): f.id
            for f in session.exec(
                select(Finding).where(col(Finding.yard_id).in_([yard.id, medeu]))
            ).all()
        }
    return World(
        yard=yard.id,
        area=area,
        milder=milder,
        medeu_yard=medeu,
        light=found[(yard.id, LIGHT)] or 0,
        doors=found[(yard.id, DOORS)] or 0,
        medeu_finding=found[(medeu, LIGHT)] or 0,
        spare=found[(yard.id, spare)] or 0,
        other_body=other.id,
    )


def token_of(client: TestClient, path: str) -> str:
    match = TOKEN.search(client.get(path).text)
    assert match, path
    return match.group(1)


def post(
    client: TestClient, finding: int, action: str, lang: str = "en", **data: str
) -> tuple[int, str, str]:
    """(status, location, text) of one action's form sent from the finding's page."""
    token = token_of(client, f"/inspector/findings/{finding}")
    response = client.post(
        f"/inspector/findings/{finding}/{action}",
        data={"csrf_token": token, **data},
        headers={"Accept-Language": lang},
        follow_redirects=False,
    )
    return response.status_code, response.headers.get("location", ""), response.text


def state_and_events(db: Database, finding: int) -> tuple[str, list[str]]:
    with db.session() as session:
        row = session.get(Finding, finding)
        assert row is not None
        events = session.exec(
            select(FindingEvent.action)
            .where(FindingEvent.finding_id == finding)
            .order_by(col(FindingEvent.id))
        ).all()
        return row.state, list(events)


class TestAccess:
    @pytest.mark.parametrize(
        "path",
        ["/inspector/queue", "/inspector/findings/{light}", "/inspector/yards/{yard}/findings"],
    )
    def test_anonymous_to_login_cooperative_refused(
        self, path: str, world: World, anonymous: TestClient, cooperative: TestClient
    ) -> None:
        url = path.format(light=world.light, yard=world.yard)
        response = anonymous.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
        assert cooperative.get(url).status_code == 403

    def test_an_official_is_refused(self, client: TestClient, db: Database, world: World) -> None:
        official = staff_client(client.app, db, UserRole.official)
        assert official.get(f"/inspector/findings/{world.light}").status_code == 403
        assert official.get("/inspector/queue").status_code == 403

    def test_another_districts_finding_is_not_found(
        self, world: World, inspector: TestClient, admin: TestClient
    ) -> None:
        assert inspector.get(f"/inspector/findings/{world.medeu_finding}").status_code == 404
        assert inspector.get(f"/inspector/yards/{world.medeu_yard}/findings").status_code == 404
        token = token_of(inspector, f"/inspector/findings/{world.light}")
        response = inspector.post(
            f"/inspector/findings/{world.medeu_finding}/mark-sent",
            data={"csrf_token": token, "reference": "1"},
        )
        assert response.status_code == 404
        assert admin.get(f"/inspector/findings/{world.medeu_finding}").status_code == 200
        assert inspector.get("/inspector/findings/99999999").status_code == 404

    def test_a_cooperative_cannot_act_here(
        self, world: World, cooperative: TestClient, db: Database
    ) -> None:
        before = state_and_events(db, world.doors)
        response = cooperative.post(
            f"/inspector/findings/{world.doors}/start-work", data={"csrf_token": "x"}
        )
        assert response.status_code == 403
        assert state_and_events(db, world.doors) == before


class TestQueuePage:
    def test_only_alatau_and_the_worst_yard_first(
        self, world: World, inspector: TestClient
    ) -> None:
        response = inspector.get(f"/inspector/queue?area={world.area}")
        assert response.status_code == 200
        html = response.text
        no_inline_script(html)
        links = re.findall(r'<h3><a href="/yards/(\d+)">', html)
        assert links == [str(world.yard), str(world.milder)]
        assert f"/inspector/yards/{world.yard}/findings" in html
        assert f"/inspector/findings/{world.light}" in html or (
            f"/inspector/findings/{world.doors}" in html
        )
        everything = inspector.get("/inspector/queue?sort=risk").text
        assert f'href="/yards/{world.medeu_yard}"' not in everything
        # The district's reports, the area's PDF.
        assert "/inspector/districts/alatau/monthly?month=" in html
        assert "/inspector/reports/districts/alatau.pdf" in html
        assert f"/inspector/reports/micro-districts/{world.area}.pdf" in html

    def test_filters_and_sorts_as_a_plain_get_form(
        self, world: World, inspector: TestClient
    ) -> None:
        html = inspector.get("/inspector/queue").text
        assert '<form class="queue-filters card" method="get" action="/inspector/queue">' in html
        for name in ("area", "state", "body", "sort", "overdue", "awaiting", "reaudit", "never"):
            assert f'name="{name}"' in html
        never = inspector.get(f"/inspector/queue?area={world.area}&never=1").text
        assert f'href="/yards/{world.yard}"' not in never
        mine = inspector.get(f"/inspector/queue?area={world.area}&mine=1").text
        assert f'href="/yards/{world.yard}"' not in mine
        bad = inspector.get("/inspector/queue?state=nonsense&sort=nonsense&page=x")
        assert bad.status_code == 200

    def test_city_wide_choose_a_district(self, world: World, admin: TestClient) -> None:
        html = admin.get("/inspector/queue").text
        assert "/inspector/queue?district=alatau" in html
        medeu = admin.get("/inspector/queue?district=medeu&sort=place").text
        assert f'href="/yards/{world.medeu_yard}"' in medeu
        assert f'href="/yards/{world.yard}"' not in medeu

    def test_in_kazakh_and_russian(self, world: World, inspector: TestClient) -> None:
        kk = inspector.get(f"/inspector/queue?area={world.area}", headers={"Accept-Language": "kk"})
        ru = inspector.get(f"/inspector/queue?area={world.area}", headers={"Accept-Language": "ru"})
        assert "Work queue" not in kk.text and "Work queue" not in ru.text

    def test_yard_findings(self, world: World, inspector: TestClient) -> None:
        html = inspector.get(f"/inspector/yards/{world.yard}/findings").text
        assert f"/inspector/findings/{world.light}" in html
        assert f"/inspector/findings/{world.doors}" in html


class TestFindingPage:
    def test_shows_item_remedy_body_and_history(
        self, world: World, inspector: TestClient, registry: ChecklistRegistry
    ) -> None:
        response = inspector.get(f"/inspector/findings/{world.light}")
        assert response.status_code == 200
        html = response.text
        no_inline_script(html)
        item = registry.current.items_by_id[LIGHT]
        assert item.question.en in html
        assert item.remedy is not None and item.remedy.en in html
        assert "By phone" in html  # the cooperative's channel
        assert "Found" in html and "History" in html
        assert f"/findings/{world.light}/photo" not in html  # no fix photo yet

    def test_each_action_writes_its_event(
        self, world: World, inspector: TestClient, admin: TestClient, db: Database
    ) -> None:
        light = world.light
        status, location, _ = post(inspector, light, "mark-sent", reference="ЖТ-2026-1")
        assert (status, location) == (303, f"/inspector/findings/{light}?done=mark-sent")
        page = inspector.get(location).text
        assert "Done: Filed with the body." in page and "ЖТ-2026-1" in page
        assert post(inspector, light, "start-work", note="called")[0] == 303
        today = utcnow().date().isoformat()
        assert post(inspector, light, "report-fix", fixed_on=today, note="new lamps")[0] == 303
        state, events = state_and_events(db, light)
        assert state == FindingState.fix_reported
        assert events[-3:] == ["mark_sent", "start_work", "report_fix"]
        page = inspector.get(f"/inspector/findings/{light}").text
        for words in ("Filed with the body", "Work started", "Fix reported", "new lamps"):
            assert words in page
        assert "Test inspector" in page  # staff by name in the history
        # Now it awaits a check: the queue puts the yard among those to verify.
        queue = inspector.get(f"/inspector/queue?area={world.area}&awaiting=1").text
        assert f'href="/yards/{world.yard}"' in queue

        doors = world.doors
        status, _, _ = post(inspector, doors, "reroute", body_id=world.other_body, reason="moved")
        assert status == 303
        assert post(inspector, doors, "assign", assignee="")[0] == 303
        assert post(admin, doors, "not-ours", reason="not the body's")[0] == 303
        _state, events = state_and_events(db, doors)
        assert events[-3:] == ["reroute", "assign", "not_ours"]
        page = admin.get(f"/inspector/findings/{doors}").text
        for words in ("Rerouted", "Assigned", "not the body&#39;s", "Test other"):
            assert words in page

    def test_assign_to_an_inspector_of_the_yard(
        self, world: World, client: TestClient, db: Database, admin: TestClient
    ) -> None:
        links = accounts_service.Links(["alatau"], [], [], False)
        inspector = create_user(db, role=UserRole.inspector, links=links)
        other = logged_in(client.app, inspector)
        page = admin.get(f"/inspector/findings/{world.doors}").text
        options = re.findall(r'<option value="(\d+)"', page.split('name="assignee"')[1])
        # Offered among the yard's inspectors (others made by other tests may be listed too).
        assert str(inspector.id) in options
        status, _, _ = post(admin, world.doors, "assign", assignee=str(inspector.id))
        assert status == 303
        mine = other.get("/inspector/queue?mine=1").text
        assert f'href="/yards/{world.yard}"' in mine
        status, _, text = post(admin, world.doors, "assign", assignee="99999999")
        assert status == 422 and "Assign it to an active inspector" in text


class TestBadInput:
    @pytest.mark.parametrize(
        ("action", "data", "message"),
        [
            ("mark-sent", {"reference": "  "}, "Type the body's reference number"),
            (
                "report-fix",
                {"fixed_on": (utcnow().date() + timedelta(days=3)).isoformat()},
                "cannot be in the future",
            ),
            ("report-fix", {"fixed_on": "yesterday"}, "Give the date of the fix"),
            ("reroute", {"body_id": "no-such-body", "reason": "x"}, "No such body"),
            ("reroute", {"body_id": "", "reason": ""}, "Write the reason"),
        ],
    )
    def test_refused_with_a_message_and_nothing_changed(
        self,
        action: str,
        data: dict[str, str],
        message: str,
        world: World,
        admin: TestClient,
        db: Database,
    ) -> None:
        target = world.spare
        before = state_and_events(db, target)
        status, _, text = post(admin, target, action, **data)
        assert status == 422, text
        assert message.replace("'", "&#39;") in text
        assert 'class="error-summary"' in text
        assert state_and_events(db, target) == before

    def test_the_message_in_russian(self, world: World, admin: TestClient, db: Database) -> None:
        status, _, text = post(admin, world.spare, "mark-sent", lang="ru", reference="")
        assert status == 422
        assert "Type the body" not in text and "номер" in text


class TestDashboard:
    def test_a_district_inspector_gets_his_district_first(
        self, world: World, inspector: TestClient, admin: TestClient
    ) -> None:
        html = inspector.get("/inspector").text
        assert 'id="my-district-title"' in html and 'id="attention-title"' not in html
        assert 'href="/inspector/queue">' in html  # all my findings
        assert f'href="/yards/{world.medeu_yard}"' not in html
        shown = re.findall(r'href="/inspector/yards/(\d+)/findings"', html)
        assert shown and str(world.medeu_yard) not in shown
        city = admin.get("/inspector").text
        assert 'id="attention-title"' in city and 'id="my-district-title"' not in city

    def test_the_area_panel_links_to_its_queue(self, world: World, inspector: TestClient) -> None:
        html = inspector.get(f"/inspector/areas/{world.area}").text
        assert f'href="/inspector/queue?area={world.area}"' in html
