"""/account/telegram: a staff account's link to the Telegram bot.

"Get a code" (a plain POST with the session's CSRF token) shows a one-time code to send to
the bot (``/link CODE``, valid 15 minutes, earlier codes void); the bot links its chat to
the account (``app.chats.service.redeem_link_code``). "Unlink" removes the link. Both are in
the audit log (the account, never the code). Any signed-in staff account; residents have no
account and link nothing. The code page is never cached.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import security
from app.accounts.models import User
from app.audit import service as audit
from app.channels.staff.forms import CheckedForm, client_ip
from app.channels.web.auth_deps import RequireUser, secret_of
from app.chats import service as chats
from app.platform.db import DatabaseDep, SessionDep
from app.platform.templating import render

router = APIRouter(include_in_schema=False)

PAGE = "/account/telegram"
NO_STORE = {"Cache-Control": "no-store"}


def _page(
    request: Request, session: Any, *, user: User, code: str | None = None, done: str = ""
) -> HTMLResponse:
    binding = request.cookies.get(security.SESSION_COOKIE) or ""
    linked = chats.linked_chat(session, user=user)
    context: dict[str, Any] = {
        "csrf_token": security.csrf_token(secret_of(request), binding),
        "linked_at": linked.linked_at if linked is not None else None,
        "code": code,
        "minutes": int(chats.LINK_CODE_TTL.total_seconds() // 60),
        "done": done,
    }
    return render(request, "accounts/telegram_link.html", context, headers=NO_STORE)


@router.get(PAGE, response_class=HTMLResponse)
def telegram_link_page(request: Request, session: SessionDep, user: RequireUser) -> HTMLResponse:
    """Whether the account is linked to a chat, and the forms to link or unlink it."""
    done = request.query_params.get("done", "")
    return _page(request, session, user=user, done=done if done == "unlinked" else "")


@router.post(PAGE + "/code", response_class=HTMLResponse)
def issue_code(
    request: Request, user: RequireUser, form: CheckedForm, db: DatabaseDep, session: SessionDep
) -> Response:
    """A new one-time code, shown once on the page that answers this POST."""
    with db.write_session() as write:
        code = chats.issue_link_code(write, user=user)
        audit.record(
            write,
            user=user,
            action=audit.AuditAction.telegram_code_issued,
            target=audit.user_target(user.id),
            ip=client_ip(request),
        )
    return _page(request, session, user=user, code=code)


@router.post(PAGE + "/unlink", response_class=HTMLResponse)
def unlink(request: Request, user: RequireUser, form: CheckedForm, db: DatabaseDep) -> Response:
    """Remove the account's link to its chat (and any unused code)."""
    with db.write_session() as write:
        if chats.unlink(write, user=user):
            audit.record(
                write,
                user=user,
                action=audit.AuditAction.telegram_unlinked,
                target=audit.user_target(user.id),
                ip=client_ip(request),
            )
    return RedirectResponse(PAGE + "?done=unlinked", status_code=303)
