"""/my-yards and /body at a phone's size (390x844), in Russian and Kazakh, in a real Chromium:
the login lands there, the forms open without JavaScript's help (<details>), nothing is wider
than the window. Screenshots: /tmp/safeyard-screens/coop-<page>-<lang>.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from tests.accounts.support import PASSWORD
from tests.browser.test_inspector_map import SCREENSHOTS
from tests.findings.cooperative_support import (
    audited_yard,
    body_with_official,
    cooperative_of,
    set_deadline,
)

CHECK = (Path(__file__).parent / "staff_overflow.js").read_text(encoding="utf-8")


def _log_in(page: Any, base: str, email: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def _look(page: Any, name: str) -> None:
    for summary in page.locator("details.finding-form > summary").all()[:3]:
        summary.click()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    problems = page.evaluate(CHECK)
    assert problems == [], problems


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_my_yards_on_a_phone(
    lang: str,
    live_server: str,
    context: Any,
    db: Database,
    registry: ChecklistRegistry,
    settings: Settings,
) -> None:
    yard = audited_yard(db, registry, settings)
    user = cooperative_of(db, yard.yard_id)
    page = context.new_page()
    _log_in(page, live_server, user.email, lang)
    assert page.url.endswith("/my-yards")
    _look(page, f"coop-my-yards-{lang}")


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_body_on_a_phone(
    lang: str,
    live_server: str,
    context: Any,
    db: Database,
    registry: ChecklistRegistry,
    settings: Settings,
) -> None:
    yard = audited_yard(db, registry, settings)
    _, official = body_with_official(db, finding_ids=yard.finding_ids[:3])
    set_deadline(db, yard.finding_ids[1], days_from_now=-2)
    page = context.new_page()
    _log_in(page, live_server, official.email, lang)
    assert page.url.endswith("/body")
    _look(page, f"coop-body-{lang}")
