"""/yard/find at 390x844 in Chromium (issue 18, point 5): the map's room is kept from the first
paint, so the page does not shift when the script reveals it (cumulative layout shift, read with
a PerformanceObserver for "layout-shift"); after a tap on the map "Check the yard here" is on
screen. The map draws SafeYard's own base layer (no tile server)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import PHONE, axe_violations

TOUCH_PHONE = {"viewport": PHONE, "has_touch": True, "is_mobile": True, "locale": "ru-RU"}
OBSERVE_SHIFTS = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
}).observe({ type: "layout-shift", buffered: true });
"""
# The page as it was before issue 18: the map, its attribution and "use my location" hidden
# until the script revealed them (kept to measure the "before" figure).
HIDDEN_UNTIL_SCRIPT = re.compile(r'(id="locate-me"|id="map"|class="map-attribution)')


def no_tiles(context: Any) -> None:
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())


def slow_phone(context: Any, page: Any) -> None:
    """Lighthouse's mobile conditions, roughly: a slow 4G link and a CPU four times slower, so
    the page paints before its scripts run (as on a cheap phone)."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 400,
            "downloadThroughput": 1_600_000 / 8,
            "uploadThroughput": 750_000 / 8,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})


def cls_of(browser: Any, base: str, *, as_before: bool = False) -> float:
    context = browser.new_context(**TOUCH_PHONE, service_workers="block")
    no_tiles(context)
    if as_before:

        def old_page(route: Any) -> None:
            html = route.fetch().text()
            html = HIDDEN_UNTIL_SCRIPT.sub(lambda m: "hidden " + m.group(1), html)
            html = html.replace('class="field-hint map-hint needs-script"', "hidden")
            route.fulfill(body=html, content_type="text/html; charset=utf-8")

        context.route(f"{base}/yard/find*", old_page)
    page = context.new_page()
    page.add_init_script(OBSERVE_SHIFTS)
    slow_phone(context, page)
    page.goto(f"{base}/yard/find")
    page.locator("#map.leaflet-container").wait_for(state="attached")
    page.wait_for_timeout(2500)
    value = float(page.evaluate("window.__cls"))
    context.close()
    return value


class TestFindPage:
    def test_no_layout_shift_when_the_map_starts(self, browser: Any, live_server: str) -> None:
        before = cls_of(browser, live_server, as_before=True)
        after = cls_of(browser, live_server)
        print(f"\n/yard/find CLS: before {before:.3f}, after {after:.3f}")
        assert after <= 0.02
        assert before > after, "the measurement can tell the old page from the new"

    def test_check_here_stays_on_screen_after_a_tap(self, browser: Any, live_server: str) -> None:
        context = browser.new_context(**TOUCH_PHONE, service_workers="block")
        no_tiles(context)
        page = context.new_page()
        page.goto(f"{live_server}/yard/find")
        page.locator("#map.leaflet-container").wait_for(state="attached")
        page.locator("#map").scroll_into_view_if_needed()
        box = page.locator("#map").bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        button = page.get_by_role("button", name="Проверить двор здесь")
        button.wait_for(state="visible")
        page.wait_for_timeout(300)
        bottom = button.evaluate("(b) => b.getBoundingClientRect().bottom")
        # Less than a pixel over is on screen: the page scrolls by whole pixels, its boxes
        # (rem-sized) end at fractions of one.
        assert bottom < PHONE["height"] + 1, bottom
        context.close()

    @pytest.mark.parametrize("scheme", ["light", "dark"])
    def test_still_accessible(self, browser: Any, live_server: str, scheme: str) -> None:
        context = browser.new_context(**TOUCH_PHONE, color_scheme=scheme, service_workers="block")
        no_tiles(context)
        page = context.new_page()
        page.goto(f"{live_server}/yard/find?lang=kk")
        page.locator("#map.leaflet-container").wait_for(state="attached")
        violations = axe_violations(page)
        context.close()
        assert not violations, [(v["id"], v["help"], len(v["nodes"])) for v in violations]

    def test_without_javascript_no_empty_map(self, browser: Any, live_server: str) -> None:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{live_server}/yard/find")
        assert page.locator("#map").is_hidden()
        assert page.locator("#locate-me").is_hidden()
        assert page.locator(".map-hint").is_hidden()
        context.close()
