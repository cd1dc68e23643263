"""/login and /logout. Every form carries the session's token. The steps after the password
(second factor, new password) are in ``login_steps``; the admin's pages in ``admin_pages``."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import security
from app.accounts import service as accounts_service
from app.accounts.models import User
from app.accounts.second_factor import Stage, login_stage
from app.audit import service as audit
from app.channels.staff.forms import (
    CheckedForm,
    checked_form,
    client_ip,
    field,
    safe_next,
    secret_field,
    set_cookie,
    set_session,
)
from app.channels.staff.landing import landing
from app.channels.web.auth_deps import CurrentUser, secret_of, session_login, step_url
from app.channels.web.context import SettingsDep
from app.platform.db import DatabaseDep
from app.platform.templating import render
from app.platform.translations import gettext

__all__ = ["CheckedForm", "checked_form", "router"]

router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request, *, next_url: str, email: str = "", error: str = "", status_code: int = 200
) -> HTMLResponse:
    pre = request.cookies.get(security.PRE_SESSION_COOKIE) or secrets.token_urlsafe(24)
    context = {
        "csrf_token": security.csrf_token(secret_of(request), pre),
        "next_url": safe_next(next_url),
        "email": email,
        "error": error,
    }
    response = render(request, "accounts/login.html", context, status_code=status_code)
    set_cookie(request, response, security.PRE_SESSION_COOKIE, pre)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: CurrentUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(landing(user, safe_next(next)), status_code=303)
    login = session_login(request)
    if login is not None:  # password given, a step left
        return RedirectResponse(step_url(login.stage, safe_next(next)), status_code=303)
    return _login_page(request, next_url=next)


@router.post("/login", response_class=HTMLResponse)
def login(settings: SettingsDep, request: Request, form: CheckedForm, db: DatabaseDep) -> Response:
    email = field(form, "email")
    next_url = safe_next(field(form, "next") or "/")
    ip = client_ip(request)
    try:
        with db.write_session() as session:
            user = accounts_service.authenticate(
                session,
                email=email,
                password=secret_field(form, "password"),
                ip=ip,
                max_failures=settings.login_max_failures,
                minutes=settings.login_lockout_minutes,
            )
            stage = None
            if user is not None:
                stage = login_stage(
                    user, second_factor_passed=False, require_totp=settings.require_totp
                )
                if stage == Stage.done:  # no second factor: the login is complete
                    accounts_service.clear_failures(session, email=user.email, ip=ip)
                    audit.record(
                        session,
                        user=user,
                        action=audit.AuditAction.login,
                        target=audit.user_target(user.id),
                        ip=ip,
                    )
    except accounts_service.LockedOut:
        message = gettext(
            "Too many failed logins. Try again in %(minutes)s minutes.",
            minutes=settings.login_lockout_minutes,
        )
        return _login_page(request, next_url=next_url, email=email, error=message, status_code=429)
    if user is None or stage is None:
        message = gettext("Wrong email or password, or the account is disabled.")
        return _login_page(request, next_url=next_url, email=email, error=message, status_code=401)
    assert user.id is not None
    next_url = landing(user, next_url)  # a cooperative's or official's own page
    target = next_url if stage == Stage.done else step_url(stage, next_url)
    response = RedirectResponse(target, status_code=303)
    set_session(
        request, response, user_id=user.id, version=user.session_version, second_factor=False
    )
    response.delete_cookie(security.PRE_SESSION_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, form: CheckedForm, db: DatabaseDep) -> Response:
    """Log out: the cookie goes, and this user's sessions elsewhere end too (a half-done
    login included)."""
    login = session_login(request)
    if login is not None:
        with db.write_session() as session:
            found = session.get(User, login.user.id)
            if found is not None:
                accounts_service.end_sessions(session, user=found)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response
