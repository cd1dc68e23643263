"""GET /manifest.webmanifest: the installable app's name, colours and icons, per language."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

NAMES = {"ru": "Безопасный двор", "kk": "Қауіпсіз аула", "en": "Safe yard"}


class TestManifest:
    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    def test_fields_in_the_page_language(self, client: TestClient, lang: str) -> None:
        response = client.get(f"/manifest.webmanifest?lang={lang}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/manifest+json")
        manifest = response.json()
        assert manifest["name"] == manifest["short_name"] == NAMES[lang]
        assert manifest["lang"] == lang
        assert manifest["start_url"] == "/?source=pwa"
        assert manifest["scope"] == "/"
        assert manifest["display"] == "standalone"
        assert manifest["theme_color"] == "#0b5d3b"
        assert manifest["background_color"].startswith("#")

    def test_russian_by_default_and_from_the_browser(self, client: TestClient) -> None:
        assert client.get("/manifest.webmanifest").json()["lang"] == "ru"
        kk = client.get("/manifest.webmanifest", headers={"Accept-Language": "kk-KZ"})
        assert kk.json()["name"] == NAMES["kk"]

    def test_pages_link_it_in_their_language(self, client: TestClient) -> None:
        page = client.get("/?lang=en").text
        assert '<link rel="manifest" href="/manifest.webmanifest?lang=en">' in page

    def test_icons_resolve_with_their_sizes(self, client: TestClient) -> None:
        icons = client.get("/manifest.webmanifest").json()["icons"]
        purposes = {icon.get("purpose", "any") for icon in icons}
        assert purposes == {"any", "maskable"}
        pngs = [icon for icon in icons if icon["type"] == "image/png"]
        assert {icon["sizes"] for icon in pngs} >= {"192x192", "512x512"}
        for icon in icons:
            response = client.get(icon["src"])
            assert response.status_code == 200, icon["src"]
            assert "immutable" in response.headers["cache-control"], "versioned URL"
            if icon["type"] == "image/png":
                image = Image.open(io.BytesIO(response.content))
                assert image.format == "PNG"
                assert f"{image.width}x{image.height}" == icon["sizes"]

    def test_maskable_icon_fills_its_square(self, client: TestClient) -> None:
        icons = client.get("/manifest.webmanifest").json()["icons"]
        (maskable,) = [icon for icon in icons if icon.get("purpose") == "maskable"]
        image = Image.open(io.BytesIO(client.get(maskable["src"]).content)).convert("RGBA")
        # A maskable icon is cropped to any shape: no transparent corners, the theme green.
        for corner in [(0, 0), (image.width - 1, 0), (0, image.height - 1)]:
            assert image.getpixel(corner) == (11, 93, 59, 255)
