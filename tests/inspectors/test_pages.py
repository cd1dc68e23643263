"""The inspectors' pages: who gets them, what they show, in which order, and that they carry
no inline script (CSP)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.areas.monthly import WORST_YARDS
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.factories import new_location, post_submission
from tests.inspectors.conftest import HOME
from tests.inspectors.support import place_in

PAGES = ["/inspector", f"/inspector/districts/{HOME}/monthly"]


def no_inline_script(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "style=" not in html


class TestAccess:
    @pytest.mark.parametrize("path", PAGES)
    def test_residents_go_to_login_cooperatives_are_refused(
        self, path: str, anonymous: TestClient, cooperative: TestClient
    ) -> None:
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
        refused = cooperative.get(path)
        assert refused.status_code == 403
        assert "<h1>" in refused.text


class TestMapPage:
    def test_map_table_legend_and_filters(self, inspector: TestClient) -> None:
        response = inspector.get("/inspector")
        assert response.status_code == 200
        html = response.text
        no_inline_script(html)
        assert 'id="inspector-map"' in html
        assert 'data-geojson="/api/v1/micro-districts.geojson"' in html
        assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
        assert "© OpenStreetMap contributors" in html
        assert html.count("<tr>") >= 9  # the header and 8 districts
        assert 'name="section"' in html and 'name="months"' in html
        for code in ("problem_area", "cluster", "needs_more_audits", "stale", "not_enough_data"):
            assert f'"code": "{code}"' in html.replace("&#34;", '"')
        # Monthly links only for the inspector's own district.
        assert f"/inspector/districts/{HOME}/monthly" in html
        assert "/inspector/districts/bostandyk/monthly" not in html

    def test_filters_reach_the_map_data(self, inspector: TestClient) -> None:
        html = inspector.get("/inspector?months=3&section=lighting").text
        assert (
            'data-geojson="/api/v1/micro-districts.geojson?months=3&amp;section=lighting"' in html
        )
        assert '<option value="3" selected>' in html

    def test_bad_filters_are_refused_in_the_page_language(self, inspector: TestClient) -> None:
        assert inspector.get("/inspector?section=nope").status_code == 422
        response = inspector.get("/inspector?months=abc", headers={"Accept-Language": "ru"})
        assert response.status_code == 422
        assert "месяц" in response.text

    def test_sort_orders_without_javascript(self, admin: TestClient) -> None:
        def names(sort: str) -> list[str]:
            html = admin.get(f"/inspector?sort={sort}&lang=en").text
            table = html.split('id="district-table"')[1].split("</table>")[0]
            return re.findall(r'<th scope="row" data-value="([^"]+)"', table)

        by_name = names("name")
        assert by_name == sorted(by_name) and len(by_name) == 8

        def risks() -> list[float]:
            html = admin.get("/inspector?sort=risk").text
            table = html.split('id="district-table"')[1].split("</table>")[0]
            cells = re.findall(r'<td class="num" data-value="([^"]+)">', table)
            return [float(v) for v in cells[0::4]]  # risk, audited, per 10,000, offences

        values = risks()
        assert values == sorted(values, reverse=True)

    def test_header_links_for_staff(self, inspector: TestClient, anonymous: TestClient) -> None:
        html = inspector.get("/").text
        assert 'href="/inspector"' in html and 'action="/logout"' in html
        public = anonymous.get("/").text
        assert 'href="/login"' in public and 'href="/inspector"' not in public


class TestAreaPage:
    def test_panel_with_figures_flags_and_yards(
        self, client: TestClient, registry: ChecklistRegistry, inspector: TestClient
    ) -> None:
        # An area of its own: the panel's worst yards are this test's.
        created = post_submission(client, registry.current, location=new_location(own_area=True))
        area = created["micro_district_id"]
        response = inspector.get(f"/inspector/areas/{area}", headers={"Accept-Language": "ru"})
        assert response.status_code == 200
        html = response.text
        no_inline_script(html)
        assert 'id="area-panel"' in html
        assert "Оценка риска микрорайона" in html
        assert f'href="/yards/{created["yard_id"]}"' in html  # among the worst yards
        assert '<svg class="trend-chart"' in html
        assert "flag-list" in html or "Флагов нет" in html

    def test_outside_the_scope(self, db: Database, inspector: TestClient) -> None:
        with db.session() as session:
            cell, _lat, _lon = place_in(session, "bostandyk")
        response = inspector.get(f"/inspector/areas/{cell}", headers={"Accept-Language": "en"})
        assert response.status_code == 403
        assert "outside the area your account covers" in response.text


class TestMonthlyPage:
    def test_summary_in_three_languages(
        self, client: TestClient, registry: ChecklistRegistry, inspector: TestClient
    ) -> None:
        created = post_submission(client, registry.current)
        for lang, words in [("ru", "итоги месяца"), ("kk", "айлық"), ("en", "monthly summary")]:
            response = inspector.get(f"/inspector/districts/{HOME}/monthly?lang={lang}")
            assert response.status_code == 200
            assert words in response.text
            no_inline_script(response.text)
        html = inspector.get(f"/inspector/districts/{HOME}/monthly?lang=en").text
        # Listed among the worst yards, unless earlier tests' yards (same database, ties go
        # to the older yard) fill the list.
        assert (
            f'href="/yards/{created["yard_id"]}"' in html
            or html.count('href="/yards/') >= WORST_YARDS
        )
        assert '<svg class="trend-chart"' in html

    def test_bad_month_page(self, inspector: TestClient) -> None:
        response = inspector.get(f"/inspector/districts/{HOME}/monthly?month=2026-13&lang=en")
        assert response.status_code == 422
        assert "YYYY-MM" in response.text

    def test_other_district_is_refused(self, inspector: TestClient, admin: TestClient) -> None:
        assert inspector.get("/inspector/districts/bostandyk/monthly").status_code == 403
        assert admin.get("/inspector/districts/bostandyk/monthly").status_code == 200
        assert admin.get("/inspector/districts/atlantis/monthly").status_code == 404


class TestServiceWorker:
    def test_staff_pages_and_api_are_network_only(self, client: TestClient) -> None:
        script = client.get("/sw.js").text
        prefixes = script.split("STAFF_PREFIXES = [")[1].split("]")[0]
        for path in (
            "/inspector",
            "/api/v1/micro-districts",
            "/api/v1/districts",
            "/api/v1/exports/",
            "/api/v1/map/",
        ):
            assert f'"{path}"' in prefixes, path
        # Checked before any cache is consulted.
        fetch = script.split('addEventListener("fetch"')[1]
        assert fetch.index("STAFF_PREFIXES") < fetch.index("respondWith")
