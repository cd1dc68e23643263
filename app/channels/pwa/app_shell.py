"""GET /manifest.webmanifest, /sw.js and /offline: what makes the site an installable app."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.channels.pwa import precache
from app.channels.web.context import ContextDep
from app.platform import translations
from app.platform.languages import LANGS
from app.platform.templating import environment, render, static_url

router = APIRouter(include_in_schema=False)

THEME_COLOR = "#0b5d3b"
BACKGROUND_COLOR = "#f4f5f2"
# The app's name as the phone shows it under its icon.
NAMES = {"ru": "Безопасный двор", "kk": "Қауіпсіз аула", "en": "Safe yard"}
SYNC_TAG = "send-submissions"
# (English msgid, URL); "/mine" is the list of the resident's checklists kept on the phone.
SHORTCUTS = (
    ("Check the yard", "/checklist"),
    ("Find my yard", "/yard/find"),
    ("My checklists", "/mine"),
)
# static/screenshots/<page>-<lang>-<form factor>.png, captured at these sizes by
# tests/browser/test_manifest_screenshots.py (SAFEYARD_CAPTURE_SCREENSHOTS=1).
SCREENSHOTS = (
    ("checklist", "narrow", "390x844", "Check the yard"),
    ("home", "wide", "1440x900", "Safe yard"),
)


@router.get("/manifest.webmanifest")
def manifest() -> JSONResponse:
    """The web app manifest in the request's language (``?lang=``, cookie, Accept-Language)."""
    lang = translations.current_lang.get()
    body: dict[str, Any] = {
        "id": "/",
        "name": NAMES[lang],
        "short_name": NAMES[lang],
        "description": translations.gettext(
            "The Almaty yard safety checklist: check your courtyard, see what to fix and who "
            "fixes it."
        ),
        "lang": lang,
        "dir": "ltr",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static_url("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        # Long-press on the installed icon: the three things a resident comes back for.
        "shortcuts": [
            {
                "name": translations.gettext(name),
                "url": url,
                "icons": [
                    {
                        "src": static_url("icons/icon-192.png"),
                        "sizes": "192x192",
                        "type": "image/png",
                    }
                ],
            }
            for name, url in SHORTCUTS
        ],
        # The richer install dialog (Chromium): the app as it looks, in the page's language.
        "screenshots": [
            {
                "src": static_url(f"screenshots/{page}-{lang}-{form}.png"),
                "sizes": sizes,
                "type": "image/png",
                "form_factor": form,
                "label": translations.gettext(label),
            }
            for page, form, sizes, label in SCREENSHOTS
        ],
    }
    return JSONResponse(
        body,
        media_type="application/manifest+json",
        headers={"Cache-Control": "max-age=3600", "Vary": "Accept-Language, Cookie"},
    )


@router.get("/sw.js")
def service_worker(context: ContextDep, request: Request) -> Response:
    """The service worker, rendered with this deploy's versioned URLs; never cached long."""
    checklist_version = context.checklists.current.version
    script = environment.get_template("pwa/sw.js").render(
        cache_version=precache.cache_version(checklist_version),
        assets=precache.asset_urls(),
        pages=precache.page_urls(),
        page_paths=precache.PAGES,
        api=precache.api_urls(),
        base_layers=precache.base_layer_urls(),
        langs=LANGS,
        default_lang=translations.DEFAULT_LANG,
        queue_module=static_url("js/queue.js"),
        sync_tag=SYNC_TAG,
    )
    return Response(
        script,
        media_type="application/javascript",
        headers={"Cache-Control": "max-age=0", "Service-Worker-Allowed": "/"},
    )


@router.get("/offline", response_class=HTMLResponse)
def offline(request: Request) -> HTMLResponse:
    """Shown by the service worker for a page that is not on the phone while offline."""
    return render(request, "pwa/offline.html")
