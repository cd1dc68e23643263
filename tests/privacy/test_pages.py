"""The consent and purpose text on the checklist (the same form serves the page without
JavaScript and the enhanced one), and the full /privacy page, in Russian, Kazakh and English."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from app.platform.config import Settings
from app.platform.db import Database

CONSENT = {
    "ru": "Отправляя, вы соглашаетесь, что SafeYard хранит ваши ответы",
    "kk": "Тексеру парағын жіберу арқылы сіз SafeYard-тың жауаптарыңызды",
    "en": "By sending, you agree that SafeYard keeps your answers",
}
PRIVACY = {
    "ru": ("Ваши данные в SafeYard", "О персональных данных и их защите", "Фото: %s дн."),
    "kk": (
        "SafeYard-тағы деректеріңіз",
        "Дербес деректер және оларды қорғау туралы",
        "Фотолар: %s күн",
    ),
    "en": ("Your data in SafeYard", "On personal data and their protection", "Photos: %s days"),
}


def page(client: TestClient, path: str, lang: str) -> str:
    response = client.get(path, headers={"Accept-Language": lang})
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
class TestConsent:
    def test_shown_before_the_send_button_with_a_link_to_the_privacy_page(
        self, client: TestClient, settings: Settings, lang: str
    ) -> None:
        html = page(client, "/checklist", lang)
        form = html[
            html.index('<form id="checklist-form"') : html.index(
                "</form>", html.index('<form id="checklist-form"')
            )
        ]
        consent = form.index('id="consent"')
        assert CONSENT[lang] in form
        # Inside the form, before its send button: no checklist leaves without it shown.
        assert consent < form.index('type="submit"', consent)
        notice = form[consent : form.index("</p>", consent)]
        assert 'href="/privacy"' in notice
        assert str(settings.retention_comments_days) in notice
        assert str(settings.retention_photos_days) in notice


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
class TestPrivacyPage:
    def test_says_what_why_how_long_where_and_how_to_delete(
        self, client: TestClient, settings: Settings, lang: str
    ) -> None:
        html = page(client, "/privacy", lang)
        title, law, photos = PRIVACY[lang]
        assert f"<h1>{title}</h1>" in html
        assert "94-V" in html and law in html
        assert photos % settings.retention_photos_days in html
        for section in ("what", "why", "who", "how-long", "where", "rights"):
            assert f'id="{section}"' in html
        assert "/result/" in html  # how to ask: with the result link
        assert f'lang="{lang}"' in html


class TestPrivacyContact:
    def test_the_contact_is_a_setting(self, settings: Settings) -> None:
        from app.main import create_app

        custom = settings.model_copy(update={"privacy_contact": "privacy@safeyard.example.kz"})
        with TestClient(create_app(custom)) as client:
            html = page(client, "/privacy", "en")
        assert "Write to: privacy@safeyard.example.kz" in html
        assert not re.search(r"Write to the organisation", html)


class TestNoIdentity:
    def test_a_submission_has_no_column_for_who_sent_it(self, db: Database) -> None:
        columns = {c["name"] for c in inspect(db.engine).get_columns("submission")}
        assert "answers" in columns and "comment" in columns
        identity = re.compile(r"ip|addr|email|phone|name|user|device|agent", re.IGNORECASE)
        assert [c for c in columns if identity.search(c)] == []
