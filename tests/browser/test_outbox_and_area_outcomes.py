"""The admins' /admin/outbox and the monthly page's "By micro-district" outcomes in a real
Chromium, in ru and kk, at a phone's (390x844) and a desktop's (1440x900) size: nothing wider
than the screen (tables scroll in their own box), axe finds no serious violation, no whole
address on the outbox page. Screenshots go to /tmp/safeyard-screens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from app.accounts.models import UserRole
from app.areas.trend import month_of, month_start
from app.checklists.loader import ChecklistRegistry
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.db import Database, table_of, utcnow
from tests.browser.conftest import PHONE, axe_violations
from tests.browser.test_inspector_map import SCREENSHOTS, log_in, shoot, staff_email
from tests.factories import answers_for, new_location, store_submission

pytestmark = pytest.mark.slow
DESKTOP = {"width": 1440, "height": 900}
DISTRICT = "zhetysu"
ADDRESS = "kuanysh.abenov@zhetysu-akimat.example"
_OUTBOX = table_of(OutboxMessage)


@pytest.fixture(scope="module")
def area(live_server: str, db: Database, registry: ChecklistRegistry, settings: Settings) -> str:
    """A Zhetysu micro-district of its own with a yard verified and one owed a fix."""
    worst = answers_for(registry.current, pick="worst", role="inspector")
    best = answers_for(registry.current, pick="best", role="inspector")
    now = utcnow()
    start = max(month_start(month_of(now)), now - timedelta(days=2))
    first = new_location(DISTRICT, own_area=True)
    with db.write_session() as session:
        found = None
        for minute, (where, answers) in enumerate([(first, worst), (first, best)], start=1):
            found = store_submission(
                session,
                registry=registry,
                settings=settings,
                role="inspector",
                location=where,
                answers=answers,
                received_at=start + timedelta(minutes=minute),
            )
        assert found is not None and found.submission.micro_district_id is not None
        micro = found.submission.micro_district_id
        store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=new_location(DISTRICT, micro_district=micro),
            answers=worst,
            received_at=start + timedelta(minutes=3),
        )
    return micro


@pytest.fixture
def messages(live_server: str, db: Database) -> Iterator[list[int]]:
    """Given-up and skipped messages heading the list (removed after the test)."""
    later = utcnow() + timedelta(days=1)
    errors = [
        f"refused: 550 5.1.1 <{ADDRESS}>: Recipient address rejected: User unknown in "
        "virtual mailbox table",
        "gave up after 8 attempts: [Errno 111] Connection refused",
        "skipped: a demo body or address",
        "not sent: the finding is no longer open with this body",
    ]
    keys = []
    with db.write_session() as session:
        for n, error in enumerate(errors):
            key = f"test:{uuid.uuid4()}"
            keys.append(key)
            outbox.enqueue(
                session,
                kind=("finding.to_body", "digest.inspector", "mail.note", "finding.reaudit")[n],
                payload={"to": ADDRESS},
                dedupe_key=key,
            )
            session.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.dedupe_key == key)
                .values(failed_at=later + timedelta(minutes=n), attempts=n + 1, last_error=error)
            )
    yield []
    with db.write_session() as session:
        session.execute(delete(_OUTBOX).where(_OUTBOX.c.dedupe_key.in_(keys)))


def _no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_outbox_page(
    browser, live_server: str, db: Database, messages: list[int], lang: str
) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server, staff_email(db, UserRole.admin), target="/admin/outbox")
    page.goto(f"{live_server}/admin/outbox?lang={lang}")
    assert ADDRESS not in page.content()
    assert page.locator("table.outbox-problems button[type=submit]").count() >= 2
    shoot(page, f"outbox-{lang}-desktop", full_page=True)
    _no_overflow(page)
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, f"outbox-{lang}-phone", full_page=True)
    _no_overflow(page)
    context.close()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_area_outcomes(browser, live_server: str, db: Database, area: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server, staff_email(db, UserRole.inspector, districts=[DISTRICT]))
    page.goto(f"{live_server}/inspector/districts/{DISTRICT}/monthly?lang={lang}")
    table = page.locator("table.outcomes-areas")
    assert table.locator(f'a[href="/inspector/areas/{area}"]').count() == 1
    table.screenshot(path=str(SCREENSHOTS / f"outcome-areas-{lang}-desktop.png"))
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    _no_overflow(page)
    table.locator("xpath=..").screenshot(path=str(SCREENSHOTS / f"outcome-areas-{lang}-phone.png"))
    context.close()
