"""/login, /logout and the admin's /admin/users. Every form carries the session's token."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from app.accounts import security
from app.accounts import service as accounts_service
from app.accounts.deps import CurrentUser, Forbidden, RequireAdmin, secret_of
from app.accounts.models import User, UserRole
from app.db import DatabaseDep, SessionDep
from app.errors import AppError, NotFound
from app.templating import render
from app.translations import gettext

router = APIRouter(include_in_schema=False)


def _binding(request: Request) -> str | None:
    return request.cookies.get(security.SESSION_COOKIE) or request.cookies.get(
        security.PRE_SESSION_COOKIE
    )


async def checked_form(request: Request) -> FormData:
    """The posted form, refused (403) unless it carries this session's token."""
    form = await request.form(max_fields=100, max_files=0)
    token = form.get("csrf_token")
    if not security.csrf_valid(
        secret_of(request), _binding(request), token if isinstance(token, str) else None
    ):
        raise Forbidden(
            gettext(
                "This form has expired or did not come from SafeYard. "
                "Open the page again and send it from there."
            )
        )
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _secret(form: FormData, name: str) -> str:
    """A password field as typed (no stripping)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=security.SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookie_secure,
        path="/",
    )


def _safe_next(target: str) -> str:
    # Only a path on this site: never an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _login_page(
    request: Request, *, next_url: str, email: str = "", error: str = "", status_code: int = 200
) -> HTMLResponse:
    pre = request.cookies.get(security.PRE_SESSION_COOKIE) or secrets.token_urlsafe(24)
    context = {
        "csrf_token": security.csrf_token(secret_of(request), pre),
        "next_url": _safe_next(next_url),
        "email": email,
        "error": error,
    }
    response = render(request, "accounts/login.html", context, status_code=status_code)
    _set_cookie(request, response, security.PRE_SESSION_COOKIE, pre)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: CurrentUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next_url=next)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: CheckedForm, db: DatabaseDep) -> Response:
    email = _field(form, "email")
    next_url = _field(form, "next") or "/"
    settings = request.app.state.settings
    ip = request.client.host if request.client else "unknown"
    try:
        with db.write_session() as session:
            user = accounts_service.authenticate(
                session,
                email=email,
                password=_secret(form, "password"),
                ip=ip,
                max_failures=settings.login_max_failures,
                minutes=settings.login_lockout_minutes,
            )
    except accounts_service.LockedOut:
        message = gettext(
            "Too many failed logins. Try again in %(minutes)s minutes.",
            minutes=settings.login_lockout_minutes,
        )
        return _login_page(request, next_url=next_url, email=email, error=message, status_code=429)
    if user is None:
        message = gettext("Wrong email or password, or the account is disabled.")
        return _login_page(request, next_url=next_url, email=email, error=message, status_code=401)
    assert user.id is not None
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    cookie = security.session_cookie(
        secret_of(request), user_id=user.id, version=user.session_version
    )
    _set_cookie(request, response, security.SESSION_COOKIE, cookie)
    response.delete_cookie(security.PRE_SESSION_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, form: CheckedForm, user: CurrentUser, db: DatabaseDep) -> Response:
    """Log out: the cookie goes, and this user's sessions elsewhere end too."""
    if user is not None:
        with db.write_session() as session:
            found = session.get(User, user.id)
            if found is not None:
                accounts_service.end_sessions(session, user=found)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response


def _links(form: FormData, role: UserRole) -> accounts_service.Links:
    def items(name: str) -> list[str]:
        return [p.strip() for p in _field(form, name).replace(",", " ").split() if p.strip()]

    yards = items("yards")
    if not all(y.isdigit() for y in yards):
        raise AppError(gettext("Yards are given by their numbers, separated by commas."))
    return accounts_service.Links(
        district_ids=items("districts"),
        micro_district_ids=items("micro_districts"),
        yard_ids=[int(y) for y in yards],
        city_wide=form.get("city_wide") == "on",
    )


def _role(form: FormData) -> UserRole:
    try:
        return UserRole(_field(form, "role"))
    except ValueError:
        raise AppError(gettext("Choose a role.")) from None


def _users_page(
    request: Request, session: SessionDep, *, admin: User, error: str = "", status_code: int = 200
) -> HTMLResponse:
    users = accounts_service.list_users(session)
    context: dict[str, Any] = {
        "csrf_token": security.csrf_token(secret_of(request), _binding(request) or ""),
        "me": admin,
        "users": [(u, accounts_service.links_of(session, u)) for u in users],
        "roles": list(UserRole),
        "error": error,
    }
    return render(request, "admin/users.html", context, status_code=status_code)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, admin: RequireAdmin) -> HTMLResponse:
    return _users_page(request, session, admin=admin)


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(
    request: Request, admin: RequireAdmin, form: CheckedForm, db: DatabaseDep, session: SessionDep
) -> Response:
    try:
        role = _role(form)
        with db.write_session() as write:
            accounts_service.create_user(
                write,
                email=_field(form, "email"),
                name=_field(form, "name"),
                role=role,
                password=_secret(form, "password"),
                links=_links(form, role),
            )
    except AppError as exc:
        return _users_page(
            request, session, admin=admin, error=exc.message, status_code=exc.status_code
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
def update_user(
    request: Request,
    user_id: int,
    admin: RequireAdmin,
    form: CheckedForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    try:
        role = _role(form)
        with db.write_session() as write:
            user = write.get(User, user_id)
            if user is None:
                raise NotFound(gettext("There is no such user."))
            active = form.get("active") == "on"
            if user.id == admin.id and (role != UserRole.admin or not active):
                raise AppError(gettext("You cannot take away your own admin access."))
            accounts_service.update_user(
                write, user=user, role=role, active=active, links=_links(form, role)
            )
    except AppError as exc:
        return _users_page(
            request, session, admin=admin, error=exc.message, status_code=exc.status_code
        )
    return RedirectResponse("/admin/users", status_code=303)


def session_csrf_token(request: Request) -> str | None:
    """The CSRF token of a signed-in session, for the page's <meta> (the offline queue sends
    it with API calls); None for anonymous residents, who have no cookie to protect."""
    session_cookie = request.cookies.get(security.SESSION_COOKIE)
    if not session_cookie:
        return None
    return security.csrf_token(secret_of(request), session_cookie)
