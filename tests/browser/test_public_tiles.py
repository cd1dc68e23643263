"""The residents' maps ask no tile server by default (issue 18, point 2: OpenStreetMap's tile
policy is not for public traffic): /yard/find and /map draw SafeYard's own base layer
(/api/v1/map/base) in a real Chromium, and no request goes to tile.openstreetmap.org or to any
other host. A tile server is used only when the operator names one
(``public_map_tile_url``, tests/pages/test_find.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE

OSM_TILES = "tile.openstreetmap.org"


def watch_requests(context: Any, live_server: str) -> tuple[list[str], list[str]]:
    """Every URL the pages ask for, and those that leave the site (aborted)."""
    seen: list[str] = []
    outside: list[str] = []

    def handle(route: Any) -> None:
        seen.append(route.request.url)
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", handle)
    return seen, outside


class TestNoTileServer:
    @pytest.mark.parametrize(("path", "map_id"), [("/yard/find", "map"), ("/map", "public-map")])
    def test_default_asks_no_tile_server(
        self, browser: Any, live_server: str, path: str, map_id: str
    ) -> None:
        context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="block")
        seen, outside = watch_requests(context, live_server)
        page = context.new_page()
        page.goto(f"{live_server}{path}")
        page.wait_for_selector(f"#{map_id}[data-base-ready='true']", timeout=30_000)
        # Zoomed in towards a yard's scale, where tiles would come in numbers.
        page.locator(f"#{map_id}").focus()
        for _ in range(3):
            page.keyboard.press("+")
        page.wait_for_timeout(500)
        assert not [url for url in seen if OSM_TILES in url]
        assert outside == []
        assert any("/api/v1/map/base" in url for url in seen)
        # The base layer draws its streets: the map is not a blank background.
        assert page.locator(f"#{map_id} canvas").count() >= 1
        context.close()
