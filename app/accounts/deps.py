"""Who is asking: ``CurrentUser`` and the role requirements, as ``Annotated`` aliases.

Pages send a visitor without the right session to /login (303); the API answers 401 or 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.accounts import security
from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.db import SessionDep
from app.errors import AppError
from app.translations import gettext


class LoginRequired(AppError):
    status_code = 401
    code = "login_required"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


def secret_of(request: Request) -> str:
    key: str = request.app.state.secret_key
    return key


def current_user(request: Request) -> User | None:
    """The active user of the session cookie, or None (a resident needs no account).
    FastAPI resolves it once per request, however many dependencies ask."""
    claim = security.read_session_cookie(
        secret_of(request), request.cookies.get(security.SESSION_COOKIE)
    )
    user = None
    if claim is not None:
        with request.app.state.db.session() as session:
            found = session.get(User, claim.user_id)
        if found is not None and found.active and found.session_version == claim.version:
            user = found
    return user


CurrentUser = Annotated[User | None, Depends(current_user)]


def _require(*roles: UserRole) -> Callable[[User | None], User]:
    def dependency(user: CurrentUser) -> User:
        if user is None:
            raise LoginRequired(gettext("Log in to open this page."))
        if user.role not in roles:
            raise Forbidden(gettext("Your account has no access to this page."))
        return user

    return dependency


RequireUser = Annotated[User, Depends(_require(*UserRole))]
RequireInspector = Annotated[User, Depends(_require(UserRole.inspector, UserRole.admin))]
RequireCooperative = Annotated[User, Depends(_require(UserRole.cooperative, UserRole.admin))]
RequireAdmin = Annotated[User, Depends(_require(UserRole.admin))]


def inspector_scope_of(user: RequireInspector, session: SessionDep) -> accounts_service.Scope:
    return accounts_service.inspector_scope(session, user)


# For the inspectors' pages and APIs: where this inspector may look (admins: the whole city).
InspectorScope = Annotated[accounts_service.Scope, Depends(inspector_scope_of)]


def submitter_role(user: User | None) -> str:
    """The role a submission is stored with: an inspector's audit is marked as such."""
    if user is not None and user.role in (UserRole.inspector, UserRole.cooperative):
        return str(user.role)
    return "resident"
