"""What the service worker keeps on the phone, and the version that names its cache."""

from __future__ import annotations

import hashlib
from functools import cache

from app.platform.config import PROJECT_ROOT
from app.platform.languages import LANGS
from app.platform.templating import (
    SHELL_ASSETS,
    STATIC,
    TEMPLATES,
    VENDOR,
    assets_version,
    static_url,
)

# Pages a resident needs with no signal, each cached once per language (?lang=). "/mine" is
# the same for everyone (the list is drawn from the phone's own storage), so it may be cached;
# so is "/map", the public map of areas (aggregates only; its areas come from the API answer
# last seen online, kept by the service worker).
PAGES = ("/", "/yard/find", "/checklist", "/offline", "/mine", "/map")
PAGE_STYLES = ("css/mine.css", "css/public-map.css")
CHECKLIST_API = "/api/v1/checklist"
# The maps' background (district borders, major streets: ~190 KB, ~46 KB gzipped, per
# language), so a resident with no signal still sees where the yard is; the finer streets
# (&detail=true) load online only. Kept for the phone's language only, not all three.
BASE_LAYER_API = "/api/v1/map/base"
TRANSLATIONS = PROJECT_ROOT / "app" / "platform" / "translations"


def asset_names() -> list[str]:
    """Static names to precache: the shell, every JS module, icons and Leaflet's images."""
    names = list(SHELL_ASSETS)
    # The stylesheets of the cached pages beyond the shell's.
    names += list(PAGE_STYLES)
    names += sorted(f"js/{p.name}" for p in (STATIC / "js").glob("*.js"))
    names += sorted(f"icons/{p.name}" for p in (STATIC / "icons").iterdir() if p.is_file())
    # leaflet.css points at its marker and layer images with relative, unversioned URLs.
    names += sorted(
        f"vendor/leaflet/images/{p.name}" for p in (VENDOR["leaflet"] / "images").glob("*.png")
    )
    return list(dict.fromkeys(names))


def asset_urls() -> list[str]:
    return [static_url(name) for name in asset_names()]


def page_urls() -> list[str]:
    return [f"{page}?lang={lang}" for page in PAGES for lang in LANGS]


def api_urls() -> list[str]:
    """API answers precached in every language: without them the checklist fails offline."""
    return [f"{CHECKLIST_API}?lang={lang}" for lang in LANGS]


def base_layer_urls() -> list[str]:
    """The base layer's URL per language: the only answers under a staff prefix
    (/api/v1/map/) that the service worker may keep, by these exact URLs."""
    return [f"{BASE_LAYER_API}?lang={lang}" for lang in LANGS]


@cache
def _pages_digest() -> str:
    # Cached pages change with their templates and translations, not only with the assets.
    digest = hashlib.sha256()
    for root, pattern in ((TEMPLATES, "**/*.html"), (TRANSLATIONS, "**/*.po")):
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_version(checklist_version: str) -> str:
    """Changes on any deploy that changes what is cached, so the phone drops the old copies."""
    digest = hashlib.sha256(assets_version().encode())
    for url in asset_urls():
        digest.update(url.encode())
    digest.update(_pages_digest().encode())
    digest.update(checklist_version.encode())
    return f"{assets_version()}-{digest.hexdigest()[:8]}"
