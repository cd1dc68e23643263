"""The server answers 503 (its database unavailable or locked): the PWA keeps the filled
checklist queued in IndexedDB and sends it, once, when the server is back."""

from __future__ import annotations

import json
import re

from app.platform.db import Database
from tests.browser.conftest import PHONE
from tests.browser.test_resident_flow import (
    answer_all_sections,
    checklist_url,
    open_checklist,
    shoot,
    stored,
)

SUBMISSIONS = re.compile(r"/api/v1/submissions(\?.*)?$")
UNAVAILABLE = {
    "status": 503,
    "headers": {"Retry-After": "1", "Content-Type": "application/json"},
    "body": json.dumps(
        {"error": "unavailable", "message": "The database is unavailable.", "details": []}
    ),
}


class TestServerUnavailable:
    def test_a_503_keeps_the_submission_queued_until_it_is_stored(  # type: ignore[no-untyped-def]
        self, browser, live_server: str, db: Database
    ) -> None:
        # No service worker: its own fetches would pass beside the route that plays the 503.
        context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="block")
        try:
            self._check(context, context.new_page(), live_server, db)
        finally:
            context.close()

    @staticmethod
    def _check(context, page, live_server: str, db: Database) -> None:  # type: ignore[no-untyped-def]
        refused: list[str] = []

        def database_down(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.method == "POST":
                refused.append(route.request.url)
                route.fulfill(**UNAVAILABLE)
            else:
                route.continue_()

        context.route(SUBMISSIONS, database_down)
        open_checklist(page, checklist_url(live_server))
        answer_all_sections(page)
        submission_id = page.locator("input[name=id]").input_value()
        page.locator("#checklist-form button[type=submit]").click()
        page.locator("#queued").wait_for(state="visible")
        # The server answered (503): a busy server, not a lost connection.
        assert "Сервер сейчас перегружен" in page.locator("#queued").inner_text()
        status = page.locator("#queue-status")
        status.wait_for(state="visible")
        assert "1" in status.inner_text()
        shoot(page, "unavailable-queued")
        assert refused, "the PWA did try to send it"
        page.reload()  # still queued after a reload
        page.locator("#queue-status").wait_for(state="visible")
        assert "1" in page.locator("#queue-status").inner_text()
        assert stored(db, submission_id) == 0

        context.unroute(SUBMISSIONS, database_down)  # the database is back
        for _ in range(200):  # the next try honours Retry-After and the back-off
            if stored(db, submission_id):
                break
            page.wait_for_timeout(200)
        assert stored(db, submission_id) == 1
        page.wait_for_timeout(1000)
        assert stored(db, submission_id) == 1, "sent exactly once"
