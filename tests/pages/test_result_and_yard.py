"""GET /result/{id} and GET /yards/{id}: the score explained, and a yard over time."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.pages.conftest import Checked
from tests.pages.markup import main_text
from tests.pages.support import get


class TestResultPage:
    def test_explains_the_score(self, web: TestClient, checked: Checked) -> None:
        html = get(web, checked.result_url, "en").text
        text = main_text(html)
        assert 'class="risk-index"' in html
        assert "Critical risk" in text  # the band as a word, beside its colour
        assert "Based on" in text and "% of the checklist" in text
        assert '<ul class="bars">' in html
        assert "Lighting" in text and "not answered" in text
        # What to fix: the question, the answer given, the remedy, who, and the effect.
        assert "Is the yard lit at night?" in text and "No, it is dark" in text
        assert "What to do:" in text and "Who is responsible:" in text
        assert "Fixing this alone: index 100 →" in text
        assert "Fix the first 3 below together: 100 →" in text
        assert "Serious problems" in text  # critical items that failed
        assert "How safe do you feel here at night? Fairly unsafe" in text
        assert f'href="/yards/{checked.yard_id}"' in html
        assert 'href="/yard/find"' in html
        assert "/reports/" not in html

    def test_unknown_id_is_a_404_page_in_the_language(self, web: TestClient) -> None:
        response = get(web, "/result/3f2c7d0e-8a4b-4c1e-9d7a-1b2c3d4e5f60", "kk")
        assert response.status_code == 404
        assert "text/html" in response.headers["content-type"]
        assert "Бет табылмады" in response.text and "Мұндай нәтиже жоқ" in response.text

    def test_malformed_id_is_a_422_page_in_the_language(self, web: TestClient) -> None:
        response = get(web, "/result/not-a-uuid", "kk")
        assert response.status_code == 422
        assert "text/html" in response.headers["content-type"]
        assert "Сілтеме бүлінген: оның соңындағы нәтиже кілті" in response.text

    def test_photo_refusals_from_the_query(self, web: TestClient, checked: Checked) -> None:
        url = checked.result_url + "?photo_refused=lighting.at_night:too_large,nope:bad,x:too_large"
        text = main_text(get(web, url, "ru").text)
        assert "Фото к вопросу «Освещён ли двор ночью?» не сохранено: файл больше 10 МБ." in text
        assert text.count("не сохранено") == 1


class TestYardPage:
    def test_shows_the_yard_its_risk_and_history(self, web: TestClient, checked: Checked) -> None:
        response = get(web, f"/yards/{checked.yard_id}", "ru")
        assert response.status_code == 200
        html, text = response.text, main_text(response.text)
        # The address its first (anonymous) sender typed is never shown: the yard's number is.
        assert "ул. Тимирязева 42" not in html and f"Двор № {checked.yard_id}" in text
        assert "Бостандыкский район" in text
        assert "Микрорайон" in text and f"{checked.point['lat']}, {checked.point['lon']}" in text
        assert "Критический риск" in text and '<ul class="bars">' in html
        assert "проверка жителей" in text and "0 проверок инспектора" in text
        assert "История проверок" in text and "житель" in text
        assert f'href="/checklist?yard_id={checked.yard_id}"' in html

    def test_unknown_yard_is_a_404_page_in_the_language(self, web: TestClient) -> None:
        for url in ("/yards/99999999", "/yards/abc"):
            response = get(web, url, "en")
            assert response.status_code == 404, url
            assert "text/html" in response.headers["content-type"]
            assert "Page not found" in response.text and "Find your yard again" in response.text
