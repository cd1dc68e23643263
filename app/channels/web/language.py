"""The page language: ?lang= (remembered in a cookie), then the cookie, then Accept-Language."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.platform import translations
from app.platform.i18n import negotiate_lang
from app.platform.languages import LANGS

COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


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
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]
        chosen = asked if asked in LANGS else None
        header = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
        lang = negotiate_lang(chosen or _cookie(scope, COOKIE), header or None)
        token = translations.current_lang.set(lang)
        scope.setdefault("state", {})["lang"] = lang

        async def remember(message: Message) -> None:
            if chosen and message["type"] == "http.response.start":
                # No script reads it (HttpOnly); over https only when the site is served so.
                cookie = f"{COOKIE}={chosen}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax; HttpOnly"
                if _secure(scope):
                    cookie += "; Secure"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        try:
            await self.app(scope, receive, remember)
        finally:
            translations.current_lang.reset(token)
