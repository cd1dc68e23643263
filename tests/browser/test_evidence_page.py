"""The evidence panel in a real Chromium, Russian and Kazakh, at a phone's and a desktop's
size: nothing overflows, axe finds no serious violation. Screenshots in /tmp for a person to
look at (evidence-<lang>-<width>.png)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from app.accounts.models import UserRole
from app.platform.db import Database
from app.validation.models import ValidationRun
from tests.browser.conftest import PHONE, axe_violations
from tests.browser.test_inspector_map import log_in, staff_email
from tests.validation.planted import planted_result

DESKTOP = {"width": 1440, "height": 900}
OVERFLOW = (Path(__file__).parent / "staff_overflow.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def stored_run(db: Database) -> Iterator[int]:
    with db.write_session() as session:
        run = ValidationRun(synthetic=True, method_version="1", result=planted_result())
        session.add(run)
        session.flush()
        assert run.id is not None
        run_id = run.id
    yield run_id
    with db.write_session() as session:
        session.execute(delete(ValidationRun).where(ValidationRun.id == run_id))  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_evidence_page(browser, live_server: str, db: Database, stored_run: int, lang: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server, staff_email(db, UserRole.inspector, districts=["almaly"]))
    page.goto(f"{live_server}/inspector/evidence?lang={lang}")
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.screenshot(path=f"/tmp/evidence-{lang}-{size['width']}.png", full_page=True)
        problems = page.evaluate(OVERFLOW)
        assert problems == [], json.dumps(problems, ensure_ascii=False, indent=1)
    assert axe_violations(page) == []
    context.close()
