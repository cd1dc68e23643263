"""Wiring accounts into the app: the signing key, the CSRF guard, the login redirect."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.accounts import security
from app.accounts.models import User, UserRole
from app.accounts.second_factor import Stage, login_stage
from app.channels.web.auth_deps import (
    LoginRequired,
    login_user,
    secret_of,
    session_login,
    step_url,
)
from app.channels.web.context import context_of
from app.platform.errors import app_error_handler, wants_page

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


_SESSION_NAME = security.SESSION_COOKIE.encode("latin-1")


def _may_carry_session(headers: list[tuple[bytes, bytes]]) -> bool:
    """False when no Cookie header even mentions the session cookie: nothing to guard, and
    no header dictionary or cookie parsing for a resident's or Telegram's post."""
    return any(name.lower() == b"cookie" and _SESSION_NAME in value for name, value in headers)


class CsrfGuard:
    """Requests that carry a session cookie and change state must prove they come from us.

    The API wants the session's token in ``X-CSRF-Token`` (anonymous API calls carry no
    cookie and pass). Pages post a hidden ``csrf_token`` field, checked by each form's route;
    here a page POST with a session must at least come from this site's origin (or carry
    the header), which also covers forms whose templates predate accounts.
    """

    def __init__(self, app: ASGIApp, *, key: str) -> None:
        self.app = app
        self.key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or not _may_carry_session(scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cookie = SimpleCookie(headers.get("cookie", ""))
        morsel = cookie.get(security.SESSION_COOKIE)
        if morsel is None or not morsel.value:
            await self.app(scope, receive, send)
            return
        token_ok = security.csrf_valid(self.key, morsel.value, headers.get("x-csrf-token"))
        path: str = scope["path"]
        if path.startswith("/api/"):
            allowed = token_ok
        else:
            origin = headers.get("origin") or headers.get("referer")
            same_site = origin is not None and urlsplit(origin).netloc == headers.get("host")
            allowed = token_ok or same_site
        if allowed:
            await self.app(scope, receive, send)
            return
        if not path.startswith("/api/"):
            from starlette.requests import Request as StarletteRequest

            from app.platform.errors import error_page
            from app.platform.translations import gettext

            page = error_page(
                StarletteRequest(scope),
                403,
                gettext(
                    "This form has expired or did not come from SafeYard. "
                    "Open the page again and send it from there."
                ),
            )
            await page(scope, receive, send)
            return
        response = JSONResponse(
            {
                "error": "csrf",
                "message": "This request carries a session cookie but no valid X-CSRF-Token "
                "header; send the token of the session, or send no cookie.",
                "details": [],
            },
            status_code=403,
        )
        await response(scope, receive, send)


async def login_required_handler(request: Request, exc: Exception) -> Response:
    if wants_page(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = session_login(request)
        if login is not None and login.stage != Stage.done:
            # Password given, a step left (the code, enrolment, a new password): go on there.
            return RedirectResponse(step_url(login.stage, target), status_code=303)
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    response = await app_error_handler(request, exc)
    response.headers["WWW-Authenticate"] = 'Cookie realm="safeyard"'
    return response


def install(app: FastAPI, *, key: str) -> None:
    """The CSRF guard and the login redirect."""
    app.add_middleware(CsrfGuard, key=key)
    app.add_exception_handler(LoginRequired, login_required_handler)


def _session_cookie(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"cookie":
            morsel = SimpleCookie(value.decode("latin-1")).get(security.SESSION_COOKIE)
            if morsel is not None and morsel.value:
                return morsel.value
    return None


def is_staff(scope: Scope) -> bool:
    """The request carries the genuine, completed session (second factor passed where it is
    required) of an active inspector or admin."""
    cookie = _session_cookie(scope)
    if cookie is None or scope.get("app") is None:
        return False
    context = context_of(scope)
    claim = security.read_session_cookie(context.secret_key, cookie)
    if claim is None:
        return False
    with context.db.session() as session:
        user = session.get(User, claim.user_id)
    return (
        user is not None
        and user.active
        and user.session_version == claim.version
        and user.role in (UserRole.inspector, UserRole.admin)
        and login_stage(
            user,
            second_factor_passed=claim.second_factor,
            require_totp=context.settings.require_totp,
        )
        is Stage.done
    )


def session_csrf_token(request: Request) -> str | None:
    """The CSRF token of a signed-in session, for the page's <meta> (the offline queue sends
    it with API calls); None for anonymous residents, who have no cookie to protect."""
    session_cookie = request.cookies.get(security.SESSION_COOKIE)
    if not session_cookie:
        return None
    return security.csrf_token(secret_of(request), session_cookie)


def signed_in_user(request: Request) -> User | None:
    """The header's staff links: the signed-in user, looked up once per request and only
    when a session cookie is present (residents' pages cost nothing more)."""
    if not request.cookies.get(security.SESSION_COOKIE):
        return None
    if "signed_in_user" not in request.state._state:
        request.state.signed_in_user = login_user(request)
    user: User | None = request.state.signed_in_user
    return user


# What every page's template may call about its reader (base.html, _staff_links.html): made
# template globals once, by create_app.
PAGE_HELPERS = {"session_csrf_token": session_csrf_token, "signed_in_user": signed_in_user}
