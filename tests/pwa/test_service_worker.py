"""GET /sw.js: a rendered module worker at the site root whose cache follows every deploy."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.channels.pwa import precache
from app.platform import templating
from app.platform.templating import SHELL_ASSETS, STATIC, static_url

LANGS = ("ru", "kk", "en")
NODE = shutil.which("node")


def cache_version(script: str) -> str:
    found = re.search(r'^const VERSION = "([^"]+)";$', script, re.MULTILINE)
    assert found, "the worker names its cache version"
    return found.group(1)


class TestServiceWorker:
    def test_served_at_the_root_never_cached_long(self, client: TestClient) -> None:
        response = client.get("/sw.js")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] in (
            "application/javascript",
            "text/javascript",
        )
        assert response.headers["cache-control"] == "max-age=0"
        assert response.headers["service-worker-allowed"] == "/"

    def test_precaches_the_versioned_shell(self, client: TestClient) -> None:
        script = client.get("/sw.js").text
        for name in SHELL_ASSETS:
            assert f'"{static_url(name)}"' in script, name
        for path in sorted((STATIC / "js").glob("*.js")):
            assert f'"{static_url(f"js/{path.name}")}"' in script, path.name
        assert f'"{static_url("vendor/leaflet/images/marker-icon.png")}"' in script

    def test_precaches_pages_and_checklist_in_every_language(self, client: TestClient) -> None:
        script = client.get("/sw.js").text
        for lang in LANGS:
            assert f'"/api/v1/checklist?lang={lang}"' in script
            for page in ("/", "/yard/find", "/checklist", "/offline"):
                assert f'"{page}?lang={lang}"' in script

    def test_every_precached_url_answers(self, client: TestClient) -> None:
        for url in precache.asset_urls() + precache.api_urls() + precache.page_urls():
            response = client.get(url, follow_redirects=False)
            assert response.status_code == 200, url

    def test_imports_the_queue_the_pages_use(self, client: TestClient) -> None:
        script = client.get("/sw.js").text
        assert f'import * as queue from "{static_url("js/queue.js")}";' in script
        assert '"send-submissions"' in script

    def test_cache_name_changes_with_an_asset(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        before = cache_version(client.get("/sw.js").text)
        assert before.startswith(templating.assets_version())
        real = templating._digest

        def changed_css(path: Path) -> str:
            return "0123456789" if path.name == "app.css" else real(path)

        monkeypatch.setattr(templating, "_digest", changed_css)
        script = client.get("/sw.js").text
        assert cache_version(script) != before
        assert '"/static/css/app.css?v=0123456789"' in script

    def test_cache_name_changes_with_a_page_template(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        before = cache_version(client.get("/sw.js").text)
        monkeypatch.setattr(precache, "_pages_digest", lambda: "a changed translation")
        assert cache_version(client.get("/sw.js").text) != before

    @pytest.mark.skipif(NODE is None, reason="node is not installed")
    def test_is_valid_javascript(self, client: TestClient, tmp_path: Path) -> None:
        worker = tmp_path / "sw.mjs"
        worker.write_text(client.get("/sw.js").text)
        result = subprocess.run([NODE, "--check", str(worker)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


class TestOfflinePage:
    @pytest.mark.parametrize("lang", LANGS)
    def test_renders_in_each_language(self, client: TestClient, lang: str) -> None:
        response = client.get(f"/offline?lang={lang}")
        assert response.status_code == 200
        assert f'<html lang="{lang}">' in response.text
        assert 'href="/checklist"' in response.text
