"""What the accounts' pages share: the checked form, its fields, the session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts import security
from app.channels.web.auth_deps import Forbidden, secret_of
from app.channels.web.context import context_of
from app.platform.errors import Invalid
from app.platform.limits import control_character
from app.platform.translations import gettext


def binding(request: Request) -> str | None:
    return request.cookies.get(security.SESSION_COOKIE) or request.cookies.get(
        security.PRE_SESSION_COOKIE
    )


async def checked_form(request: Request) -> FormData:
    """The posted form, refused (403) unless it carries this session's token."""
    form = await request.form(max_fields=100, max_files=0)
    token = form.get("csrf_token")
    if not security.csrf_valid(
        secret_of(request), binding(request), token if isinstance(token, str) else None
    ):
        raise Forbidden(
            gettext(
                "This form has expired or did not come from SafeYard. "
                "Open the page again and send it from there."
            )
        )
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def field(form: FormData, name: str) -> str:
    """A text field, stripped; Invalid (422) when it holds a control character (PostgreSQL
    cannot store NUL, and no email, name or code has any)."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    found = control_character(value)
    if found is not None:
        raise Invalid(
            gettext(
                "The field “%(field)s” contains a control character (%(char)s). Remove it "
                "and send the form again.",
                field=name,
                char=found,
            ),
            details=[{"field": name, "message": "control character", "type": "control_character"}],
        )
    return value.strip()


def secret_field(form: FormData, name: str) -> str:
    """A password field as typed (no stripping)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=security.SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=context_of(request.scope).settings.cookie_secure,
        path="/",
    )


def set_session(
    request: Request, response: Response, *, user_id: int, version: int, second_factor: bool
) -> None:
    cookie = security.session_cookie(
        secret_of(request), user_id=user_id, version=version, second_factor=second_factor
    )
    set_cookie(request, response, security.SESSION_COOKIE, cookie)


def safe_next(target: str) -> str:
    # Only a path on this site: never an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else "/"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def no_store(response: Response) -> Response:
    """Pages with a secret (a QR, a temporary password) are never kept by a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response
