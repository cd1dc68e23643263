"""The single Jinja2 environment: autoescaping, Babel translations, versioned static URLs."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import xstatic.pkg.leaflet as xstatic_leaflet
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.platform import translations
from app.platform.config import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
STATIC = PROJECT_ROOT / "static"
# Third-party assets come from their packages, never copied into the repository.
VENDOR: dict[str, Path] = {"leaflet": Path(xstatic_leaflet.BASE_DIR)}
LEAFLET_VERSION = xstatic_leaflet.VERSION


@cache
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def static_path(name: str) -> Path:
    """The file behind a static name: ``css/app.css`` or ``vendor/leaflet/leaflet.js``."""
    parts = name.split("/")
    if parts[0] == "vendor" and len(parts) > 2 and parts[1] in VENDOR:
        return VENDOR[parts[1]].joinpath(*parts[2:])
    return STATIC.joinpath(*parts)


def static_url(name: str) -> str:
    """``/static/<name>?v=<content hash>``: cached forever, refreshed when the file changes."""
    return f"/static/{name}?v={_digest(static_path(name))}"


def assets_version() -> str:
    """One hash over every asset the app shell uses (the service worker's cache name)."""
    combined = hashlib.sha256()
    for name in SHELL_ASSETS:
        combined.update(_digest(static_path(name)).encode())
    combined.update(_digest(TEMPLATES / "pwa" / "sw.js").encode())
    return combined.hexdigest()[:12]


# The assets every page needs; the service worker precaches them.
SHELL_ASSETS = (
    "css/app.css",
    "js/app.js",
    "icons/icon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
)


def url_in_language(request: Request, lang: str) -> str:
    """This page's address in another language, keeping its other query parameters."""
    url = request.url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


# Almaty keeps UTC+5 all year (no daylight saving).
ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")


def almaty_time(moment: datetime) -> str:
    """A stored (UTC) time as staff read it: Almaty's wall clock, to the minute."""
    return moment.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml", "js"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translations.raw_gettext, translations.raw_ngettext, newstyle=True
    )
    env.globals.update(
        static_url=static_url, langs=translations.available(), url_in_language=url_in_language
    )
    env.filters["almaty_time"] = almaty_time
    return env


environment = _environment()


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page in the request's language (set by the page dependency)."""
    page = environment.get_template(template).render(
        request=request, lang=translations.current_lang.get(), **(context or {})
    )
    return HTMLResponse(page, status_code=status_code, headers=headers)
