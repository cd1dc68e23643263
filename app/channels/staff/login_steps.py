"""The steps after a correct password: the six-digit code, enrolling a second factor, and a
new password after an admin's reset. A half-done login reaches only these pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from app.accounts import second_factor, security, totp
from app.accounts import service as accounts_service
from app.accounts.models import User
from app.accounts.second_factor import Stage
from app.audit import service as audit
from app.channels.staff.forms import (
    CheckedForm,
    client_ip,
    field,
    no_store,
    safe_next,
    secret_field,
    set_session,
)
from app.channels.web.auth_deps import (
    Login,
    LoginRequired,
    RequireUser,
    secret_of,
    session_login,
    step_url,
)
from app.channels.web.context import context_of
from app.platform.db import Database, DatabaseDep
from app.platform.errors import AppError
from app.platform.templating import render
from app.platform.translations import gettext

router = APIRouter(include_in_schema=False)


def _login_at(request: Request, stage: Stage) -> Login | str:
    """The session's login when it stands at ``stage``; else where it should go instead."""
    login = session_login(request)
    if login is None:
        raise LoginRequired(gettext("Log in to open this page."))
    if login.stage == stage:
        return login
    next_url = safe_next(request.query_params.get("next") or "/")
    return next_url if login.stage == Stage.done else step_url(login.stage, next_url)


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    csrf = security.csrf_token(secret_of(request), request.cookies[security.SESSION_COOKIE])
    context = {"csrf_token": csrf, "error": "", **context}
    return no_store(render(request, template, context, status_code=status))


def _enrol_context(request: Request, db: Database, user: User, next_url: str) -> dict[str, Any]:
    with db.write_session() as session:
        found = session.get(User, user.id)
        assert found is not None
        secret = second_factor.enrolment_secret(session, user=found, key=secret_of(request))
    uri = totp.provisioning_uri(secret, email=user.email)
    # segno's SVG: paths only, no text from the URI (the email) in it.
    qr = Markup(totp.qr_svg(uri))  # noqa: S704
    return {
        "qr_svg": qr,
        "secret": totp.grouped(secret),
        "next_url": next_url,
        "already": False,
    }


def _check(request: Request, db: Database, login: Login, code: str) -> User | tuple[str, int]:
    """The user after a correct code (the login is then complete), or the error to show
    with its status."""
    settings = context_of(request.scope).settings
    ip = client_ip(request)
    try:
        with db.write_session() as session:
            # Locked (PostgreSQL): two requests with one code cannot both pass the replay check.
            user = session.get(User, login.user.id, with_for_update=True)
            assert user is not None
            was_enrolled = second_factor.enrolled(user)
            ok = second_factor.check_code(
                session,
                user=user,
                key=secret_of(request),
                code=code,
                ip=ip,
                max_failures=settings.login_max_failures,
                minutes=settings.login_lockout_minutes,
            )
            if ok:
                if not was_enrolled:
                    audit.record(
                        session,
                        user=user,
                        action=audit.AuditAction.second_factor_enrolled,
                        target=audit.user_target(user.id),
                        ip=ip,
                    )
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
        return message, 429
    if not ok:
        message = gettext(
            "This code is not right, or it was used already. Type the six digits your "
            "authenticator app shows now."
        )
        return message, 401
    return user


def _passed(request: Request, user: User, next_url: str) -> Response:
    assert user.id is not None
    stage = second_factor.login_stage(user, second_factor_passed=True, require_totp=True)
    response = RedirectResponse(
        next_url if stage == Stage.done else step_url(stage, next_url), status_code=303
    )
    set_session(
        request, response, user_id=user.id, version=user.session_version, second_factor=True
    )
    return response


@router.get("/login/code", response_class=HTMLResponse)
def code_form(request: Request, next: str = "/") -> Response:
    login = _login_at(request, Stage.code)
    if isinstance(login, str):
        return RedirectResponse(login, status_code=303)
    return _page(request, "accounts/code.html", {"next_url": safe_next(next)})


@router.post("/login/code", response_class=HTMLResponse)
def code_check(request: Request, form: CheckedForm, db: DatabaseDep) -> Response:
    login = _login_at(request, Stage.code)
    if isinstance(login, str):
        return RedirectResponse(login, status_code=303)
    next_url = safe_next(field(form, "next") or "/")
    result = _check(request, db, login, field(form, "code"))
    if isinstance(result, tuple):
        context = {"next_url": next_url, "error": result[0]}
        return _page(request, "accounts/code.html", context, result[1])
    return _passed(request, result, next_url)


@router.get("/login/enrol", response_class=HTMLResponse)
def enrol_form(request: Request, db: DatabaseDep, next: str = "/") -> Response:
    login = _login_at(request, Stage.enrol)
    if isinstance(login, str):
        return RedirectResponse(login, status_code=303)
    context = _enrol_context(request, db, login.user, safe_next(next))
    return _page(request, "accounts/enrol.html", {**context, "required": True})


@router.post("/login/enrol", response_class=HTMLResponse)
def enrol_check(request: Request, form: CheckedForm, db: DatabaseDep) -> Response:
    login = _login_at(request, Stage.enrol)
    if isinstance(login, str):
        return RedirectResponse(login, status_code=303)
    next_url = safe_next(field(form, "next") or "/")
    result = _check(request, db, login, field(form, "code"))
    if isinstance(result, tuple):
        context = _enrol_context(request, db, login.user, next_url)
        return _page(
            request,
            "accounts/enrol.html",
            {**context, "required": True, "error": result[0]},
            result[1],
        )
    return _passed(request, result, next_url)


@router.get("/account/second-factor", response_class=HTMLResponse)
def optional_enrol_form(request: Request, user: RequireUser, db: DatabaseDep) -> Response:
    """Enrolment for those who may choose it (housing cooperatives)."""
    if second_factor.enrolled(user):
        return _page(
            request, "accounts/enrol.html", {"already": True, "required": False, "next_url": "/"}
        )
    context = _enrol_context(request, db, user, "/")
    return _page(request, "accounts/enrol.html", {**context, "required": False})


@router.post("/account/second-factor", response_class=HTMLResponse)
def optional_enrol_check(
    request: Request, user: RequireUser, form: CheckedForm, db: DatabaseDep
) -> Response:
    if second_factor.enrolled(user):
        return RedirectResponse("/account/second-factor", status_code=303)
    login = session_login(request)
    assert login is not None
    result = _check(request, db, login, field(form, "code"))
    if isinstance(result, tuple):
        context = _enrol_context(request, db, user, "/")
        return _page(
            request,
            "accounts/enrol.html",
            {**context, "required": False, "error": result[0]},
            # Signed in already: a wrong code is bad input here, not a failed login.
            429 if result[1] == 429 else 422,
        )
    return _passed(request, result, "/account/second-factor")


@router.get("/login/new-password", response_class=HTMLResponse)
def new_password_form(request: Request, next: str = "/") -> Response:
    login = _login_at(request, Stage.new_password)
    if isinstance(login, str):
        return RedirectResponse(login, status_code=303)
    return _page(request, "accounts/new_password.html", {"next_url": safe_next(next)})


@router.post("/login/new-password", response_class=HTMLResponse)
def new_password(request: Request, form: CheckedForm, db: DatabaseDep) -> Response:
    login = _login_at(request, Stage.new_password)
    if isinstance(login, str):
        return RedirectResponse(login, status_code=303)
    next_url = safe_next(field(form, "next") or "/")
    password = secret_field(form, "password")
    try:
        if password != secret_field(form, "confirm"):
            raise AppError(gettext("The two passwords differ. Type the same one twice."))
        with db.write_session() as session:
            user = session.get(User, login.user.id)
            assert user is not None and user.id is not None
            accounts_service.change_password(session, user=user, password=password)
            audit.record(
                session,
                user=user,
                action=audit.AuditAction.password_changed,
                target=audit.user_target(user.id),
                ip=client_ip(request),
            )
    except AppError as exc:
        # The service's messages are catalog ids too (staff.po).
        context = {"next_url": next_url, "error": gettext(exc.message)}
        return _page(request, "accounts/new_password.html", context, exc.status_code)
    response = RedirectResponse(next_url, status_code=303)
    set_session(
        request,
        response,
        user_id=user.id,
        version=user.session_version,
        second_factor=login.second_factor_passed,
    )
    return response
