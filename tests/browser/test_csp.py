"""The Content-Security-Policy holds in Chromium: the resident's pages and the checklist flow
(the map, the service worker, the offline queue) raise no CSP violation at all."""

from __future__ import annotations

from typing import Any

from app.accounts.models import UserRole
from app.platform.db import Database
from tests.browser.test_inspector_map import (
    DESKTOP,
    HOME,
    log_in,
    no_tiles,
    staff_email,
    wait_for_map,
)
from tests.browser.test_resident_flow import answer_all_sections, checklist_url, open_checklist

# Every violation the page reports, kept where the test can read it.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}`);
});
"""


def watch(page: Any) -> list[str]:
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return console


def violations(page: Any, console: list[str]) -> list[str]:
    return [*console, *page.evaluate("window.__csp || []")]


class TestNoViolations:
    def test_resident_pages(self, page, live_server: str) -> None:  # type: ignore[no-untyped-def]
        console = watch(page)
        seen = []
        for path in ("/", "/yard/find", "/login", "/offline", "/no-such-page", "/checklist"):
            response = page.goto(live_server + path)
            assert response is not None
            assert "default-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
            seen += violations(page, console)
        assert seen == []

    def test_the_map_starts_under_the_policy(self, page, live_server: str) -> None:  # type: ignore[no-untyped-def]
        console = watch(page)
        page.goto(live_server + "/yard/find")
        page.wait_for_load_state("networkidle")
        # Leaflet (self-hosted) positions tiles through element.style, which CSP allows.
        page.locator("#map.leaflet-container").wait_for(state="visible")
        page.locator("#map").click()  # a tap chooses a point: a marker from Leaflet's images
        page.wait_for_load_state("networkidle")
        assert violations(page, console) == []

    def test_checklist_flow(self, page, live_server: str) -> None:  # type: ignore[no-untyped-def]
        console = watch(page)
        open_checklist(page, checklist_url(live_server))
        answer_all_sections(page)
        submission_id = page.locator("input[name=id]").input_value()
        page.locator("#checklist-form button[type=submit]").click()
        page.wait_for_url(f"**/result/{submission_id}")
        page.wait_for_load_state("networkidle")
        result_violations = violations(page, console)
        page.locator("a[href^='/yards/']").first.click()
        page.wait_for_load_state("networkidle")
        assert result_violations == [] and violations(page, console) == []


def test_an_inline_script_would_be_caught(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """The watch above can fail: an inline script added to a page is blocked and reported."""
    console = watch(page)
    page.goto(live_server + "/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in violations(page, console))


def test_inspector_map_and_panel(browser, live_server: str, db: Database) -> None:  # type: ignore[no-untyped-def]
    """The staff's side too: the map (tiles from SAFEYARD_MAP_TILE_URL's host), an area's
    panel with its SVG chart."""
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    try:
        no_tiles(context)  # no tile server reachable here; a blocked tile would still report
        page = context.new_page()
        console = watch(page)
        log_in(page, live_server, staff_email(db, UserRole.inspector, districts=[HOME]))
        page.wait_for_url(f"{live_server}/inspector")
        wait_for_map(page)
        page.locator("path.area-shape").first.click()
        page.wait_for_load_state("networkidle")
        assert violations(page, console) == []
    finally:
        context.close()
