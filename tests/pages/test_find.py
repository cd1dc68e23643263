"""GET /yard/find: the search of places by name, yards near a point (or around a place),
and the JavaScript-only parts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.main import create_app
from app.platform.config import Settings
from tests.pages.conftest import ANSWERS, Checked
from tests.pages.markup import main_text, parse
from tests.pages.support import fill_from, get, pages_point, send


class TestFindPage:
    def test_offers_the_three_ways(self, web: TestClient) -> None:
        html = get(web, "/yard/find").text
        assert '<button type="button" id="locate-me" class="button' in html
        assert 'id="locate-me" class="button button-primary button-block needs-script">' in html
        assert 'id="map" class="map" data-lat="43.2389" data-lon="76.8897"' in html
        # Shown by the stylesheet only when scripts run (.needs-script), its space kept.
        assert '<p class="map-attribution needs-script">' in html
        assert 'href="https://www.openstreetmap.org/copyright"' in html
        page = parse(html)
        assert page.values("q") == [""]
        # "My yard is not listed": a plain GET form to the checklist with address, lat, lon.
        assert '<form method="get" action="/checklist">' in html
        assert {"address", "lat", "lon"} <= {str(f.attrs.get("name")) for f in page.fields}
        assert "43.2389, 76.8897" in html


class TestTiles:
    """Issue 18, point 2: the residents' maps ask no tile server unless the operator names one."""

    def test_default_is_the_own_base_layer(self, web: TestClient) -> None:
        for path in ("/yard/find", "/map"):
            html = get(web, path).text
            assert 'data-base-url="/api/v1/map/base"' in html
            assert "js/map-base.js?v=" in html
            assert "data-tile-url" not in html
            assert "tile.openstreetmap.org" not in html

    def test_a_tile_server_the_operator_names(self, settings: Settings) -> None:
        named = settings.model_copy(
            update={
                "public_map_tile_url": "https://{s}.tiles.example.kz/{z}/{x}/{y}.png",
                "public_map_tile_attribution": "© Example <Tiles>",
            }
        )
        with TestClient(create_app(named)) as browser:
            for path in ("/yard/find", "/map"):
                response = browser.get(path)
                tiles = 'data-tile-url="https://{s}.tiles.example.kz/{z}/{x}/{y}.png"'
                assert tiles in response.text
                assert "© Example &lt;Tiles&gt;" in response.text
                # The policy lets the map's images come from there, and nothing else.
                csp = response.headers["content-security-policy"]
                assert "img-src 'self' data: blob: https://*.tiles.example.kz" in csp.replace(
                    " https://tile.openstreetmap.org", ""
                )
                assert "tiles.example.kz" not in csp.split("connect-src")[1].split(";")[0]


class TestPlaceSearch:
    """The no-JavaScript name search: OpenStreetMap streets, micro-districts and stops."""

    def test_finds_a_street_by_its_kazakh_name(self, web: TestClient) -> None:
        html = get(web, "/yard/find?q=Абай+даңғылы").text
        assert 'id="place-results"' in html
        assert '<span lang="kk">Абай даңғылы</span>' in html
        assert '<span lang="ru">пр. Абая</span>' in html
        # Each place leads to the yards around its point, named.
        links = re.findall(r'href="(/yard/find\?lat=[^"]+)"', html)
        assert links and all("place=" in link for link in links)
        assert "улица" in main_text(html) and "Алмалинский район" in main_text(html)

    def test_finds_a_micro_district_first(self, web: TestClient) -> None:
        html = get(web, "/yard/find?q=аксай-4", "kk").text
        text = main_text(html)
        names = re.findall(r'<span lang="\w+">([^<]+)</span></a>', html)
        assert names[0] == "мкр. Аксай-4", names
        assert "шағын аудан" in text and "Әуезов ауданы" in text, text

    def test_typed_addresses_are_not_searched(self, web: TestClient, checked: Checked) -> None:
        # The checked yard's sender typed "ул. Тимирязева 42": the search is of map names
        # only; the street is found, the yard (and its sender's words) are not.
        html = get(web, "/yard/find?q=Тимирязева+42").text
        assert f'href="/checklist?yard_id={checked.yard_id}"' not in html
        assert "Двор №" not in main_text(html)
        assert "ул. Тимирязева" in main_text(html)

    def test_nothing_found_says_what_to_do(self, web: TestClient) -> None:
        response = get(web, "/yard/find?q=Несуществующая+улица+999", "en")
        assert response.status_code == 200
        assert "No street, micro-district or stop has this name" in main_text(response.text)

    def test_too_short_a_text_is_422_in_the_language(self, web: TestClient) -> None:
        response = get(web, "/yard/find?q=a", "en")
        assert response.status_code == 422
        assert "at least two letters" in response.text
        response = get(web, "/yard/find?q=%D0%B0", "kk")
        assert response.status_code == 422 and "кемінде екі әріп" in response.text

    def test_too_long_and_control_characters_are_422(self, web: TestClient) -> None:
        response = get(web, "/yard/find?q=" + "а" * 101, "ru")
        assert response.status_code == 422 and "не больше 100 символов" in response.text
        assert get(web, "/yard/find?q=%00%D0%B0%D0%B1", "en").status_code == 422

    def test_wildcards_are_literal(self, web: TestClient) -> None:
        response = get(web, "/yard/find?q=%25%25")
        assert response.status_code == 200
        assert "place=" not in response.text


class TestAroundAPlace:
    def test_lists_yards_around_the_place_and_offers_no_new_yard_there(
        self, web: TestClient, checked: Checked
    ) -> None:
        point = checked.point
        lat, lon = float(point["lat"]), float(point["lon"])
        # 150 m north of the checked yard: outside the usual 50 m, inside a place's radius.
        url = f"/yard/find?lat={lat + 0.00135:.6f}&lon={lon:.6f}&place=ул.+Тимирязева"
        html = get(web, url, "en").text
        text = main_text(html)
        assert "Yards around ул. Тимирязева" in text
        assert f'href="/checklist?yard_id={checked.yard_id}"' in html
        assert "It is a new yard" not in text
        # The map (with JavaScript) starts on the place.
        assert 'data-zoom="16"' in html


class TestNearSearch:
    def test_lists_the_yard_and_the_district(self, web: TestClient, checked: Checked) -> None:
        point = checked.point
        html = get(web, f"/yard/find?lat={point['lat']}&lon={point['lon']}&accuracy_m=12").text
        assert f'href="/checklist?yard_id={checked.yard_id}"' in html
        text = main_text(html)
        assert "Бостандыкский район" in text
        assert "микрорайон" in text
        assert "0 м от вас" in text
        assert "точностью лишь" not in text
        assert f"/checklist?lat={point['lat'].rstrip('0')}" in html.replace("&amp;", "&")

    def test_an_empty_spot_offers_a_new_yard(self, web: TestClient) -> None:
        point = pages_point()
        html = get(web, f"/yard/find?lat={point['lat']}&lon={point['lon']}", "en").text
        assert "No yard within 50" in main_text(html)
        assert "/checklist?lat=" in html and "It is a new yard" in html

    def test_warns_when_the_location_is_rough(self, web: TestClient) -> None:
        html = get(web, "/yard/find?lat=43.2050&lon=76.8900&accuracy_m=120", "kk").text
        assert "120" in html and "дәлдікпен" in html

    def test_outside_the_city(self, web: TestClient) -> None:
        response = get(web, "/yard/find?lat=51.1694&lon=71.4491", "en")  # Astana
        assert response.status_code == 200
        text = main_text(response.text)
        assert "outside Almaty" in text and "km" in text
        assert "It is a new yard" not in text

    def test_unreadable_coordinates_are_422_in_the_language(self, web: TestClient) -> None:
        response = get(web, "/yard/find?lat=abc&lon=76.9", "kk")
        assert response.status_code == 422
        assert "Координаттарды оқу мүмкін болмады" in response.text


class TestNewYardByAddress:
    def test_the_not_listed_form_leads_to_a_checklist_not_to_the_search(
        self, web: TestClient
    ) -> None:
        point = pages_point()
        fields = fill_from(web, f"address=мкр+Орбита-1,+д.+7&lat={point['lat']}&lon={point['lon']}")
        assert fields["address"] == "мкр Орбита-1, д. 7"
        sent = send(web, fields, ANSWERS)
        assert sent.status_code == 303
        found = get(web, "/yard/find?q=орбита-1,+д.+7").text
        # The typed address is never searched, so the yard is not found by it.
        assert 'href="/checklist?yard_id=' not in found and "Двор №" not in main_text(found)
