"""Wiring accounts into the app: the signing key, the CSRF guard, the login redirect."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.accounts import security
from app.accounts.second_factor import Stage
from app.channels.web.auth_deps import LoginRequired, session_login, step_url
from app.platform.config import Settings
from app.platform.errors import app_error_handler, wants_page
from app.platform.templating import environment

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


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
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
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


def install(app: FastAPI, settings: Settings) -> None:
    """Key, CSRF guard, the login redirect and the accounts' pages."""
    from app.channels.staff import login as pages
    from app.channels.staff import login_steps
    from app.channels.staff import users as admin_pages

    app.state.secret_key = security.secret_key(settings)
    app.add_middleware(CsrfGuard, key=app.state.secret_key)
    app.add_exception_handler(LoginRequired, login_required_handler)
    app.include_router(pages.router)
    app.include_router(login_steps.router)
    app.include_router(admin_pages.router)
    # Pages of a signed-in user carry the session's CSRF token for the offline queue's calls.
    environment.globals["session_csrf_token"] = pages.session_csrf_token
