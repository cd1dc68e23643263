"""GET /api/v1/places/search: public, 422 on a bad q in the asked language, results in order."""

from __future__ import annotations

from fastapi.testclient import TestClient


class TestPlacesSearch:
    def test_a_kazakh_spelling_finds_the_street_for_anyone(self, client: TestClient) -> None:
        client.cookies.clear()
        response = client.get("/api/v1/places/search", params={"q": "Абай даңғылы"})
        assert response.status_code == 200
        found = response.json()
        assert 1 <= len(found) <= 10
        by_name = {(p["name"], p["district_id"]): p for p in found}
        avenue = by_name[("пр. Абая", "bostandyk")]
        assert avenue["kind"] == "street" and avenue["name_lang"] == "ru"
        assert avenue["kind_label"] == "улица" and avenue["district"] == "Бостандыкский район"
        west, south, east, north = avenue["bbox"]
        assert west <= avenue["lon"] <= east and south <= avenue["lat"] <= north
        assert by_name[("Абай даңғылы", "almaly")]["name_lang"] == "kk"

    def test_language_of_kinds_and_districts(self, client: TestClient) -> None:
        kk = client.get("/api/v1/places/search", params={"q": "аксай-4", "lang": "kk"}).json()
        assert kk[0]["name"] == "мкр. Аксай-4" and kk[0]["kind"] == "micro-district"
        assert kk[0]["kind_label"] == "шағын аудан" and kk[0]["district"] == "Әуезов ауданы"
        assert kk[0]["bbox"] is None
        en = client.get("/api/v1/places/search", params={"q": "аксай-4", "lang": "en"}).json()
        assert en[0]["name"] == "мкр. Аксай-4"  # the mapped name is never translated
        assert en[0]["district"] == "Auezov" and en[0]["kind_label"] == "micro-district"

    def test_stops_are_places_too(self, client: TestClient) -> None:
        found = client.get("/api/v1/places/search", params={"q": "Автовокзал Сайран"}).json()
        assert any(p["kind"] == "stop" and p["bbox"] is None for p in found)

    def test_nothing_found_is_an_empty_list(self, client: TestClient) -> None:
        response = client.get("/api/v1/places/search", params={"q": "Несуществующая 999"})
        assert response.status_code == 200 and response.json() == []
        # Only kind words: nothing to look for, not an error.
        response = client.get("/api/v1/places/search", params={"q": "ул."})
        assert response.status_code == 200 and response.json() == []

    def test_bad_q_is_422_with_a_message_in_the_language(self, client: TestClient) -> None:
        short = client.get("/api/v1/places/search", params={"q": "а", "lang": "ru"})
        assert short.status_code == 422
        assert "хотя бы две буквы" in short.json()["message"]
        assert short.json()["details"][0]["field"] == "q"
        long = client.get("/api/v1/places/search", params={"q": "а" * 101, "lang": "kk"})
        assert long.status_code == 422 and "100" in long.json()["message"]
        control = client.get("/api/v1/places/search", params={"q": "аб\x00", "lang": "en"})
        assert control.status_code == 422 and "U+0000" in control.json()["message"]
        # Two characters pass (as the schema says), though a lone letter finds little.
        assert client.get("/api/v1/places/search", params={"q": " а"}).status_code == 200
        assert client.get("/api/v1/places/search", params={"q": "  "}).json() == []
        missing = client.get("/api/v1/places/search")
        assert missing.status_code == 422 and "q" in missing.json()["message"]

    def test_documented_as_public(self, client: TestClient) -> None:
        operation = client.get("/openapi.json").json()["paths"]["/api/v1/places/search"]["get"]
        assert "Anyone may call it" in operation["description"]
        assert "422" in operation["responses"]
        schema = operation["parameters"][0]["schema"]
        assert (schema["minLength"], schema["maxLength"]) == (2, 100) and schema["pattern"]
