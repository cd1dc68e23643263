"""Every cached page opens offline as it looks online: each stylesheet and script it links
(outside <noscript>, which a phone with the service worker never reads) is precached too.
A page kept without its stylesheet opened offline unstyled, its map with no height."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.channels.pwa import precache

LINKED = re.compile(r'<(?:link rel="stylesheet" href|script[^>]*? src)="(/static/[^"]+)"')
NOSCRIPT = re.compile(r"<noscript>.*?</noscript>", re.S)


@pytest.mark.parametrize("page", precache.PAGES)
@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_every_asset_a_cached_page_links_is_precached(
    client: TestClient, page: str, lang: str
) -> None:
    html = client.get(f"{page}?lang={lang}")
    assert html.status_code == 200
    linked = set(LINKED.findall(NOSCRIPT.sub("", html.text)))
    assert linked, "the pattern still finds the page's assets"
    script = client.get("/sw.js").text
    missing = sorted(url for url in linked if f'"{url}"' not in script)
    assert missing == [], f"{page} links assets the service worker does not keep"
