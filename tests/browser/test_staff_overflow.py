"""The staff pages at a tablet's (1024x768) and a desktop's (1440x900) size, in Russian and
Kazakh, as an admin and as a district inspector, in a real Chromium: nothing wider than the
window, no box whose content spills out of it, no number or word broken across two lines.
Screenshots go to /tmp/safeyard-screens/staff-<page>-<lang>-<size>.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from tests.browser.test_inspector_map import (
    SCREENSHOTS,
    log_in,
    no_tiles,
    staff_email,
    wait_for_map,
)
from tests.factories import answers_for, area_index, new_location, store_submission

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
LANGS = ("ru", "kk")
HOME = "almaly"

# What overflows or breaks on the page, as [{what, where, detail}] (see the script).
CHECK = (Path(__file__).parent / "staff_overflow.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def area(db: Database, registry: ChecklistRegistry, settings: Settings) -> str:
    """Audited and residents' yards in three districts (one area with several), so the tables,
    cards and flags have figures; the id of the area with several audited yards."""
    audit = answers_for(registry.current, role="inspector")
    mild = answers_for(registry.current, pick="best", role="inspector")
    where = new_location(district=HOME, own_area=True)
    cell = area_index().locate(where["lat"], where["lon"]).micro_district_id
    with db.write_session() as session:
        first = store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            answers=audit,
            location=where,
        )
        home = first.submission.micro_district_id
        assert home is not None
        for n in range(5):
            store_submission(
                session,
                registry=registry,
                settings=settings,
                role="inspector",
                answers=audit if n % 2 else mild,
                location=new_location(micro_district=cell),
            )
        for district in ("bostandyk", "auezov", "medeu"):
            for n in range(3):
                store_submission(
                    session,
                    registry=registry,
                    settings=settings,
                    role="inspector",
                    answers=audit if n else mild,
                    location=new_location(district=district),
                )
            store_submission(
                session,
                registry=registry,
                settings=settings,
                location=new_location(district=district),
            )
    return home


def pages(role: UserRole, area: str) -> dict[str, str]:
    out = {
        "map": "/inspector",
        "area": f"/inspector/areas/{area}",
        "monthly": f"/inspector/districts/{HOME}/monthly",
        "photos": "/inspector/photos",
    }
    if role is UserRole.admin:
        out.update(users="/admin/users", audit="/admin/audit", privacy="/admin/privacy")
    return out


@pytest.mark.parametrize("role", [UserRole.admin, UserRole.inspector], ids=lambda r: r.value)
def test_staff_pages_fit(  # type: ignore[no-untyped-def]
    browser, live_server: str, db: Database, area: str, role: UserRole
) -> None:
    context = browser.new_context(viewport=SIZES["desktop"], locale="ru-RU")
    no_tiles(context)
    page = context.new_page()
    links = {"districts": [HOME]} if role is UserRole.inspector else {}
    log_in(page, live_server, staff_email(db, role, **links))
    page.wait_for_url(f"{live_server}/inspector")
    SCREENSHOTS.mkdir(exist_ok=True)
    found: dict[str, Any] = {}
    for lang in LANGS:
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            for key, path in pages(role, area).items():
                response = page.goto(f"{live_server}{path}?lang={lang}")
                assert response is not None and response.status == 200, (path, lang)
                if key == "map":
                    wait_for_map(page)
                    base = page.locator("#inspector-map[data-base-ready=true]")
                    base.wait_for(state="attached", timeout=30_000)
                problems = page.evaluate(f"({CHECK})()")
                if problems:
                    found[f"{role.value} {key} {lang} {size}"] = problems[:6]
                if role is UserRole.admin or key in ("map", "area"):
                    page.screenshot(
                        path=str(SCREENSHOTS / f"staff-{role.value}-{key}-{lang}-{size}.png"),
                        full_page=True,
                    )
    context.close()
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
