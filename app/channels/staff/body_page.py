"""/body: the findings of the bodies an account acts for (an official of an akimat
department, the police or a utility; a cooperative's account for its cooperative), overdue
first, then by deadline, filterable by state; each with its yard's place, the item and what
the checklist says to do. Forms for the steps the body may take: start work, report a fix,
"not ours". Members of the finding's body only: another body's finding is 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts import security
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import Body
from app.channels.staff import finding_views
from app.channels.staff.fix_forms import Typed, UploadForm, message, report_fix, typed
from app.channels.staff.forms import CheckedForm, binding, field
from app.channels.web.auth_deps import Forbidden, RequireUser, ScopeDep, secret_of
from app.channels.web.context import context_of
from app.channels.web.formatting import Formatter
from app.findings import actions, listing
from app.findings.models import OPEN_STATES, FindingState
from app.findings.permissions import Actor
from app.platform.db import DatabaseDep, SessionDep, parse_row_id, utcnow
from app.platform.errors import AppError, NotFound
from app.platform.templating import render
from app.platform.translations import current_lang, gettext

router = APIRouter(include_in_schema=False)

# The filter: every state the body still acts on, or one of them, or the verified ones.
FILTER_STATES = (*OPEN_STATES, FindingState.verified)
ROLES = (UserRole.official, UserRole.cooperative, UserRole.admin)


def _actor(session: Session, user: User, scope: Scope) -> Actor:
    if user.role not in ROLES:
        raise Forbidden(gettext("Your account has no access to this page."))
    return Actor.of(session, user=user, scope=scope)


def _states(state: str | None) -> tuple[str, tuple[FindingState, ...]]:
    if state in {s.value for s in FILTER_STATES}:
        return str(state), (FindingState(state),)
    return "", OPEN_STATES


def _notice(code: str | None) -> str:
    return {
        "start": gettext("Recorded: work has started."),
        "fix": gettext(
            "The fix is recorded. It counts as verified once an inspector's audit (or "
            "residents' checks) finds the item passing."
        ),
        "not_ours": gettext(
            "Recorded: the finding goes to the next responsible body, with your reason."
        ),
    }.get(code or "", "")


def _page(
    request: Request,
    session: Session,
    *,
    user: User,
    actor: Actor,
    state: str | None = None,
    notice: str = "",
    error: str = "",
    typed_values: Typed | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    app_context = context_of(request.scope)
    lang = current_lang.get()
    now = utcnow()
    chosen, states = _states(state)
    findings = listing.for_bodies(session, body_ids=actor.body_ids, states=states)
    rows = finding_views.finding_rows(
        session,
        findings,
        actor=actor,
        registry=app_context.checklists,
        lang=lang,
        now=now,
        with_yards=True,
    )
    bodies = [session.get(Body, b) for b in sorted(actor.body_ids)]
    context: dict[str, Any] = {
        "csrf_token": security.csrf_token(secret_of(request), binding(request) or ""),
        "fmt": Formatter(lang),
        "me": user,
        "bodies": [finding_views.body_name(b, lang) for b in bodies if b is not None],
        "rows": rows,
        "overdue": sum(1 for r in rows if r.overdue),
        "state": chosen,
        "filters": [(s.value, finding_views.state_label(s)) for s in FILTER_STATES],
        "today": now.date().isoformat(),
        "notice": notice,
        "error": error,
        "typed": typed_values or Typed(),
    }
    response = render(request, "cooperative/body.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get("/body", response_class=HTMLResponse)
def body_findings(
    request: Request,
    user: RequireUser,
    scope: ScopeDep,
    session: SessionDep,
    state: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """The findings of the account's bodies, overdue first."""
    actor = _actor(session, user, scope)
    return _page(request, session, user=user, actor=actor, state=state, notice=_notice(done))


def _own_finding(session: Session, actor: Actor, finding_id: str) -> int:
    """The id of a finding of one of the actor's bodies; 404 for any other."""
    row_id = parse_row_id(finding_id)
    finding = None
    if row_id is not None:
        try:
            finding = actions.get_finding(session, actor=actor, finding_id=row_id)
        except NotFound:
            finding = None
    if finding is None or finding.body_id not in actor.body_ids:
        raise NotFound(gettext("No such finding, or it is not one of your body's."))
    assert row_id is not None
    return row_id


def _again(
    request: Request,
    session: Session,
    user: User,
    actor: Actor,
    exc: AppError,
    entered: Typed,
) -> HTMLResponse:
    return _page(
        request,
        session,
        user=user,
        actor=actor,
        error=message(exc),
        typed_values=entered,
        status_code=exc.status_code,
    )


@router.post("/body/findings/{finding_id}/start", response_class=HTMLResponse)
def start(
    request: Request,
    finding_id: str,
    user: RequireUser,
    scope: ScopeDep,
    form: CheckedForm,
    session: SessionDep,
    db: DatabaseDep,
) -> Response:
    actor = _actor(session, user, scope)
    row_id = _own_finding(session, actor, finding_id)
    try:
        with db.write_session() as write:
            actions.start_work(write, actor=actor, finding_id=row_id, note=field(form, "note"))
    except AppError as exc:
        entered = typed(form, action="start", finding_id=row_id)
        return _again(request, session, user, actor, exc, entered)
    return RedirectResponse("/body?done=start", status_code=303)


@router.post("/body/findings/{finding_id}/fix", response_class=HTMLResponse)
def fix(
    request: Request,
    finding_id: str,
    user: RequireUser,
    scope: ScopeDep,
    form: UploadForm,
    session: SessionDep,
    db: DatabaseDep,
) -> Response:
    actor = _actor(session, user, scope)
    row_id = _own_finding(session, actor, finding_id)
    settings = context_of(request.scope).settings
    try:
        report_fix(db, settings=settings, actor=actor, finding_id=row_id, form=form)
    except AppError as exc:
        entered = typed(form, action="fix", finding_id=row_id)
        return _again(request, session, user, actor, exc, entered)
    return RedirectResponse("/body?done=fix", status_code=303)


@router.post("/body/findings/{finding_id}/not-ours", response_class=HTMLResponse)
def not_ours(
    request: Request,
    finding_id: str,
    user: RequireUser,
    scope: ScopeDep,
    form: CheckedForm,
    session: SessionDep,
    db: DatabaseDep,
) -> Response:
    """The finding is not this body's: it goes to the next body by the routing rules."""
    actor = _actor(session, user, scope)
    row_id = _own_finding(session, actor, finding_id)
    settings = context_of(request.scope).settings
    try:
        with db.write_session() as write:
            actions.not_ours(
                write,
                actor=actor,
                finding_id=row_id,
                reason=field(form, "reason"),
                default_deadline_days=settings.finding_deadline_days,
            )
    except AppError as exc:
        entered = typed(form, action="not_ours", finding_id=row_id)
        return _again(request, session, user, actor, exc, entered)
    return RedirectResponse("/body?done=not_ours", status_code=303)
