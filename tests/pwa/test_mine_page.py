"""GET /mine and what the service worker keeps for it: the same page for everyone (no result
link is ever rendered by the server), kept offline in every language, and result pages kept
only in the phone's own storage, never in an HTTP cache."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.channels.pwa import precache
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.templating import static_url
from tests.factories import new_location, store_submission

LANGS = ("ru", "kk", "en")
# A version 4 UUID anywhere in a page: the shape of every result's key.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def sent_id(db: Database, registry: ChecklistRegistry, settings: Settings) -> str:
    """A resident's stored checklist in Turksib (Almaly's micro-districts run out in tests)."""
    with db.write_session() as session:
        received = store_submission(
            session, registry=registry, settings=settings, location=new_location("turksib")
        )
        return str(received.submission.id)


class TestMinePage:
    @pytest.mark.parametrize("lang", LANGS)
    def test_served_in_every_language(self, client: TestClient, lang: str) -> None:
        page = client.get(f"/mine?lang={lang}")
        assert page.status_code == 200
        assert f'<html lang="{lang}">' in page.text
        assert 'id="mine-needs-script"' in page.text, "says where the list lives without JS"
        assert '<meta name="robots" content="noindex">' in page.text
        assert f'src="{static_url("js/mine.js")}"' in page.text

    def test_says_without_script_that_the_list_is_in_the_browser(self, client: TestClient) -> None:
        text = client.get("/mine?lang=ru").text
        notice = text.split('id="mine-needs-script"', 1)[1].split("</div>", 1)[0]
        assert "браузере этого телефона" in notice
        # Shown unless the script hides it; the list is hidden unless the script shows it.
        assert re.search(r'<div class="notice" id="mine-needs-script">', text)
        assert re.search(r'<div id="mine" hidden>', text)

    def test_never_lists_a_result(self, client: TestClient, sent_id: str) -> None:
        # The resident's own session has just sent one: the server still renders no link.
        for lang in LANGS:
            text = client.get(f"/mine?lang={lang}").text
            assert sent_id not in text
            assert not UUID.search(text)
            assert "/result/" not in text

    def test_linked_from_the_resident_pages(self, client: TestClient) -> None:
        for path in ("/", "/yard/find", "/checklist", "/offline"):
            assert 'href="/mine"' in client.get(f"{path}?lang=ru").text, path


class TestKeptOffline:
    def test_precached_with_its_stylesheet(self, client: TestClient) -> None:
        script = client.get("/sw.js").text
        for lang in LANGS:
            assert f'"/mine?lang={lang}"' in script
        assert f'"{static_url("css/mine.css")}"' in script
        assert "/mine" in precache.PAGES

    def test_result_pages_survive_deploys_in_their_own_cache(self, client: TestClient) -> None:
        script = client.get("/sw.js").text
        assert 'const RESULTS_CACHE = "safeyard-results";' in script
        assert "[CACHE, API_CACHE, RESULTS_CACHE].includes(name)" in script, "kept on activate"

    def test_the_result_answer_is_for_this_browser_only(
        self, client: TestClient, sent_id: str
    ) -> None:
        client.cookies.clear()
        page = client.get(f"/result/{sent_id}")
        assert page.status_code == 200
        cache_control = page.headers.get("cache-control", "")
        # What a shared cache must never keep: the page's URL is the key to the result.
        assert "public" not in cache_control
        assert "max-age" not in cache_control or "private" in cache_control

    def test_the_result_answer_says_no_store(self, client: TestClient, sent_id: str) -> None:
        client.cookies.clear()
        assert client.get(f"/result/{sent_id}").headers.get("cache-control") == (
            "private, no-store"
        )
