"""Every residents' page renders in Russian, Kazakh and English."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.pages.conftest import Checked
from tests.pages.markup import main_text
from tests.pages.support import KAZAKH_LETTERS, each_page_url, get

# A word of the interface (not of the checklist data) that each language's pages show.
BRAND = {"ru": "Безопасный двор", "kk": "Қауіпсіз аула", "en": "Safe yard"}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
class TestEveryPageInEveryLanguage:
    def test_renders_200_in_the_language(
        self, web: TestClient, checked: Checked, lang: str
    ) -> None:
        for url in each_page_url(checked.result_url, checked.yard_id):
            response = get(web, url, lang)
            assert response.status_code == 200, (url, response.text[:500])
            html = response.text
            assert f'<html lang="{lang}">' in html, url
            assert BRAND[lang] in html, url
            text = main_text(html)
            if lang == "kk":
                assert any(letter in text for letter in KAZAKH_LETTERS), url
            if lang == "en":
                # Place names are OpenStreetMap's, Russian as mapped, and marked lang="ru".
                own = main_text(re.sub(r'<span lang="ru">[^<]*</span>', " ", html))
                assert not any(letter in own for letter in "ыэъ"), url

    def test_lang_parameter_wins_and_is_remembered(self, web: TestClient, lang: str) -> None:
        assert web.get(f"/yard/find?lang={lang}").text.count(f'<html lang="{lang}">') == 1
        assert f'<html lang="{lang}">' in web.get("/yard/find").text


class TestTranslatedWords:
    def test_band_word_in_each_language(self, web: TestClient, checked: Checked) -> None:
        words = {"ru": "Критический риск", "kk": "Сыни тәуекел", "en": "Critical risk"}
        for lang, word in words.items():
            assert word in get(web, checked.result_url, lang).text

    def test_numbers_use_the_language_s_decimal_mark(
        self, web: TestClient, checked: Checked
    ) -> None:
        ru = main_text(get(web, checked.result_url, "ru").text)
        en = main_text(get(web, checked.result_url, "en").text)
        # Fixing one answer alone leaves an index with a decimal part here.
        assert re.search(r"\d,\d", ru) and not re.search(r"\d\.\d", ru)
        assert re.search(r"\d\.\d", en)
