"""Who is asking: ``CurrentUser`` and the role requirements, as ``Annotated`` aliases.

Pages send a visitor without the right session to /login (303); the API answers 401 or 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from app.accounts import security
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.accounts.second_factor import Stage, login_stage
from app.channels.web.context import context_of
from app.platform.db import SessionDep
from app.platform.errors import AppError
from app.platform.translations import gettext


class LoginRequired(AppError):
    status_code = 401
    code = "login_required"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


def secret_of(request: Request) -> str:
    return context_of(request.scope).secret_key


@dataclass(frozen=True)
class Login:
    """A genuine session's user, how far their login got, and whether its cookie records
    the second factor as passed."""

    user: User
    stage: Stage
    second_factor_passed: bool


def session_login(request: Request) -> Login | None:
    """The login of the session cookie (its user active, its version current), or None.
    Looked up once per request."""
    if "session_login" in request.state._state:
        cached: Login | None = request.state.session_login
        return cached
    claim = security.read_session_cookie(
        secret_of(request), request.cookies.get(security.SESSION_COOKIE)
    )
    login = None
    if claim is not None:
        with context_of(request.scope).db.session() as session:
            found = session.get(User, claim.user_id)
        if found is not None and found.active and found.session_version == claim.version:
            stage = login_stage(
                found,
                second_factor_passed=claim.second_factor,
                require_totp=context_of(request.scope).settings.require_totp,
            )
            login = Login(found, stage, claim.second_factor)
    request.state.session_login = login
    return login


def login_user(request: Request) -> User | None:
    """The user of a complete login (password, the second factor when they need one, and a
    chosen password), or None: a resident, or a login half done, reaches nothing staff-only."""
    login = session_login(request)
    return login.user if login is not None and login.stage == Stage.done else None


async def current_user(request: Request) -> User | None:
    """``login_user`` as a dependency. FastAPI resolves it once per request, however many
    dependencies ask. Without a session cookie (every resident) it answers on the event loop;
    only a staff request takes a worker thread for its one look-up."""
    if not request.cookies.get(security.SESSION_COOKIE):
        return None
    return await run_in_threadpool(login_user, request)


# The page of each unfinished step of a login.
STEP_PATHS = {
    Stage.code: "/login/code",
    Stage.enrol: "/login/enrol",
    Stage.new_password: "/login/new-password",
}


def step_url(stage: Stage, next_url: str) -> str:
    """Where a half-done login continues, keeping where the user was going."""
    return f"{STEP_PATHS[stage]}?next={quote(next_url, safe='')}"


CurrentUser = Annotated[User | None, Depends(current_user)]


def _require(*roles: UserRole) -> Callable[[User | None], Awaitable[User]]:
    async def dependency(user: CurrentUser) -> User:
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


def scope_of(user: CurrentUser, session: SessionDep) -> Scope:
    return Scope.of(session, user)


# What the asking user may see (app/accounts/scope.py); residents: the public pages only.
ScopeDep = Annotated[Scope, Depends(scope_of)]


def inspector_scope_of(_user: RequireInspector, scope: ScopeDep) -> Scope:
    return scope


# For the inspectors' pages and APIs: staff only, then where this one may look.
InspectorScope = Annotated[Scope, Depends(inspector_scope_of)]


def area_aggregates_scope(user: CurrentUser, scope: ScopeDep) -> Scope:
    if user is None:
        raise LoginRequired(gettext("Log in to open this page."))
    if not scope.may_see_area_aggregates:
        raise Forbidden(gettext("Your account has no access to this page."))
    return scope


# Area figures: city-wide aggregates for every inspector and admin (Scope.may_see_area_aggregates).
AreaAggregatesScope = Annotated[Scope, Depends(area_aggregates_scope)]


def submitter_role(user: User | None) -> str:
    """The role a submission is stored with: an inspector's audit is marked as such."""
    if user is not None and user.role in (UserRole.inspector, UserRole.cooperative):
        return str(user.role)
    return "resident"
