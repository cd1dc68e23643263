"""The admin's /admin/users: create and change users, reset a password or a second factor.
Every change is written to the audit log in the same transaction."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from app.accounts import second_factor, security
from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.audit import service as audit
from app.channels.staff.forms import CheckedForm, binding, client_ip, field, no_store, secret_field
from app.channels.web.auth_deps import RequireAdmin, secret_of
from app.platform.db import DatabaseDep, SessionDep, parse_row_id
from app.platform.errors import AppError, NotFound
from app.platform.templating import render
from app.platform.translations import gettext

router = APIRouter(include_in_schema=False)


def _links(form: FormData, role: UserRole) -> accounts_service.Links:
    def items(name: str) -> list[str]:
        return [p.strip() for p in field(form, name).replace(",", " ").split() if p.strip()]

    # parse_row_id: ASCII digits within a row id's range ("²" is a digit to str.isdigit).
    yards = [parse_row_id(y) for y in items("yards")]
    if None in yards:
        raise AppError(gettext("Yards are given by their numbers, separated by commas."))
    return accounts_service.Links(
        district_ids=items("districts"),
        micro_district_ids=items("micro_districts"),
        yard_ids=[y for y in yards if y is not None],
        city_wide=form.get("city_wide") == "on",
    )


def _role(form: FormData) -> UserRole:
    try:
        return UserRole(field(form, "role"))
    except ValueError:
        raise AppError(gettext("Choose a role.")) from None


def _users_page(
    request: Request,
    session: SessionDep,
    *,
    admin: User,
    error: str = "",
    notice: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    users = accounts_service.list_users(session)
    context: dict[str, Any] = {
        "csrf_token": security.csrf_token(secret_of(request), binding(request) or ""),
        "me": admin,
        "users": [(u, accounts_service.links_of(session, u)) for u in users],
        "roles": list(UserRole),
        "error": error,
        "notice": notice,
        "enrolled": second_factor.enrolled,
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
            user = accounts_service.create_user(
                write,
                email=field(form, "email"),
                name=field(form, "name"),
                role=role,
                password=secret_field(form, "password"),
                links=_links(form, role),
            )
            _record(write, request, admin=admin, action=audit.AuditAction.user_created, user=user)
    except AppError as exc:
        return _users_page(
            request, session, admin=admin, error=exc.message, status_code=exc.status_code
        )
    return RedirectResponse("/admin/users", status_code=303)


def _record(
    write: Any, request: Request, *, admin: User, action: audit.AuditAction, user: User
) -> None:
    """An admin's change to an account, in the change's own transaction."""
    assert user.id is not None
    audit.record(
        write, user=admin, action=action, target=audit.user_target(user.id), ip=client_ip(request)
    )


def _target(session: Any, user_id: str) -> User:
    row_id = parse_row_id(user_id)
    user = session.get(User, row_id) if row_id is not None else None
    if user is None:
        raise NotFound(gettext("There is no such user."))
    return user


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
def update_user(
    request: Request,
    user_id: str,
    admin: RequireAdmin,
    form: CheckedForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    try:
        role = _role(form)
        with db.write_session() as write:
            user = _target(write, user_id)
            active = form.get("active") == "on"
            if user.id == admin.id and (role != UserRole.admin or not active):
                raise AppError(gettext("You cannot take away your own admin access."))
            accounts_service.update_user(
                write, user=user, role=role, active=active, links=_links(form, role)
            )
            _record(write, request, admin=admin, action=audit.AuditAction.user_changed, user=user)
    except AppError as exc:
        return _users_page(
            request, session, admin=admin, error=exc.message, status_code=exc.status_code
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/password-reset", response_class=HTMLResponse)
def reset_password(
    request: Request,
    user_id: str,
    admin: RequireAdmin,
    form: CheckedForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    """A one-time temporary password, shown on this answer only (never in a URL or a log);
    the user chooses their own at the next login, and their sessions end now."""
    try:
        with db.write_session() as write:
            user = _target(write, user_id)
            if user.id == admin.id:
                raise AppError(gettext("Another administrator resets your own password."))
            temporary = accounts_service.reset_password(write, user=user)
            _record(write, request, admin=admin, action=audit.AuditAction.password_reset, user=user)
    except AppError as exc:
        return _users_page(
            request, session, admin=admin, error=exc.message, status_code=exc.status_code
        )
    notice = {"email": user.email, "password": temporary}
    return no_store(_users_page(request, session, admin=admin, notice=notice))


@router.post("/admin/users/{user_id}/second-factor-reset", response_class=HTMLResponse)
def reset_second_factor(
    request: Request,
    user_id: str,
    admin: RequireAdmin,
    form: CheckedForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    """Forget a user's second factor (a lost phone): they enrol again at the next login."""
    try:
        with db.write_session() as write:
            user = _target(write, user_id)
            if user.id == admin.id:
                raise AppError(gettext("Another administrator resets your own second factor."))
            second_factor.reset_second_factor(write, user=user)
            _record(
                write, request, admin=admin, action=audit.AuditAction.second_factor_reset, user=user
            )
    except AppError as exc:
        return _users_page(
            request, session, admin=admin, error=exc.message, status_code=exc.status_code
        )
    return RedirectResponse("/admin/users", status_code=303)
