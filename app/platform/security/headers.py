"""Security headers on every response: pages, API, static files, errors and 404s alike.

A pure ASGI middleware (not a FastAPI dependency) so that nothing escapes it: responses of the
exception handlers, of other middleware (413, 429, CSRF refusals) and of the static mounts all
pass through ``send`` here. A header the app already set is left as it is.

The Content-Security-Policy allows no inline script and no inline ``<style>``: templates load
``/static/js/app.js`` and ``/static/css/app.css`` only. Leaflet positions its tiles through
``element.style`` (CSSOM), which CSP does not restrict. Map tiles are the one outside origin.

``/docs`` and ``/redoc`` (FastAPI's API browser) load Swagger UI / ReDoc from a CDN with an
inline start-up script; they exist only when ``SAFEYARD_API_DOCS`` is on, and get their own
looser policy (see docs/SECURITY.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
DOCS_CDN = "https://cdn.jsdelivr.net"
HSTS = "max-age=31536000; includeSubDomains"
# app.accounts.security.SESSION_COOKIE (not imported: this module sits below the accounts).
SESSION_COOKIE = b"safeyard_session="
# For a signed-in person's answers that chose no caching of their own: staff pages must not
# outlive a logout in the browser's cache, nor reach anyone else through a shared cache.
SESSION_CACHE_CONTROL = (b"cache-control", b"private, no-store")


def tile_origin(url_template: str) -> str | None:
    """``https://tile.openstreetmap.org`` from a tile URL template; ``{s}`` subdomains -> ``*``.

    None for a relative template (tiles served by this site, already 'self').
    """
    parts = urlsplit(url_template)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc
    if "{" in host:
        # "{s}.tile.example.org" or "tiles-{s}.example.org": a wildcard on the first label.
        first, _, rest = host.partition(".")
        host = f"*.{rest}" if "{" in first and rest and "{" not in rest else host
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_urls: Iterable[str]) -> str:
    """The site's policy: everything from this origin; images also from the map tile hosts."""
    tiles = sorted({o for o in (tile_origin(u) for u in tile_urls) if o})
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src " + " ".join(["'self'", "data:", "blob:", *tiles]),
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
    return "; ".join(directives)


DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        # Swagger UI and ReDoc come from the CDN and start with an inline script.
        f"script-src 'self' 'unsafe-inline' {DOCS_CDN}",
        f"style-src 'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(self), microphone=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)


class SecurityHeaders:
    """Adds the security headers to every HTTP response.

    ``https``: the site is served over TLS (behind a proxy that may not say so); HSTS is then
    sent on every response. Otherwise HSTS goes only with requests whose scheme is https
    (uvicorn sets it from ``X-Forwarded-Proto`` of a proxy in ``--forwarded-allow-ips``).
    """

    def __init__(self, app: ASGIApp, *, tile_urls: Iterable[str], https: bool = False) -> None:
        self.app = app
        self.https = https
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"permissions-policy", PERMISSIONS_POLICY.encode()),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
        ]
        self._site = [
            (b"content-security-policy", content_security_policy(tile_urls).encode()),
            *common,
        ]
        self._docs = [(b"content-security-policy", DOCS_POLICY.encode()), *common]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._docs if scope["path"] in DOCS_PATHS else self._site
        if self.https or scope.get("scheme") == "https":
            extra = [*extra, (b"strict-transport-security", HSTS.encode())]
        if any(name == b"cookie" and SESSION_COOKIE in value for name, value in scope["headers"]):
            extra = [*extra, SESSION_CACHE_CONTROL]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((k, v) for k, v in extra if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: Any, settings: Any) -> None:
    """Wrap the whole middleware stack, Starlette's ServerErrorMiddleware included, so that
    even a bare 500 carries the headers (``add_middleware`` would sit inside it)."""
    # The inspectors' tiles; the residents' maps draw SafeYard's own base layer unless the
    # operator names a tile server for them.
    tile_urls = [getattr(settings, "map_tile_url", DEFAULT_TILE_URL)]
    if public_tiles := getattr(settings, "public_map_tile_url", None):
        tile_urls.append(public_tiles)
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build(), tile_urls=tile_urls, https=settings.cookie_secure)

    app.build_middleware_stack = build_with_headers
