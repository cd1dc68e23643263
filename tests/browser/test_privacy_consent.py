"""In Chromium, the enhanced checklist (one section per screen) shows the consent text and its
link to /privacy at the last step, next to the send button, before anything is sent."""

from __future__ import annotations

from app.platform.db import Database
from tests.browser.test_resident_flow import checklist_url, open_checklist


class TestConsentInTheEnhancedForm:
    def test_shown_with_the_send_button(self, page, live_server: str, db: Database) -> None:  # type: ignore[no-untyped-def]
        open_checklist(page, checklist_url(live_server))
        sections = page.locator("fieldset.section")
        for index in range(sections.count() - 1):
            sections.nth(index).wait_for(state="visible")
            page.locator("[data-action=next]").click()
        send = page.locator("#checklist-form button[type=submit]")
        send.wait_for(state="visible")
        consent = page.locator("#consent")
        assert consent.is_visible()
        assert "SafeYard" in consent.inner_text()
        assert consent.locator("a[href='/privacy']").is_visible()
        assert consent.bounding_box()["y"] < send.bounding_box()["y"]
        consent.locator("a[href='/privacy']").click()
        page.wait_for_url("**/privacy")
        assert page.locator("#rights").is_visible()
