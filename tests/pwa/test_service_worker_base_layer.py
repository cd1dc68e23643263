"""The maps' base layer in the service worker: kept per language by exact URL, not precached in
all three at install, and the only answers under a staff prefix the worker may keep."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from app.channels.pwa import precache

LANGS = ("ru", "kk", "en")


def listed(script: str, name: str) -> list[str]:
    found = re.search(rf"^const {name} = (\[.*\]);$", script, re.MULTILINE)
    assert found, name
    urls: list[str] = json.loads(found.group(1))
    return urls


class TestBaseLayer:
    def test_one_exact_url_per_language(self, client: TestClient) -> None:
        script = client.get("/sw.js").text
        assert listed(script, "BASE_LAYERS") == [f"/api/v1/map/base?lang={lang}" for lang in LANGS]

    def test_not_precached_in_every_language(self, client: TestClient) -> None:
        # ~190 KB a language: kept for the phone's languages, not all three at install.
        api = listed(client.get("/sw.js").text, "API")
        assert not [url for url in api if url.startswith("/api/v1/map/")]

    def test_still_under_the_staff_rule(self, client: TestClient) -> None:
        script = client.get("/sw.js").text
        assert "/api/v1/map/" in listed(script, "STAFF_PREFIXES")
        for url in precache.base_layer_urls():
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["cache-control"].startswith("public")

    def test_the_public_map_page_is_kept(self, client: TestClient) -> None:
        pages = listed(client.get("/sw.js").text, "PAGES")
        assert {f"/map?lang={lang}" for lang in LANGS} <= set(pages)
