"""The residents' map of areas and sharing a yard in a real Chromium: the areas draw on
SafeYard's own base layer with no request leaving the site, an area of two yards stays grey,
"yards near me" lists the yards around with their public state, the page does not shift as
the map appears; without JavaScript the list of areas by district works; the share button
shares the yard's public page (Web Share API, else a copy), never the result's link; axe finds
nothing serious at 390x844 and 1440x900, in ru and kk, light and dark. Screenshots go to
/tmp/safeyard-screens/public-map-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from app.checklists.loader import ChecklistRegistry
from tests.browser.conftest import PHONE, axe_violations
from tests.factories import area_index, new_location, submission_body

SCREENSHOTS = Path("/tmp/safeyard-screens")
DESKTOP = {"width": 1440, "height": 900}
# Layout shift of the page while the map comes in, as Lighthouse sums it.
CLS_SCRIPT = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(total), 300);
})"""


def shoot(page: Any, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"public-map-{name}.png"), full_page=full_page)


def _area(live_server: str, registry: ChecklistRegistry, district: str, yards: int) -> dict:
    first = new_location(district, own_area=True)
    cell = area_index().locate(first["lat"], first["lon"]).micro_district_id
    made = []
    for n in range(yards):
        location = first if n == 0 else new_location(district, micro_district=cell)
        body = submission_body(registry.current, location=location)
        response = httpx.post(f"{live_server}/api/v1/submissions", json=body, timeout=30)
        assert response.status_code == 201, response.text
        made.append({**response.json(), "location": location})
    return {"id": made[0]["micro_district_id"], "yards": made}


@pytest.fixture(scope="module")
def areas(live_server: str, registry: ChecklistRegistry) -> dict[str, dict]:
    return {
        "three": _area(live_server, registry, "auezov", 3),
        "two": _area(live_server, registry, "nauryzbay", 2),
    }


def _outside(context: Any, live_server: str) -> list[str]:
    """Abort every request that leaves the site; returns their URLs."""
    asked: list[str] = []

    def handle(route: Any) -> None:
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    context.route("**/*", handle)
    return asked


class TestPublicMap:
    def test_phone_map_near_me_and_no_figure_for_two(
        self, browser: Any, live_server: str, areas: dict[str, dict]
    ) -> None:
        here = areas["three"]["yards"][0]["location"]
        context = browser.new_context(
            viewport=PHONE,
            locale="ru-RU",
            geolocation={"latitude": here["lat"], "longitude": here["lon"]},
            permissions=["geolocation"],
        )
        asked = _outside(context, live_server)
        page = context.new_page()
        page.goto(f"{live_server}/map")
        page.wait_for_selector("#public-map[data-ready='true']", timeout=20_000)
        assert page.evaluate(CLS_SCRIPT) < 0.05
        two = page.locator(f"path.area-shape[data-area-id='{areas['two']['id']}']")
        assert two.get_attribute("data-state") == "too_few"
        three = page.locator(f"path.area-shape[data-area-id='{areas['three']['id']}']")
        assert three.get_attribute("data-state") == "shown"
        shoot(page, "phone-ru")
        page.click("#public-map-near")
        page.wait_for_selector("#public-map-yard-list li", timeout=20_000)
        first = page.locator("#public-map-yard-list li a").first
        assert first.get_attribute("href") == f"/yards/{areas['three']['yards'][0]['yard_id']}"
        shoot(page, "phone-ru-near")
        page.wait_for_selector("#public-map[data-base-ready='true']", timeout=20_000)
        assert asked == [], "the public map asked another server"
        html = page.content()
        for yard in areas["two"]["yards"] + areas["three"]["yards"]:
            assert yard["id"] not in html
        assert axe_violations(page) == []
        context.close()

    @pytest.mark.parametrize("scheme", ["light", "dark"])
    def test_desktop_kazakh(
        self, browser: Any, live_server: str, areas: dict[str, dict], scheme: str
    ) -> None:
        context = browser.new_context(viewport=DESKTOP, locale="kk-KZ", color_scheme=scheme)
        asked = _outside(context, live_server)
        page = context.new_page()
        page.goto(f"{live_server}/map?lang=kk")
        page.wait_for_selector("#public-map[data-ready='true']", timeout=20_000)
        assert page.evaluate("document.documentElement.lang") == "kk"
        shoot(page, f"desktop-kk-{scheme}")
        assert asked == []
        assert axe_violations(page) == []
        context.close()

    def test_without_javascript(self, browser: Any, live_server: str, areas: dict) -> None:
        context = browser.new_context(viewport=PHONE, locale="ru-RU", java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{live_server}/map")
        assert not page.locator("#public-map").is_visible()
        link = f"a[href='/map/areas/{areas['two']['id']}']"
        district = page.locator("details.district-areas").filter(has=page.locator(link))
        district.locator("summary").click()
        assert district.locator(link).is_visible()
        shoot(page, "nojs-list")
        district.locator(link).click()
        page.wait_for_load_state()
        assert page.locator(".risk-number").count() == 0  # two yards: no figure
        assert page.locator(".public-yard a").count() == 2
        shoot(page, "nojs-area")
        context.close()

    def test_markup_without_scripts_is_accessible(
        self, browser: Any, live_server: str, areas: dict
    ) -> None:
        # axe needs JavaScript itself: the page's own scripts are refused instead.
        context = browser.new_context(viewport=PHONE, locale="kk-KZ")
        context.route("**/static/js/**", lambda route: route.abort())
        page = context.new_page()
        for url in ("/map?lang=kk", f"/map/areas/{areas['three']['id']}?lang=kk"):
            page.goto(live_server + url)
            page.evaluate("document.querySelectorAll('details').forEach((d) => (d.open = true))")
            assert axe_violations(page) == [], url


# Captures what the page hands to the Web Share API.
SHARE_STUB = """
window.__shared = [];
Object.defineProperty(navigator, "share", {
  configurable: true,
  value: (data) => { window.__shared.push(data); return Promise.resolve(); },
});
"""


class TestSharing:
    @pytest.mark.parametrize("lang", ["ru", "kk"])
    def test_result_and_yard_share_the_yard_page(
        self, browser: Any, live_server: str, areas: dict[str, dict], lang: str
    ) -> None:
        yard = areas["three"]["yards"][1]
        context = browser.new_context(viewport=PHONE, locale=f"{lang}-KZ")
        context.add_init_script(SHARE_STUB)
        page = context.new_page()
        for url in (f"/result/{yard['id']}?lang={lang}", f"/yards/{yard['yard_id']}?lang={lang}"):
            page.goto(live_server + url)
            button = page.locator(".share-button")
            assert button.is_visible()
            button.click()
            page.wait_for_function("window.__shared.length === 1")
            shared = page.evaluate("window.__shared[0]")
            assert shared["url"].endswith(f"/yards/{yard['yard_id']}")
            assert yard["id"] not in str(shared) and "/result/" not in shared["url"]
            assert axe_violations(page) == []
        shoot(page, f"yard-share-{lang}", full_page=True)
        context.close()

    def test_copy_when_there_is_no_web_share(
        self, browser: Any, live_server: str, areas: dict[str, dict]
    ) -> None:
        yard = areas["three"]["yards"][2]
        context = browser.new_context(viewport=PHONE, locale="ru-RU")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
        context.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
        page = context.new_page()
        page.goto(f"{live_server}/result/{yard['id']}")
        page.click(".share-button")
        page.wait_for_function("document.querySelector('.share-status').textContent !== ''")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.endswith(f"/yards/{yard['yard_id']}") and yard["id"] not in copied
        context.close()
