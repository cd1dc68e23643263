"""The inspectors' map in a real Chromium: log in as an inspector, the choropleth draws (with
no tile server reachable), click an area, its panel shows figures and flags, open a yard; a
resident and a cooperative are refused; axe finds no serious violation. Screenshots at
1280x800 and 390x844 go to /tmp/safeyard-screens."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.accounts.support import PASSWORD, code_for, create_user
from tests.browser.conftest import PHONE, axe_violations
from tests.factories import area_index, new_location, store_submission, submission_body

SCREENSHOTS = Path("/tmp/safeyard-screens")
DESKTOP = {"width": 1280, "height": 800}
HOME = "almaly"
TILES = "https://tile.openstreetmap.org/**"


def shoot(page, name: str, *, full_page: bool = False) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture(scope="module")
def yards(live_server: str, registry: ChecklistRegistry) -> list[dict[str, Any]]:
    """A few checked yards in Almaly (one area with several), posted like a resident would."""
    made: list[dict[str, Any]] = []
    first = new_location(own_area=True)
    # The first yard's area gets the others too (the factories' cell id, not the service's).
    cell = area_index().locate(first["lat"], first["lon"]).micro_district_id
    for n in range(4):
        location = first if n == 0 else new_location(micro_district=cell)
        body = submission_body(registry.current, location=location)
        response = httpx.post(f"{live_server}/api/v1/submissions", json=body, timeout=30)
        assert response.status_code == 201, response.text
        made.append({**response.json(), "location": body["location"]})
    return made


def staff_email(db: Database, role: UserRole, **links: Any) -> str:
    user = create_user(
        db,
        role=role,
        links=accounts_service.Links(links.get("districts", []), [], [], False),
    )
    return user.email


def log_in(page, base: str, email: str, target: str = "/inspector") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}{target}")
    page.wait_for_url("**/login?next=**")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    if "/login/enrol" in page.url:  # inspectors and admins set up their second factor
        key = page.locator("code.totp-secret").inner_text().replace(" ", "")
        page.fill("input[name=code]", code_for(key))
        page.locator("main form button[type=submit]").first.click()


def no_tiles(context) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort every tile request (no tile server reachable); returns the URLs asked for."""
    asked: list[str] = []

    def abort(route) -> None:  # type: ignore[no-untyped-def]
        asked.append(route.request.url)
        route.abort()

    context.route(TILES, abort)
    return asked


def wait_for_map(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("#inspector-map[data-ready=true]").wait_for(state="attached", timeout=30_000)


class TestInspector:
    def test_map_panel_and_yard(  # type: ignore[no-untyped-def]
        self, browser, live_server: str, db: Database, yards: list[dict[str, Any]]
    ) -> None:
        context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
        asked = no_tiles(context)
        page = context.new_page()
        log_in(page, live_server, staff_email(db, UserRole.inspector, districts=[HOME]))
        page.wait_for_url(f"{live_server}/inspector")
        wait_for_map(page)

        # The choropleth: hundreds of filled polygons, drawn without any tile.
        shapes = page.locator("path.area-shape")
        assert shapes.count() > 100
        fills = set(
            page.eval_on_selector_all(
                "path.area-shape", "ps => ps.map(p => p.getAttribute('fill'))"
            )
        )
        config = json.loads(page.locator("#inspector-map").get_attribute("data-config"))
        colours = {c["colour"] for c in config["risk"]}
        assert fills & colours, f"no risk colour among {fills}"
        # Its own base layer, no tile server: district borders named, streets drawn.
        assert asked == [], "the map asked for tiles it does not need"
        page.locator("#inspector-map[data-base-ready=true]").wait_for(state="attached")
        # Its tiles are canvases painted by map-base-worker.js, never images from a server.
        assert page.locator("img.leaflet-tile").count() == 0
        labels = page.locator(".district-label").all_text_contents()
        assert "Алмалинский район" in labels, labels
        page.locator(".leaflet-streets-pane canvas.leaflet-tile-loaded").first.wait_for(
            state="attached"
        )
        assert (
            "OpenStreetMap contributors, ODbL"
            in page.locator(".leaflet-control-attribution").inner_text()
        )
        # Flagged areas are outlined as the legend says.
        outlined = page.eval_on_selector_all(
            "path.area-shape", "ps => ps.filter(p => p.getAttribute('stroke') !== '#ffffff').length"
        )
        assert outlined > 0
        shoot(page, "inspector-map-desktop")

        # Click the area of the checked yards: its panel comes in beside the map.
        area = yards[0]["micro_district_id"]
        page.locator(f'path[data-area-id="{area}"]').click()
        panel = page.locator("#area-panel")
        panel.locator("dl.figures").wait_for(state="visible")
        text = panel.inner_text()
        assert area in text
        assert "Оценка риска микрорайона" in text and "Флаги" in text
        assert panel.locator(".flag-list li, p.muted").count() >= 1
        assert panel.locator("svg.trend-chart").is_visible()
        shoot(page, "inspector-panel-desktop")
        shoot(page, "inspector-map-desktop-full", full_page=True)
        assert axe_violations(page) == []

        # Open a yard from the panel's worst yards.
        link = panel.locator(".worst-yards a").first
        href = link.get_attribute("href")
        assert href and href.startswith("/yards/")
        link.click()
        page.wait_for_url(f"{live_server}{href}")
        assert page.locator("h1").is_visible()
        context.close()

    def test_phone_layout_and_yard_markers(  # type: ignore[no-untyped-def]
        self, browser, live_server: str, db: Database, yards: list[dict[str, Any]]
    ) -> None:
        context = browser.new_context(viewport=PHONE, locale="ru-RU")
        no_tiles(context)
        page = context.new_page()
        log_in(page, live_server, staff_email(db, UserRole.inspector, districts=[HOME]))
        page.wait_for_url(f"{live_server}/inspector")
        wait_for_map(page)
        shoot(page, "inspector-map-phone")
        area = yards[0]["micro_district_id"]
        page.locator(f'path[data-area-id="{area}"]').click()
        page.locator("#area-panel dl.figures").wait_for(state="visible")
        SCREENSHOTS.mkdir(exist_ok=True)
        page.locator("#area-panel").screenshot(path=str(SCREENSHOTS / "inspector-panel-phone.png"))

        # At close zoom the yards show as markers (only those in view are asked for).
        where = yards[0]["location"]
        view = {"lat": where["lat"], "lng": where["lon"], "zoom": 16}
        page.evaluate(
            "v => sessionStorage.setItem('safeyard-inspector-view', JSON.stringify(v))", view
        )
        page.reload()
        wait_for_map(page)
        page.locator("path.yard-marker").first.wait_for(state="attached", timeout=15_000)
        assert page.locator("path.yard-marker").count() >= 1
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, "inspector-yards-phone")
        context.close()

    def test_base_layer_close_up(  # type: ignore[no-untyped-def]
        self,
        browser,
        live_server: str,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        yards: list[dict[str, Any]],
    ) -> None:
        """In Kazakh: district names in Kazakh; zoomed in on the centre, the minor streets
        and the streets' names show; the yard dots are coloured by the areas' scale."""
        with db.write_session() as session:
            old = store_submission(
                session,
                registry=registry,
                settings=settings,
                location=new_location(own_area=True),
                received_at=utcnow() - timedelta(days=400),
            )
        stale_area = old.submission.micro_district_id
        context = browser.new_context(viewport=DESKTOP, locale="kk-KZ")
        asked = no_tiles(context)
        page = context.new_page()
        log_in(page, live_server, staff_email(db, UserRole.inspector, districts=[HOME]))
        page.goto(f"{live_server}/inspector?lang=kk")
        wait_for_map(page)
        page.locator("#inspector-map[data-base-ready=true]").wait_for(state="attached")
        labels = page.locator(".district-label").all_text_contents()
        assert "Алмалы ауданы" in labels, labels
        # No yard known: a faint grey and no number; its tooltip says so.
        config = json.loads(page.locator("#inspector-map").get_attribute("data-config"))
        empty = page.locator(f'path.area-shape[fill="{config["no_data"]}"][fill-opacity="0.25"]')
        assert empty.count() > 100
        empty.nth(empty.count() // 2).hover(force=True)
        tooltip = page.locator(".leaflet-tooltip:not(.district-label):not(.street-label)")
        tooltip.first.wait_for(state="visible")
        assert "Мұнда белгілі аула жоқ" in tooltip.first.inner_text()
        # An area whose only yard was checked long ago: grey too, "none checked".
        known = page.locator(f'path[data-area-id="{stale_area}"]')
        assert known.get_attribute("fill") == config["no_data"]
        assert known.get_attribute("fill-opacity") == "0.6"
        known.hover(force=True)
        page.get_by_text("Белгілі аулалар: 1, ешқайсысы тексерілмеген").wait_for(state="visible")
        shoot(page, "inspector-map-kk-city")
        # Around the Абая / Фурманова crossing, then where the test yards are.
        for name, (lat, lon) in {
            "centre": (43.2425, 76.9455),
            "yards": (yards[0]["location"]["lat"], yards[0]["location"]["lon"]),
        }.items():
            view = {"lat": lat, "lng": lon, "zoom": 16}
            page.evaluate(
                "v => sessionStorage.setItem('safeyard-inspector-view', JSON.stringify(v))", view
            )
            page.reload()
            wait_for_map(page)
            page.locator("#inspector-map[data-base-ready=true]").wait_for(state="attached")
            page.locator(".street-label").first.wait_for(state="attached", timeout=15_000)
            assert page.locator(".street-label").count() >= 3
            if name == "yards":
                page.locator("path.yard-marker").first.wait_for(state="attached", timeout=15_000)
                allowed = {c["colour"] for c in config["risk"]} | {config["no_data"]}
                fills = page.eval_on_selector_all(
                    "path.yard-marker", "ps => ps.map(p => p.getAttribute('fill'))"
                )
                assert fills and set(fills) <= allowed, fills
                strokes = page.eval_on_selector_all(
                    "path.yard-marker", "ps => ps.map(p => p.getAttribute('stroke'))"
                )
                assert set(strokes) == {"#1b1b1b"}
            shoot(page, f"inspector-map-kk-{name}")
        assert asked == []
        context.close()

    def test_monthly_summary(self, browser, live_server: str, db: Database, yards) -> None:  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
        page = context.new_page()
        log_in(
            page,
            live_server,
            staff_email(db, UserRole.inspector, districts=[HOME]),
            f"/inspector/districts/{HOME}/monthly",
        )
        page.wait_for_url(f"**/inspector/districts/{HOME}/monthly")
        assert page.locator(".stat-value").count() >= 4
        assert page.locator("svg.trend-chart").is_visible()
        shoot(page, "inspector-monthly-desktop")
        assert axe_violations(page) == []
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SCREENSHOTS / "inspector-monthly-phone.png"), full_page=True)
        context.close()


class TestRefused:
    def test_resident_goes_to_login(self, page, live_server: str) -> None:  # type: ignore[no-untyped-def]
        page.goto(f"{live_server}/inspector")
        page.wait_for_url("**/login?next=%2Finspector")
        assert page.locator("input[name=password]").is_visible()

    def test_cooperative_is_refused(self, browser, live_server: str, db: Database) -> None:  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=PHONE, locale="en-US")
        page = context.new_page()
        log_in(page, live_server, staff_email(db, UserRole.cooperative))
        page.wait_for_load_state()
        assert "/inspector" in page.url
        assert page.locator("#inspector-map").count() == 0
        assert "no access" in page.locator("main").inner_text()
        context.close()
