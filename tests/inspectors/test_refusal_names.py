"""A district outside an inspector's scope is refused by its name in the page's language,
never by its Latin id ("bostandyk ауданы" was the bug)."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient

NAMES = {
    "ru": "Бостандыкский район не входит",
    "kk": "Бостандық ауданы сіздің тіркелгіңіздің аумағына кірмейді",
    "en": "District Bostandyk is outside",
}


class TestDistrictRefusal:
    @pytest.mark.parametrize("lang", sorted(NAMES))
    def test_page_names_the_district(self, inspector: TestClient, lang: str) -> None:
        response = inspector.get(f"/inspector/districts/bostandyk/monthly?lang={lang}")
        assert response.status_code == 403
        text = html.unescape(response.text)
        assert NAMES[lang] in text
        assert "bostandyk" not in text.replace("/districts/bostandyk/", "")

    @pytest.mark.parametrize("lang", sorted(NAMES))
    def test_api_names_the_district(self, inspector: TestClient, lang: str) -> None:
        response = inspector.get(f"/api/v1/districts/bostandyk/monthly?lang={lang}")
        assert response.status_code == 403
        text = response.text
        assert NAMES[lang] in text
        assert "bostandyk" not in text.replace("/districts/bostandyk/", "")
