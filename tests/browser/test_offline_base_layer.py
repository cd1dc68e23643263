"""The maps' base layer offline (issue 18, point 2), and what the service worker never keeps.

The service worker keeps /api/v1/map/base?lang=<the phone's language> (templates/pwa/sw.js):
with no signal and an empty HTTP cache, /yard/find and /map still draw their streets and
district borders, and nothing is asked of another host. Staff pages and the staff API are
never in any of its caches, whatever a signed-in inspector opens."""

from __future__ import annotations

from typing import Any

import pytest

from app.accounts.models import UserRole
from app.platform.db import Database
from tests.browser.conftest import PHONE
from tests.browser.test_inspector_map import log_in, staff_email
from tests.browser.test_public_tiles import watch_requests

# Every URL in every cache of this origin's service worker.
CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""
STAFF_PREFIXES = (
    "/inspector",
    "/admin",
    "/api/v1/micro-districts",
    "/api/v1/districts",
    "/api/v1/exports/",
    "/api/v1/map/",
)


def outside_requests(context: Any, live_server: str) -> list[str]:
    """Requests for any other host (aborted), from the pages and the service worker."""
    return watch_requests(context, live_server)[1]


def controlled(page: Any) -> None:
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def wait_until_kept(page: Any, url: str) -> None:
    # page.evaluate awaits the promise (a waited-for function's promise would count as true).
    for _ in range(150):
        if page.evaluate("async (url) => !!(await caches.match(url, { ignoreVary: true }))", url):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the service worker did not keep {url}")


def go_offline(context: Any, page: Any) -> None:
    # Only the service worker's copies may answer: the browser's HTTP cache is emptied.
    context.new_cdp_session(page).send("Network.clearBrowserCache")
    context.set_offline(True)


def installed_from(browser: Any, live_server: str, path: str) -> tuple[Any, Any, list[str]]:
    """A phone's context with the service worker installed from ``path`` and controlling it;
    the list of requests for any other host."""
    context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="allow")
    outside = outside_requests(context, live_server)
    page = context.new_page()
    page.goto(f"{live_server}{path}")
    controlled(page)
    return context, page, outside


class TestOffline:
    @pytest.mark.parametrize("lang", ["ru", "kk"])
    def test_the_find_page_draws_its_base_layer_offline(
        self, browser: Any, live_server: str, lang: str
    ) -> None:
        context, page, outside = installed_from(browser, live_server, f"/yard/find?lang={lang}")
        page.wait_for_selector("#map[data-base-ready='true']", timeout=30_000)
        online_hint = page.locator(".map-hint").inner_text()
        # The phone's language is the page's: its base layer is kept, the others are not.
        wait_until_kept(page, f"/api/v1/map/base?lang={lang}")
        go_offline(context, page)
        page.reload()
        page.wait_for_selector("#map[data-base-ready='true']", timeout=30_000)
        assert page.locator("#map canvas").count() >= 1
        # Not "the map cannot be loaded without internet".
        assert page.locator(".map-hint").inner_text() == online_hint
        assert outside == []
        context.close()

    def test_the_public_map_draws_its_base_layer_offline(
        self, browser: Any, live_server: str
    ) -> None:
        context, page, outside = installed_from(browser, live_server, "/map?lang=ru")
        # Seen once online: the areas' answer is kept with the base layer.
        page.wait_for_selector("#public-map[data-base-ready='true']", timeout=30_000)
        wait_until_kept(page, "/api/v1/map/base?lang=ru")
        go_offline(context, page)
        page.goto(f"{live_server}/map?lang=ru")
        page.wait_for_selector("#public-map[data-base-ready='true']", timeout=30_000)
        assert page.locator("#public-map canvas").count() >= 1
        assert outside == []
        context.close()

    def test_the_public_map_draws_its_streets_offline_before_its_areas_were_ever_seen(
        self, browser: Any, live_server: str
    ) -> None:
        # Installed from the find page: /map and the base layer are kept ahead, its areas not.
        context, page, outside = installed_from(browser, live_server, "/yard/find?lang=ru")
        wait_until_kept(page, "/api/v1/map/base?lang=ru")
        wait_until_kept(page, "/map?lang=ru")
        go_offline(context, page)
        page.goto(f"{live_server}/map?lang=ru")
        page.wait_for_selector("#public-map[data-base-ready='true']", timeout=30_000)
        page.wait_for_selector("#public-map[data-areas-failed='true']", timeout=30_000)
        assert page.locator("#public-map canvas").count() >= 1
        assert page.locator("#public-map path.area-shape").count() == 0
        status = page.locator("#public-map-status").inner_text()
        assert "Не удалось загрузить" in status, status
        assert outside == []
        context.close()


class TestStaffNeverKept:
    def test_staff_pages_and_api_stay_out_of_every_cache(
        self, browser: Any, live_server: str, db: Database
    ) -> None:
        context, page, _ = installed_from(browser, live_server, "/?lang=ru")
        log_in(page, live_server, staff_email(db, UserRole.inspector, districts=["almaly"]))
        page.goto(f"{live_server}/inspector/map")
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server}/inspector/queue")
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        statuses = page.evaluate(
            """async (urls) => Promise.all(urls.map(async (url) =>
                 [url, (await fetch(url, { credentials: "same-origin" })).status]))""",
            [
                "/api/v1/micro-districts.geojson",
                "/api/v1/exports/areas.csv",
                "/api/v1/map/base?lang=ru&detail=true",
                "/api/v1/map/base?lang=kk&detail=false",
            ],
        )
        # The staff answers did come through the worker, with their data.
        assert dict(statuses)["/api/v1/micro-districts.geojson"] == 200, statuses
        kept = page.evaluate(CACHED_URLS)
        assert kept, "the worker keeps the residents' pages"
        paths = [url.removeprefix(live_server) for url in kept]
        allowed = {f"/api/v1/map/base?lang={lang}" for lang in ("ru", "kk", "en")}
        staff = [p for p in paths if p.startswith(STAFF_PREFIXES) and p not in allowed]
        assert staff == []
        context.close()
