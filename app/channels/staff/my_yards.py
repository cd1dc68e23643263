"""/my-yards: a housing cooperative's own yards, where its login lands. Each yard's index and
band with their basis, its findings by state with what the checklist says to do, "report a
fix" (date, note, after-photo) and "ask for a re-audit". Only the cooperative's yards
(``Scope.yard_ids``); admins pass the role check but have no yards here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts import security
from app.accounts.models import User
from app.accounts.scope import Scope
from app.channels.staff import finding_views
from app.channels.staff.fix_forms import Typed, UploadForm, message, report_fix, typed
from app.channels.staff.forms import CheckedForm, binding, field
from app.channels.web.auth_deps import RequireCooperative, ScopeDep, secret_of
from app.channels.web.context import context_of
from app.channels.web.formatting import Formatter
from app.findings import actions, listing
from app.findings.permissions import Action, Actor
from app.platform.db import DatabaseDep, SessionDep, parse_row_id, utcnow
from app.platform.errors import AppError, NotFound
from app.platform.templating import render
from app.platform.translations import current_lang, gettext
from app.yards.risk import current_risk

router = APIRouter(include_in_schema=False)

NOTICES = ("fix", "reaudit")


def _notice(code: str | None) -> str:
    if code == "fix":
        return gettext(
            "The fix is recorded. It counts as verified once an inspector's audit (or "
            "residents' checks) finds the item passing."
        )
    if code == "reaudit":
        return gettext("Your request is in the district inspector's queue.")
    return ""


def _page(
    request: Request,
    session: Session,
    *,
    user: User,
    scope: Scope,
    notice: str = "",
    error: str = "",
    typed_values: Typed | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    app_context = context_of(request.scope)
    lang = current_lang.get()
    now = utcnow()
    actor = Actor.of(session, user=user, scope=scope)
    findings = listing.for_yards(session, yard_ids=scope.yard_ids, now=now)
    rows = finding_views.finding_rows(
        session, findings, actor=actor, registry=app_context.checklists, lang=lang, now=now
    )
    infos = finding_views.yard_infos(session, scope.yard_ids, lang)
    yards = []
    for yard_id in sorted(infos):
        mine = [r for r in rows if r.yard_id == yard_id]
        groups = [
            (state.value, finding_views.state_label(state), [r for r in mine if r.state == state])
            for state in listing.STATE_ORDER
        ]
        asked = [r.reaudit_requested_at for r in mine if r.reaudit_requested_at is not None]
        yards.append(
            {
                "id": yard_id,
                "info": infos[yard_id],
                "current": current_risk(
                    session,
                    yard_id=yard_id,
                    registry=app_context.checklists,
                    window_days=app_context.settings.current_risk_window_days,
                    lang=lang,
                ),
                "groups": [g for g in groups if g[2]],
                "may_reaudit": any(Action.request_reaudit.value in r.actions for r in mine),
                "reaudit_asked": max(asked) if asked else None,
            }
        )
    context: dict[str, Any] = {
        "csrf_token": security.csrf_token(secret_of(request), binding(request) or ""),
        "fmt": Formatter(lang),
        "me": user,
        "yards": yards,
        "body_member": bool(actor.body_ids),
        "today": now.date().isoformat(),
        "notice": notice,
        "error": error,
        "typed": typed_values or Typed(),
    }
    response = render(request, "cooperative/my_yards.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get("/my-yards", response_class=HTMLResponse)
def my_yards(
    request: Request,
    user: RequireCooperative,
    scope: ScopeDep,
    session: SessionDep,
    done: str | None = None,
) -> HTMLResponse:
    """The cooperative's yards and their findings."""
    return _page(request, session, user=user, scope=scope, notice=_notice(done))


def _row_id(text: str) -> int:
    found = parse_row_id(text)
    if found is None:
        raise NotFound(gettext("No such finding, or it is not one of yours."))
    return found


@router.post("/my-yards/findings/{finding_id}/fix", response_class=HTMLResponse)
def fix(
    request: Request,
    finding_id: str,
    user: RequireCooperative,
    scope: ScopeDep,
    form: UploadForm,
    session: SessionDep,
    db: DatabaseDep,
) -> Response:
    """Report a finding of one's yard fixed: 303 back with a notice, or the page again with
    what to correct (422) and what was typed."""
    row_id = _row_id(finding_id)
    actor = Actor.of(session, user=user, scope=scope)
    settings = context_of(request.scope).settings
    try:
        report_fix(db, settings=settings, actor=actor, finding_id=row_id, form=form)
    except NotFound:
        raise
    except AppError as exc:
        entered = typed(form, action="fix", finding_id=row_id)
        return _page(
            request,
            session,
            user=user,
            scope=scope,
            error=message(exc),
            typed_values=entered,
            status_code=exc.status_code,
        )
    return RedirectResponse("/my-yards?done=fix", status_code=303)


@router.post("/my-yards/yards/{yard_id}/reaudit", response_class=HTMLResponse)
def reaudit(
    request: Request,
    yard_id: str,
    user: RequireCooperative,
    scope: ScopeDep,
    form: CheckedForm,
    session: SessionDep,
    db: DatabaseDep,
) -> Response:
    """Ask the district inspector to check the yard again (its open findings are marked and
    the yard enters the inspector's queue)."""
    row_id = parse_row_id(yard_id)
    if row_id is None or row_id not in scope.yard_ids:
        raise NotFound(gettext("This yard is not one of your account's yards."))
    actor = Actor.of(session, user=user, scope=scope)
    try:
        with db.write_session() as write:
            actions.request_reaudit(write, actor=actor, yard_id=row_id, note=field(form, "note"))
    except AppError as exc:
        entered = typed(form, action="reaudit", yard_id=row_id)
        return _page(
            request,
            session,
            user=user,
            scope=scope,
            error=message(exc),
            typed_values=entered,
            status_code=exc.status_code,
        )
    return RedirectResponse("/my-yards?done=reaudit", status_code=303)
