"""Outcomes on the staff pages in a real Chromium: the dashboard's block and the district
monthly page's section (with a yard verified this month) in kk and ru, on a desktop and a
phone: nothing wider than the screen (tables scroll in their own box), axe finds no serious
violation. Screenshots go to /tmp/safeyard-screens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts.models import UserRole
from app.areas.trend import month_of, month_start
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.browser.conftest import PHONE, axe_violations
from tests.browser.test_inspector_map import DESKTOP, log_in, shoot, staff_email
from tests.factories import answers_for, new_location, store_submission

pytestmark = pytest.mark.slow
DISTRICT = "turksib"


@pytest.fixture(scope="module")
def verified(
    live_server: str, db: Database, registry: ChecklistRegistry, settings: Settings
) -> int:
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
            answers=answers_for(registry.current, pick="worst", role="inspector"),
            received_at=start + timedelta(minutes=1),
        )
        store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=location,
            answers=answers_for(registry.current, pick="best", role="inspector"),
            received_at=start + timedelta(minutes=2),
        )
        return found.submission.yard_id


def _no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_outcomes_on_the_staff_pages(
    browser, live_server: str, db: Database, verified: int, lang: str
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server, staff_email(db, UserRole.inspector, districts=[DISTRICT]))
    page.goto(f"{live_server}/inspector?lang={lang}")
    block = page.locator("section.outcomes")
    assert block.is_visible()
    block.screenshot(path=f"/tmp/safeyard-screens/outcomes-dashboard-{lang}.png")
    page.goto(f"{live_server}/inspector/districts/{DISTRICT}/monthly?lang={lang}")
    section = page.locator("section[aria-labelledby=outcomes-title]")
    assert section.is_visible()
    assert section.locator(f'a[href="/inspector/yards/{verified}/findings"]').count() == 1
    shoot(page, f"outcomes-monthly-{lang}")
    section.screenshot(path=f"/tmp/safeyard-screens/outcomes-monthly-section-{lang}.png")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    _no_overflow(page)
    section.screenshot(path=f"/tmp/safeyard-screens/outcomes-monthly-phone-{lang}.png")
    page.goto(f"{live_server}/inspector?lang={lang}")
    _no_overflow(page)
    context.close()
