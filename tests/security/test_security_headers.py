"""Every response carries the security headers: pages, API, static files, errors, 404s, 413s,
bare 500s, the service worker; HSTS only over https."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.platform.config import Settings
from app.platform.security.headers import (
    DOCS_POLICY,
    HSTS,
    SESSION_CACHE_CONTROL,
    SecurityHeaders,
    content_security_policy,
    tile_origin,
)
from tests.loops import run_in_own_loop

SITE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "x-frame-options": "DENY",
}

# (method, path, expected status): one of each route family.
SAMPLES = [
    ("GET", "/", 200),
    ("GET", "/yard/find", 200),
    ("GET", "/checklist", 200),
    ("GET", "/login", 200),
    ("GET", "/offline", 200),
    ("GET", "/sw.js", 200),
    ("GET", "/manifest.webmanifest", 200),
    ("GET", "/static/css/app.css", 200),
    ("GET", "/static/vendor/leaflet/leaflet.js", 200),
    ("GET", "/api/v1/checklist", 200),
    ("GET", "/healthz", 200),
    ("GET", "/openapi.json", 200),
    ("GET", "/api/v1/nothing-here", 404),
    ("GET", "/no-such-page", 404),
    ("GET", f"/photos/{uuid.uuid4()}.jpg", 404),
    ("GET", "/api/v1/yards?near=bad", 422),
    ("POST", "/api/v1/submissions", 422),
    ("GET", "/admin/users", 303),
    ("DELETE", "/api/v1/checklist", 405),
]


def assert_site_headers(response: httpx.Response) -> None:
    for name, value in SITE_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["permissions-policy"].startswith(
        "geolocation=(self), camera=(self), microphone=(), payment=()"
    )
    assert "strict-transport-security" not in response.headers


class TestEveryResponse:
    @pytest.mark.parametrize(("method", "path", "status"), SAMPLES)
    def test_route_families(self, client: TestClient, method: str, path: str, status: int) -> None:
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == status, response.text[:300]
        assert_site_headers(response)

    def test_refusals_of_middleware(self, client: TestClient) -> None:
        too_large = client.post(
            "/api/v1/submissions",
            content=b"{" + b" " * (client.app.state.context.settings.max_body_bytes + 10) + b"}",  # type: ignore[attr-defined]
            headers={"Content-Type": "application/json"},
        )
        assert too_large.status_code == 413
        assert_site_headers(too_large)

    def test_bare_server_error(self, settings: Settings) -> None:
        """Even Starlette's last-resort 500 (outside every other middleware) has them."""
        app = create_app(settings)

        @app.get("/api/v1/boom-for-test")
        def boom() -> None:
            raise RuntimeError("boom")

        with TestClient(app, raise_server_exceptions=False) as browser:
            response = browser.get("/api/v1/boom-for-test")
        assert response.status_code == 500
        assert_site_headers(response)


class TestPolicy:
    def test_tiles_allowed_as_images_only(self) -> None:
        csp = content_security_policy(["https://{s}.tiles.example.org/{z}/{x}/{y}.png"])
        directives = dict(d.split(" ", 1) for d in csp.split("; "))
        assert "https://*.tiles.example.org" in directives["img-src"]
        assert "tiles.example.org" not in directives["connect-src"]
        assert directives["default-src"] == "'self'"

    @pytest.mark.parametrize(
        ("template", "origin"),
        [
            ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
            ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
            ("/tiles/{z}/{x}/{y}.png", None),
        ],
    )
    def test_tile_origin(self, template: str, origin: str | None) -> None:
        assert tile_origin(template) == origin

    def test_site_tiles_in_policy(self, client: TestClient) -> None:
        settings = client.app.state.context.settings  # type: ignore[attr-defined]
        tiles = getattr(settings, "map_tile_url", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
        origin = tile_origin(tiles)
        assert origin is None or origin in client.get("/").headers["content-security-policy"]


class TestApiDocs:
    def test_off_by_default(self, settings: Settings) -> None:
        with TestClient(create_app(settings.model_copy(update={"api_docs": False}))) as browser:
            assert browser.get("/docs").status_code == 404
            assert browser.get("/redoc").status_code == 404
            assert browser.get("/openapi.json").status_code == 200

    def test_their_own_policy_when_on(self, client: TestClient) -> None:
        docs = client.get("/docs")
        assert docs.status_code == 200
        assert docs.headers["content-security-policy"] == DOCS_POLICY
        assert docs.headers["x-content-type-options"] == "nosniff"
        # The rest of the site keeps the strict one.
        assert "unsafe-inline" not in client.get("/").headers["content-security-policy"]


class TestHsts:
    def test_over_https(self, client: TestClient) -> None:
        browser = TestClient(client.app, base_url="https://testserver")
        response = browser.get("/healthz")
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")

    def test_forwarded_proto_of_trusted_proxy(self) -> None:
        """Behind a proxy uvicorn (--proxy-headers, --forwarded-allow-ips) turns
        X-Forwarded-Proto: https into the scheme: the same middleware stack, as run."""
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        async def ok(scope, receive, send):  # type: ignore[no-untyped-def]
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        trusted = ProxyHeadersMiddleware(SecurityHeaders(ok, tile_urls=[]), trusted_hosts="*")
        untrusted = ProxyHeadersMiddleware(
            SecurityHeaders(ok, tile_urls=[]), trusted_hosts="10.0.0.1"
        )
        header = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        assert "strict-transport-security" in TestClient(trusted).get("/", headers=header).headers
        spoofed = TestClient(untrusted).get("/", headers=header)
        assert "strict-transport-security" not in spoofed.headers

    def test_always_when_declared_https(self, settings: Settings) -> None:
        app: FastAPI = create_app(settings.model_copy(update={"cookie_secure": True}))
        with TestClient(app) as browser:
            assert "strict-transport-security" in browser.get("/healthz").headers


class TestCookies:
    def test_session_cookies_flags(self, client: TestClient, settings: Settings) -> None:
        app = create_app(settings.model_copy(update={"cookie_secure": True}))
        with TestClient(app, base_url="https://testserver") as browser:
            cookies = browser.get("/login").headers.get_list("set-cookie")
        pre = [c for c in cookies if c.startswith("safeyard_pre=")]
        assert pre, cookies
        flags = pre[0].lower()
        assert "httponly" in flags and "samesite=lax" in flags and "secure" in flags

    def test_language_cookie_flags(self, client: TestClient, settings: Settings) -> None:
        cookie = client.get("/?lang=kk").headers["set-cookie"].lower()
        assert "samesite=lax" in cookie and "httponly" in cookie and "secure" not in cookie
        app = create_app(settings.model_copy(update={"cookie_secure": True}))
        with TestClient(app) as browser:
            cookie = browser.get("/?lang=kk").headers["set-cookie"].lower()
        assert "secure" in cookie


class TestTemplatesHaveNoInlineCode:
    """The CSP forbids inline script and style: the templates must not need them."""

    def test_no_inline_script_or_style(self) -> None:
        import re

        problems = []
        for path in sorted(Path("templates").rglob("*.html")):
            if path.parts[1] == "reports":
                continue  # rendered to PDF by WeasyPrint, never served to a browser
            if path.as_posix() == "templates/validation/report.html":
                continue  # `safeyard validate`'s self-contained file, never served
            text = path.read_text()
            for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle=", r"<style", r"\son\w+="):
                if re.search(pattern, text, flags=re.IGNORECASE):
                    problems.append(f"{path}: {pattern}")
        assert problems == []


RawHeaders = list[tuple[bytes, bytes]]
TILES = ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def sent_headers(own: RawHeaders, *, https: bool = False, cookie: bool = False) -> RawHeaders:
    """The raw header list SecurityHeaders sends for an answer that set ``own``."""
    sent: list[Any] = []

    async def answer(_scope: Any, _receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(own)})

    async def capture(message: Any) -> None:
        sent.append(message)

    cookies = [(b"cookie", b"safeyard_session=abc")] if cookie else []
    scope = {"type": "http", "path": "/api/v1/x", "scheme": "http", "headers": cookies}
    run_in_own_loop(SecurityHeaders(answer, tile_urls=TILES, https=https)(scope, None, capture))  # type: ignore[arg-type]
    return list(sent[0]["headers"])


class TestRawHeaders:
    """The header list itself: the answer's own headers first, each of ours after them once,
    in our order, and none of ours where the answer set that header itself."""

    @pytest.mark.parametrize("https", [False, True])
    @pytest.mark.parametrize("cookie", [False, True])
    @pytest.mark.parametrize(
        "own",
        [
            [],
            [(b"content-type", b"application/json"), (b"content-length", b"2")],
            [(b"x-frame-options", b"SAMEORIGIN"), (b"content-length", b"2")],
            [(b"Cache-Control", b"max-age=60")],
            [(b"strict-transport-security", b"max-age=1")],
        ],
    )
    def test_ours_after_theirs_unless_they_set_it(
        self, own: RawHeaders, https: bool, cookie: bool
    ) -> None:
        ours = SecurityHeaders(lambda *a: None, tile_urls=TILES)._site  # type: ignore[arg-type]
        ours = ours + [(b"strict-transport-security", HSTS.encode())] * https
        ours = ours + [SESSION_CACHE_CONTROL] * cookie
        present = {name.lower() for name, _ in own}
        expected = own + [(name, value) for name, value in ours if name not in present]
        assert sent_headers(own, https=https, cookie=cookie) == expected
