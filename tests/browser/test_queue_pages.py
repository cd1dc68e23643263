"""The work queue and a finding's page in a real Chromium, at a phone's and a desktop's size:
a Zhetysu inspector logs in, filters the queue with the plain form (no script needed), opens a
finding, files it with its body through the form and sees the change in its history; no page
scrolls sideways and axe finds no serious violation."""

from __future__ import annotations

import pytest

from app.accounts.models import UserRole
from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from tests.browser.conftest import PHONE, axe_violations
from tests.browser.test_inspector_map import log_in, staff_email
from tests.factories import answers_for, create_yard, new_location, placement_of, store_submission
from tests.findings_factories import link_cooperative, new_body

DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def area(db: Database, registry: ChecklistRegistry, settings: Settings) -> str:
    """A Zhetysu micro-district of the test's own with one audited yard whose cooperative
    takes its findings by phone."""
    worst = answers_for(registry.current, pick="worst", role="inspector")
    with db.write_session() as session:
        where = new_location("zhetysu", own_area=True)
        yard = create_yard(session, location=where)
        assert yard.id is not None
        # The cooperative takes every item, so whichever finding is opened has its body.
        keeper = new_body(
            session,
            district="zhetysu",
            kind=BodyKind.cooperative,
            items=list(worst),
            channel="phone",
        )
        link_cooperative(session, yard_id=yard.id, body_id=keeper.id)
        store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=where,
            answers=worst,
        )
    found = placement_of(where)[1]
    assert found is not None
    return found


def no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_queue_and_a_finding(browser, live_server: str, db: Database, area: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="ru-RU", java_script_enabled=True)
    page = context.new_page()
    log_in(page, live_server, staff_email(db, UserRole.inspector, districts=["zhetysu"]))
    page.goto(f"{live_server}/inspector/queue")
    page.select_option("#q-area", area)
    page.locator("form.queue-filters button[type=submit]").click()
    page.wait_for_url("**/inspector/queue?**area=**")
    no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)
    no_sideways_scroll(page)
    page.set_viewport_size(PHONE)
    page.locator(".queue-items a").first.click()
    page.wait_for_url("**/inspector/findings/**")
    no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.fill("#reference", "ЖТ-77")
    page.locator("form[action$='/mark-sent'] button[type=submit]").click()
    page.wait_for_url("**?done=mark-sent")
    assert page.locator(".history-list li").count() >= 2
    assert "ЖТ-77" in page.content()
    page.set_viewport_size(DESKTOP)
    no_sideways_scroll(page)
    assert axe_violations(page) == []
    context.close()
