"""The place search in a real Chromium: type a street on the residents' find page and on the
inspectors' map, choose a match, and the map's centre moves onto it; without JavaScript the
find page's form lists the places and a place leads to the yards around it. Screenshots go
to /tmp/safeyard-screens."""

from __future__ import annotations

from pathlib import Path

from app.accounts.models import UserRole
from app.geo.search import load_place_search
from app.platform.db import Database
from tests.browser.conftest import PHONE, axe_violations
from tests.browser.test_inspector_map import (
    DESKTOP,
    HOME,
    log_in,
    no_tiles,
    staff_email,
    wait_for_map,
)

SCREENSHOTS = Path("/tmp/safeyard-screens")
INITIAL = (43.2389, 76.8897)


def centre(page, selector: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    lat, lon = page.locator(selector).get_attribute("data-centre").split(",")
    return float(lat), float(lon)


def inside(point: tuple[float, float], bbox: tuple[float, float, float, float] | None) -> bool:
    assert bbox is not None
    west, south, east, north = bbox
    return south <= point[0] <= north and west <= point[1] <= east


def choose(page, box: str, text: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(box).press_sequentially(text, delay=30)
    option = page.locator(".place-option", has_text=name).first
    option.wait_for(state="visible", timeout=10_000)
    assert page.locator(box).get_attribute("aria-expanded") == "true"
    option.click()


class TestFindPage:
    def test_typing_a_street_centres_the_map(self, browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=PHONE, locale="ru-RU")
        no_tiles(context)
        page = context.new_page()
        page.goto(f"{live_server}/yard/find")
        page.locator("#map[data-centre]").wait_for(state="attached", timeout=15_000)
        before = centre(page, "#map")
        assert abs(before[0] - INITIAL[0]) < 1e-3 and abs(before[1] - INITIAL[1]) < 1e-3

        # A Kazakh spelling finds the street mapped in Russian ("ул. Толе Би").
        choose(page, "#q", "Төле би", "ул. Толе Би")
        page.wait_for_function(
            "c => document.getElementById('map').dataset.centre !== c",
            arg=",".join(f"{v:.5f}" for v in before),
        )
        after = centre(page, "#map")
        street = next(
            p for p in load_place_search().search("Толе би", limit=50) if p.name == "ул. Толе Би"
        )
        chosen = page.locator("#q").input_value()
        assert chosen == "ул. Толе Би"
        # The map now stands within one of the street's boxes (the one chosen).
        boxes = [
            p.bbox for p in load_place_search().search("Толе би", limit=50) if p.name == chosen
        ]
        assert any(inside(after, box) for box in boxes), (after, street)
        assert "На карте: ул. Толе Би" in page.locator(".place-status").inner_text()
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "find-place-search.png"), full_page=True)

        # The keyboard: type, arrow down, Enter; a micro-district's point is the centre.
        page.fill("#q", "")
        page.locator("#q").press_sequentially("Аксай-4", delay=30)
        page.locator(".place-option").first.wait_for(state="visible")
        page.locator("#q").press("ArrowDown")
        assert page.locator("#q").get_attribute("aria-activedescendant")
        page.locator("#q").press("Enter")
        assert page.url.endswith("/yard/find"), "Enter chose the match; no page was loaded"
        page.wait_for_function("() => document.getElementById('q').value === 'мкр. Аксай-4'")
        micro = load_place_search().search("Аксай-4")[0]
        page.wait_for_function(
            "c => document.getElementById('map').dataset.centre === c",
            arg=f"{micro.lat:.5f},{micro.lon:.5f}",
        )
        assert axe_violations(page) == []
        context.close()

    def test_without_javascript(self, browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=PHONE, locale="kk-KZ", java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{live_server}/yard/find")
        page.fill("#q", "Абая")
        page.locator("#by-address button[type=submit]").click()
        page.wait_for_url("**/yard/find?q=*")
        results = page.locator("#place-results")
        assert "пр. Абая" in results.inner_text() and "көше" in results.inner_text()
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "find-place-results-kk-nojs.png"), full_page=True)
        results.locator("a", has_text="пр. Абая").first.click()
        page.wait_for_url("**/yard/find?lat=*")
        heading = page.locator("#near-title").inner_text()
        assert "пр. Абая" in heading and "маңындағы аулалар" in heading
        assert page.locator("a[href^='/checklist?lat=']").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "find-around-place-kk-nojs.png"), full_page=True)
        context.close()


class TestInspectorMap:
    def test_typing_a_street_fits_the_map(  # type: ignore[no-untyped-def]
        self, browser, live_server: str, db: Database
    ) -> None:
        context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
        no_tiles(context)
        page = context.new_page()
        log_in(page, live_server, staff_email(db, UserRole.inspector, districts=[HOME]))
        page.wait_for_url(f"{live_server}/inspector")
        wait_for_map(page)
        box = page.locator("#map-place-q")
        assert box.is_visible(), "the search is shown once the script runs"

        choose(page, "#map-place-q", "Жандосова", "ул. Жандосова")
        page.locator("#inspector-map[data-centre]").wait_for(state="attached")
        after = centre(page, "#inspector-map")
        boxes = [
            p.bbox
            for p in load_place_search().search("Жандосова", limit=50)
            if p.name == "ул. Жандосова"
        ]
        assert any(inside(after, b) for b in boxes), after
        # Enter on the plain form does not reload the page (no page behind it).
        url = page.url
        page.fill("#map-place-q", "Аксай-4")
        page.locator("#map-place-q").press("Enter")
        page.wait_for_timeout(300)
        assert page.url == url
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "inspector-place-search.png"))
        context.close()
