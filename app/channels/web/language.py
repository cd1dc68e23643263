"""The page language: ?lang= (remembered in a cookie), then the cookie, then Accept-Language."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.platform import translations
from app.platform.i18n import negotiate_lang
from app.platform.languages import LANGS, Lang

COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600
# negotiate_lang's answers: a few browsers' Accept-Language values cover nearly every request.
_negotiated: dict[tuple[str | None, str | None], Lang] = {}
_MAX_NEGOTIATED = 1024


def _language(requested: str | None, accept_language: str | None) -> Lang:
    key = (requested, accept_language)
    lang = _negotiated.get(key)
    if lang is None:
        lang = negotiate_lang(requested, accept_language)
        if len(requested or "") + len(accept_language or "") <= 256:  # no client's novel
            if len(_negotiated) >= _MAX_NEGOTIATED:
                _negotiated.clear()
            _negotiated[key] = lang
    return lang


def _asked(query: bytes) -> str | None:
    """The ``lang`` of the query string (its first value), if any."""
    if not query or (b"lang" not in query and b"%" not in query):
        return None  # the common case, without parsing (a %-escaped key needs the parser)
    return parse_qs(query.decode("latin-1")).get("lang", [None])[0]


def _accept_language(scope: Scope) -> str | None:
    found = b""
    for key, value in scope["headers"]:
        if key == b"accept-language":
            found = value  # the last one, as a dict of the headers kept it
    return found.decode("latin-1") or None


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


def _secure(scope: Scope) -> bool:
    app = scope.get("app")
    context = getattr(getattr(app, "state", None), "context", None)
    return scope.get("scheme") == "https" or bool(context and context.settings.cookie_secure)


class LanguageMiddleware:
    """Sets the language of every request for templates and messages; remembers a choice."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = _asked(scope.get("query_string", b""))
        chosen = asked if asked in LANGS else None
        lang = _language(chosen or _cookie(scope, COOKIE), _accept_language(scope))
        token = translations.current_lang.set(lang)
        scope.setdefault("state", {})["lang"] = lang

        async def remember(message: Message) -> None:
            if message["type"] == "http.response.start":
                # No script reads it (HttpOnly); over https only when the site is served so.
                cookie = f"{COOKIE}={chosen}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax; HttpOnly"
                if _secure(scope):
                    cookie += "; Secure"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        try:
            # Nothing to remember (nearly every request): no send wrapper.
            await self.app(scope, receive, remember if chosen else send)
        finally:
            translations.current_lang.reset(token)
