"""GET /yard/find: address search, yards near a point, and the JavaScript-only parts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.pages.conftest import ANSWERS, Checked
from tests.pages.markup import main_text, parse
from tests.pages.support import fill_from, get, pages_point, send


class TestFindPage:
    def test_offers_the_three_ways(self, web: TestClient) -> None:
        html = get(web, "/yard/find").text
        assert '<button type="button" id="locate-me" class="button' in html
        assert 'id="locate-me" class="button button-primary button-block" hidden>' in html
        assert 'id="map" class="map" data-lat="43.2389" data-lon="76.8897" hidden' in html
        assert '<p class="map-attribution" hidden>' in html
        assert 'href="https://www.openstreetmap.org/copyright"' in html
        page = parse(html)
        assert page.values("q") == [""]
        # "My yard is not listed": a plain GET form to the checklist with address, lat, lon.
        assert '<form method="get" action="/checklist">' in html
        assert {"address", "lat", "lon"} <= {str(f.attrs.get("name")) for f in page.fields}
        assert "43.2389, 76.8897" in html


class TestAddressSearch:
    def test_finds_a_yard_by_part_of_its_address_in_any_case(
        self, web: TestClient, checked: Checked
    ) -> None:
        for text in ("Тимирязева", "тимирязева 42", "ТИМИРЯЗЕВА", "УЛ. тимирязева"):
            html = get(web, f"/yard/find?q={text}").text
            assert f'href="/checklist?yard_id={checked.yard_id}"' in html, text
            text_shown = main_text(html)
            assert "Бостандыкский район" in text_shown
            assert "1 проверка" in text_shown or "проверк" in text_shown

    def test_nothing_found_says_what_to_do(self, web: TestClient) -> None:
        html = main_text(get(web, "/yard/find?q=Несуществующая+улица+999", "en").text)
        assert "No checked yard has this in its address" in html

    def test_too_short_a_text(self, web: TestClient) -> None:
        assert "at least two letters" in get(web, "/yard/find?q=a", "en").text

    def test_wildcards_are_literal(self, web: TestClient, checked: Checked) -> None:
        html = get(web, "/yard/find?q=%25").text
        assert f"yard_id={checked.yard_id}" not in html


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
    def test_the_not_listed_form_leads_to_a_checklist_and_a_searchable_yard(
        self, web: TestClient
    ) -> None:
        point = pages_point()
        fields = fill_from(web, f"address=мкр+Орбита-1,+д.+7&lat={point['lat']}&lon={point['lon']}")
        assert fields["address"] == "мкр Орбита-1, д. 7"
        sent = send(web, fields, ANSWERS)
        assert sent.status_code == 303
        found = get(web, "/yard/find?q=орбита-1").text
        # Found by the address its sender typed, but shown by its public name only.
        assert 'href="/checklist?yard_id=' in found and "Двор №" in found
        assert "д. 7" not in found
