"""The residents' map of areas (/map, /map/areas/{id}, /api/v1/public/...): aggregates
only, no figure under the inspectors' "not enough data" line, nothing a stranger may not see;
and sharing a yard's public page, never a result's capability link."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.findings import public as public_findings
from app.findings import public_yards
from app.findings.models import Finding
from app.platform.db import Database
from tests.accounts.support import create_user, logged_in
from tests.factories import new_location, post_submission
from tests.pages.support import KAZAKH_LETTERS, get


@dataclass(frozen=True)
class Area:
    id: str
    yard_ids: list[int]
    submission_ids: list[str]
    points: list[dict[str, float]]


def _area(client: TestClient, registry: ChecklistRegistry, district: str, yards: int) -> Area:
    """An area of its own with ``yards`` yards, each checked once by a resident."""
    first = new_location(district, own_area=True)
    answer = post_submission(client, registry.current, location=first)
    area_id = answer["micro_district_id"]
    assert area_id
    answers, points = [answer], [first]
    for _ in range(yards - 1):
        point = new_location(district, micro_district=area_id)
        answers.append(post_submission(client, registry.current, location=point))
        points.append(point)
    assert {a["micro_district_id"] for a in answers} == {area_id}
    return Area(area_id, [a["yard_id"] for a in answers], [a["id"] for a in answers], points)


@pytest.fixture(scope="module")
def two(client: TestClient, registry: ChecklistRegistry) -> Area:
    return _area(client, registry, "turksib", 2)


@pytest.fixture(scope="module")
def three(client: TestClient, registry: ChecklistRegistry) -> Area:
    return _area(client, registry, "alatau", 3)


def _areas(web: TestClient, lang: str = "ru") -> dict[str, dict[str, Any]]:
    response = get(web, "/api/v1/public/areas.geojson", lang)
    assert response.status_code == 200
    return {f["id"]: f["properties"] for f in response.json()["features"]}


def _box(points: list[dict[str, float]]) -> str:
    lats = [p["lat"] for p in points]
    lons = [p["lon"] for p in points]
    return f"{min(lons) - 0.001},{min(lats) - 0.001},{max(lons) + 0.001},{max(lats) + 0.001}"


class TestAreaFigures:
    def test_two_yards_show_no_figure_anywhere(self, web: TestClient, two: Area) -> None:
        props = _areas(web)[two.id]
        assert props["state"] == "too_few"
        assert all(props[k] is None for k in ("risk", "risk_low", "risk_high", "band"))
        assert props["yards_audited"] is None and props["yards_inspected"] is None
        page = get(web, f"/map/areas/{two.id}").text
        assert 'class="risk-number"' not in page
        listing = get(web, "/map", "en").text
        item = listing.split(f'href="/map/areas/{two.id}"', 1)[1].split("</li>", 1)[0]
        assert "area-risk" not in item and 'class="band' not in item
        assert "Too few yards checked for a figure" in item

    def test_three_yards_show_the_inspectors_figure(
        self, web: TestClient, three: Area, staff_areas: dict[str, dict[str, Any]]
    ) -> None:
        props = _areas(web)[three.id]
        assert props["state"] == "shown" and props["yards_audited"] == 3
        assert props["risk"] == staff_areas[three.id]["coverage_risk"]
        page = get(web, f"/map/areas/{three.id}").text
        assert 'class="risk-number"' in page

    def test_the_line_is_the_inspectors_not_enough_data(
        self, web: TestClient, two: Area, three: Area, staff_areas: dict[str, dict[str, Any]]
    ) -> None:
        public = _areas(web)
        for area_id, props in staff_areas.items():
            flagged = any(f["code"] == "not_enough_data" for f in props["flags"])
            assert (public[area_id]["state"] == "too_few") == flagged, area_id
            if props["data_state"] != "audited":
                assert public[area_id]["state"] == props["data_state"]


@pytest.fixture(scope="module")
def staff_areas(
    client: TestClient, db: Database, two: Area, three: Area
) -> dict[str, dict[str, Any]]:
    """The inspectors' map's own figures, read as an admin."""
    staff = logged_in(client.app, create_user(db, role=UserRole.admin))
    body = staff.get("/api/v1/micro-districts.geojson").json()
    return {f["id"]: f["properties"] for f in body["features"]}


class TestNothingPrivate:
    def test_no_submission_ids_answers_or_addresses(self, web: TestClient, two: Area) -> None:
        yards = get(web, f"/api/v1/public/yards?bbox={_box(two.points)}").text
        bodies = [
            get(web, "/map").text,
            get(web, "/map?lang=kk").text,
            get(web, f"/map/areas/{two.id}").text,
            get(web, "/api/v1/public/areas.geojson").text,
            yards,
        ]
        for body in bodies:
            for submission_id in two.submission_ids:
                assert submission_id not in body
            assert "/result/" not in body
            assert "lighting.at_night" not in body  # no item ids, so no answers
            assert '"answers"' not in body and "address" not in body
        features = {
            f["id"]: f
            for f in web.get(f"/api/v1/public/yards?bbox={_box(two.points)}").json()["features"]
        }
        assert set(two.yard_ids) <= set(features)

    def test_unconfirmed_findings_are_not_counted(
        self, web: TestClient, db: Database, registry: ChecklistRegistry, two: Area
    ) -> None:
        yard_id = two.yard_ids[0]
        with db.session() as session:
            found = session.exec(select(Finding).where(Finding.yard_id == yard_id)).all()
            assert found and not any(f.confirmed for f in found)  # one resident: unconfirmed
            shown = public_findings.public_findings(
                session, yard_id=yard_id, registry=registry, lang="ru"
            )
            counts = public_yards.finding_counts(session, yard_ids=[yard_id])
        assert shown == [] and yard_id not in counts
        feature = next(
            f
            for f in web.get(f"/api/v1/public/yards?bbox={_box(two.points)}").json()["features"]
            if f["id"] == yard_id
        )
        assert feature["properties"]["findings"] == {
            "active": 0,
            "overdue": 0,
            "fix_reported": 0,
            "verified": 0,
        }

    def test_confirmed_findings_count_as_on_the_yard_page(
        self, web: TestClient, db: Database, registry: ChecklistRegistry, two: Area
    ) -> None:
        yard_id = two.yard_ids[1]
        with db.session() as session:
            finding = session.exec(select(Finding).where(Finding.yard_id == yard_id)).first()
            assert finding is not None
            finding.confirmed = True
            session.add(finding)
            session.commit()
            shown = public_findings.public_findings(
                session, yard_id=yard_id, registry=registry, lang="ru"
            )
            counts = public_yards.finding_counts(session, yard_ids=[yard_id])[yard_id]
        assert counts.total == len(shown) == 1
        page = get(web, f"/map/areas/{two.id}").text
        assert "Problems being fixed: 1" in get(web, f"/map/areas/{two.id}", "en").text
        assert f"/findings/{finding.id}" not in page and "/inspector" not in page


class TestPages:
    def test_map_without_js_lists_districts_and_links(self, web: TestClient, three: Area) -> None:
        response = get(web, "/map")
        assert response.status_code == 200
        assert "<h1>" in response.text
        assert f'href="/map/areas/{three.id}"' in response.text
        assert "<details" in response.text

    def test_kazakh(self, web: TestClient, three: Area) -> None:
        for url in ("/map", f"/map/areas/{three.id}"):
            text = get(web, url, "kk").text
            assert '<html lang="kk">' in text
            assert any(letter in text for letter in KAZAKH_LETTERS)

    def test_unknown_area_is_404(self, web: TestClient) -> None:
        assert get(web, "/map/areas/nowhere").status_code == 404

    def test_cache_headers(self, web: TestClient) -> None:
        page = get(web, "/map")
        assert page.headers["cache-control"] == "public, max-age=300"
        assert "Accept-Language" in page.headers["vary"]
        # The answer that sets the language cookie is not for shared caches.
        assert "public" not in web.get("/map?lang=kk").headers.get("cache-control", "")
        web.cookies.clear()
        api = get(web, "/api/v1/public/areas.geojson")
        assert api.headers["cache-control"].startswith("public")

    def test_known_areas_only_and_etag(self, web: TestClient, two: Area, three: Area) -> None:
        every = _areas(web)
        known = get(web, "/api/v1/public/areas.geojson?known=true")
        kept = {f["id"]: f["properties"] for f in known.json()["features"]}
        assert kept == {k: p for k, p in every.items() if p["state"] != "no_yards"}
        assert {two.id, three.id} <= set(kept) and len(kept) < len(every)
        # Revalidated by its ETag: the same body answers 304, without a body.
        again = web.get(
            "/api/v1/public/areas.geojson?known=true",
            headers={"If-None-Match": known.headers["etag"], "Accept-Language": "ru"},
        )
        assert again.status_code == 304 and again.content == b""
        assert known.headers["etag"] != get(web, "/api/v1/public/areas.geojson").headers["etag"]

    def test_yards_api_needs_bbox_or_near(self, web: TestClient, three: Area) -> None:
        assert web.get("/api/v1/public/yards").status_code == 422
        near = three.points[0]
        body = web.get(f"/api/v1/public/yards?near={near['lat']},{near['lon']}").json()
        assert body["features"][0]["id"] == three.yard_ids[0]
        assert body["features"][0]["properties"]["distance_m"] == 0
        # Named by the place a person finds it at, as the yard's own page says it.
        page = get(web, f"/yards/{three.yard_ids[0]}").text
        place = body["features"][0]["properties"]["place"]
        assert place and place in html.unescape(re.sub(r"<[^>]+>", "", page))


def _share_target(html: str) -> str:
    share = html.split("data-share", 1)[1].split("</section>", 1)[0]
    return share


class TestSharing:
    def test_yard_page_has_open_graph_and_share(self, web: TestClient, three: Area) -> None:
        yard_id = three.yard_ids[0]
        html = get(web, f"/yards/{yard_id}").text
        og = dict(re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)"', html))
        assert og["og:url"].endswith(f"/yards/{yard_id}") and og["og:url"].startswith("http")
        assert og["og:type"] == "website"
        assert "индекс" in og["og:title"].casefold() and f"№ {yard_id}" in og["og:title"]
        assert og["og:description"]
        assert f'data-url="{og["og:url"]}"' in html

    def test_result_shares_the_yard_never_itself(self, web: TestClient, three: Area) -> None:
        submission_id, yard_id = three.submission_ids[0], three.yard_ids[0]
        html = get(web, f"/result/{submission_id}").text
        share = _share_target(html)
        assert f"/yards/{yard_id}" in share
        assert submission_id not in share and "/result/" not in share
        assert "og:" not in html or submission_id not in "".join(
            re.findall(r'<meta property="og:[^>]*>', html)
        )
        for lang in ("kk", "en"):
            assert submission_id not in _share_target(
                get(web, f"/result/{submission_id}", lang).text
            )
