"""The offline queue across a browser restart, at the moments where an entry could be lost.

Why the twenty-checklists test once lost "one of 20" (tests/browser/test_resident_flow.py):
the service worker's Background Sync fires as the browser starts, before any page is open,
and sends the queue: checklists and photos. A Playwright route set after the start (the test
made the photo uploads fail so) is too late for the first ones: that entry was sent whole
and left the queue. Nothing was lost; the fault was not in place. This test shows the
launch-time send, with nothing but the browser started.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.platform.db import Database
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.browser.test_resident_flow import (
    QUEUE_ENTRIES,
    checklist_url,
    fill_with_photo,
    open_checklist,
    photos_stored,
    submissions_stored,
    wait_for_service_worker,
)

COUNT = 3


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "yard.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (60, 90, 40)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def start(browser: Any, tmp_path: Path) -> Callable[[], Any]:
    """Starts the browser on one profile kept across starts (IndexedDB, worker, sync)."""

    def launch() -> Any:
        return browser.browser_type.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport=PHONE,
            locale="ru-RU",
            service_workers="allow",
        )

    return launch


def queue_offline(context: Any, url: str, photo: Path) -> list[str]:
    """COUNT checklists with a photo each, queued with no connection; their ids."""
    page = context.pages[0] if context.pages else context.new_page()
    context.set_offline(True)
    ids = []
    for _ in range(COUNT):
        page.goto(url)
        page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")
        ids.append(fill_with_photo(page, photo))
    queued = page.evaluate(QUEUE_ENTRIES)
    assert sorted(e["id"] for e in queued) == sorted(ids)
    return ids


def wait_until(check: Callable[[], bool], seconds: float = 60) -> bool:
    """Polls the server's database (there is no page to wait on)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def all_sent(db: Database, ids: list[str]) -> bool:
    return submissions_stored(db, ids) == {i: 1 for i in ids} and photos_stored(db, ids) == {
        i: 1 for i in ids
    }


def queue_empties(context: Any, live_server: str) -> None:
    page = context.new_page()
    page.goto(live_server + "/")
    for _ in range(300):
        if page.evaluate(QUEUE_ENTRIES) == []:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"still queued: {page.evaluate(QUEUE_ENTRIES)}")


class TestBrowserStart:
    def test_the_worker_sends_the_queue_before_any_page_opens(
        self, start: Callable[[], Any], live_server: str, db: Database, photo: Path
    ) -> None:
        first = start()
        page = first.pages[0] if first.pages else first.new_page()
        url = checklist_url(live_server)
        open_checklist(page, url)
        wait_for_service_worker(page)
        ids = queue_offline(first, url, photo)
        first.close()
        assert set(submissions_stored(db, ids).values()) == {0}

        # Online, and no page of the site opened: Background Sync alone sends it all, each
        # checklist and photo once. A route set now would already be late for some of it.
        second = start()
        assert all(p.url == "about:blank" for p in second.pages)
        assert wait_until(lambda: all_sent(db, ids)), (
            submissions_stored(db, ids),
            photos_stored(db, ids),
        )
        queue_empties(second, live_server)
        assert all_sent(db, ids)
        second.close()
