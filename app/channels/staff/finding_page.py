"""/inspector/findings/{id}: one finding for staff (its yard, item and remedy, body and
contacts, dates, the fix report, the full history) with the forms of the actions
``app.findings.permissions.allowed`` gives the user. Each form is a plain POST with the
session's CSRF token to /inspector/findings/{id}/{action}; it goes to ``app.findings.actions``
and comes back (303) with a notice, or shows the page again with what to correct (422).

Inspectors and admins only (others: the login page or 403); a finding outside the
inspector's scope answers 404, as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts import security
from app.accounts.models import User
from app.accounts.scope import Scope
from app.bodies.models import Body
from app.channels.staff import finding_labels as labels
from app.channels.staff.forms import CheckedForm, binding, field
from app.channels.staff.queue import queue_url
from app.channels.web.auth_deps import Forbidden, InspectorScope, RequireInspector, secret_of
from app.channels.web.context import ContextDep, context_of
from app.channels.web.formatting import Formatter
from app.findings import actions, finding_view, report_actions, reports
from app.findings.permissions import Action, Actor, allowed
from app.findings.report_actions import ReportAction
from app.platform import translations
from app.platform.config import Settings
from app.platform.db import DatabaseDep, SessionDep, parse_row_id
from app.platform.errors import Invalid, NotFound, NotPermitted
from app.platform.templating import render
from app.platform.translations import gettext
from app.scoring import band_for

router = APIRouter(include_in_schema=False)

PAGE = "/inspector/findings/{finding_id}"
# The URL word of each form, and the action it is.
ACTIONS: dict[str, Action | ReportAction] = {
    "accept-report": ReportAction.accept_report,
    "reject-report": ReportAction.reject_report,
    "mark-sent": Action.mark_sent,
    "start-work": Action.start_work,
    "report-fix": Action.report_fix,
    "not-ours": Action.not_ours,
    "reroute": Action.reroute,
    "assign": Action.assign,
}


def _finding_id(text: str) -> int:
    row_id = parse_row_id(text)
    if row_id is None:
        raise NotFound(gettext("No such finding, or it is not one of yours."))
    return row_id


def _message(exc: Invalid) -> str:
    """The domain's refusal in the page's language (the domain speaks English; its details
    say which field and why)."""
    detail = (exc.details or [{}])[0]
    name, why = str(detail.get("field", "")), str(detail.get("message", ""))
    if why.startswith("at most"):
        limit = "".join(ch for ch in why if ch.isdigit())
        return gettext("The text is too long: at most %(limit)s characters.", limit=limit)
    known = {
        ("reference", "required"): gettext(
            "Type the body's reference number, or the date of the call and whom you spoke to."
        ),
        ("reason", "required"): gettext("Write the reason."),
        ("note", "required"): gettext("Write a note."),
        ("fixed_on", "in the future"): gettext("The date of the fix cannot be in the future."),
        ("fixed_on", "too early"): gettext(
            "The date of the fix is more than a year before the finding."
        ),
        ("fixed_on", "not a date"): gettext("Give the date of the fix (day, month, year)."),
        ("body_id", "unknown body"): gettext(
            "No such body, or it is inactive: choose one from the list."
        ),
        ("body_id", "another district"): gettext(
            "That body works in another district: choose one from the list."
        ),
        ("assignee", "not an inspector of this yard"): gettext(
            "Assign it to an active inspector whose districts include this yard."
        ),
    }
    return known.get((name, why), exc.message)


def finding_page(
    request: Request,
    session: Session,
    *,
    user: User,
    scope: Scope,
    finding_id: int,
    error: str = "",
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = Actor.of(session, user=user, scope=scope)
    finding = actions.get_finding(session, actor=actor, finding_id=finding_id)
    lang = translations.current_lang.get()
    shown = finding_view.detail(session, finding=finding, lang=lang)
    may: set[Action | ReportAction] = {*allowed(actor, finding)}
    may |= report_actions.allowed_report(actor, finding)
    # A resident's report: its words, section and photo (``app.findings.reports``).
    report = reports.report_of(session, finding_id=finding_id) if finding.kind == "report" else None
    done = request.query_params.get("done")
    notice = labels.action_label(ACTIONS[done].value) if done in ACTIONS and not error else None
    body = shown.body
    names = _body_names(session, shown)
    context: dict[str, Any] = {
        "csrf_token": security.csrf_token(secret_of(request), binding(request) or ""),
        "fmt": Formatter(lang),
        "shown": shown,
        "f": finding,
        "item": labels.item_text(
            request, version=finding.checklist_version, item_id=finding.item_id
        )
        if report is None
        else labels.ItemText(gettext("A resident's report"), None),
        "report": report,
        "report_section": None
        if report is None
        else reports.section_title(
            context_of(request.scope).checklists,
            version=finding.checklist_version,
            section_id=report.section_id,
            lang=lang,
        )
        or report.section_id,
        "state_label": labels.state_label,
        "action_label": labels.action_label,
        "actor_label": labels.actor_label,
        "body_name": labels.body_name(body),
        "channel_label": labels.channel_label(body.channel) if body else None,
        "band_of": band_for,
        "may": {a.value for a in may},
        "bodies": [
            (b.id, labels.body_name(b))
            for b in (
                finding_view.reroute_bodies(session, finding=finding)
                if Action.reroute in may
                else []
            )
        ],
        "assignees": finding_view.assignees(session, finding=finding)
        if Action.assign in may
        else [],
        "body_names": names,
        "refused_names": [names.get(i, i) for i in finding.refused_by or []],
        "error": error,
        "notice": notice,
        "values": dict(values or {}),
        "today": date.today().isoformat(),
        "queue_url": queue_url(),
        "yard_findings_url": f"/inspector/yards/{finding.yard_id}/findings",
    }
    return render(request, "findings/finding.html", context, status_code=status_code)


def _body_names(session: Session, shown: finding_view.FindingDetail) -> dict[str, str]:
    """Names of the bodies the history and the refusals mention."""
    ids = {h.body_id for h in shown.history if h.body_id} | set(shown.finding.refused_by or [])
    return {i: labels.body_name(b) for i in ids if (b := session.get(Body, i)) is not None}


@router.get(PAGE, response_class=HTMLResponse)
def finding_view_page(
    finding_id: str,
    request: Request,
    session: SessionDep,
    user: RequireInspector,
    scope: InspectorScope,
) -> HTMLResponse:
    """One finding with its history and the forms of what the user may do."""
    return finding_page(
        request, session, user=user, scope=scope, finding_id=_finding_id(finding_id)
    )


def _act(
    write: Session,
    *,
    action: Action | ReportAction,
    actor: Actor,
    finding_id: int,
    form: FormData,
    settings: Settings,
) -> None:
    days = settings.finding_deadline_days
    if action == ReportAction.accept_report:
        report_actions.accept_report(
            write,
            actor=actor,
            finding_id=finding_id,
            note=field(form, "note"),
            default_deadline_days=days,
        )
    elif action == ReportAction.reject_report:
        report_actions.reject_report(
            write, actor=actor, finding_id=finding_id, reason=field(form, "reason")
        )
    elif action == Action.mark_sent:
        actions.mark_sent(
            write,
            actor=actor,
            finding_id=finding_id,
            reference=field(form, "reference"),
            default_deadline_days=days,
        )
    elif action == Action.start_work:
        actions.start_work(write, actor=actor, finding_id=finding_id, note=field(form, "note"))
    elif action == Action.report_fix:
        try:
            fixed_on = date.fromisoformat(field(form, "fixed_on"))
        except ValueError:
            raise Invalid(
                "Give the date of the fix.",
                details=[{"field": "fixed_on", "message": "not a date"}],
            ) from None
        actions.report_fix(
            write, actor=actor, finding_id=finding_id, fixed_on=fixed_on, note=field(form, "note")
        )
    elif action == Action.not_ours:
        actions.not_ours(
            write,
            actor=actor,
            finding_id=finding_id,
            reason=field(form, "reason"),
            default_deadline_days=days,
        )
    elif action == Action.reroute:
        actions.reroute(
            write,
            actor=actor,
            finding_id=finding_id,
            body_id=field(form, "body_id"),
            reason=field(form, "reason"),
            default_deadline_days=days,
        )
    elif action == Action.assign:
        chosen = field(form, "assignee")
        assignee = None
        if chosen:
            row_id = parse_row_id(chosen)
            assignee = write.get(User, row_id) if row_id is not None else None
            if assignee is None:
                raise Invalid(
                    "No such inspector.",
                    details=[{"field": "assignee", "message": "not an inspector of this yard"}],
                )
        actions.assign(write, actor=actor, finding_id=finding_id, assignee=assignee)


@router.post(PAGE + "/{action}", response_class=HTMLResponse)
def finding_action(
    finding_id: str,
    action: str,
    request: Request,
    app_context: ContextDep,
    user: RequireInspector,
    scope: InspectorScope,
    form: CheckedForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    """Do one action; 303 back to the finding's page with a notice, or the page with what
    to correct (422). 404: no such finding in the scope; 403: not an action the user may take
    on it now."""
    row_id = _finding_id(finding_id)
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise NotFound(gettext("There is no such action."))
    try:
        with db.write_session() as write:
            actor = Actor.of(write, user=user, scope=scope)
            _act(
                write,
                action=chosen,
                actor=actor,
                finding_id=row_id,
                form=form,
                settings=app_context.settings,
            )
    except Invalid as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return finding_page(
            request,
            session,
            user=user,
            scope=scope,
            finding_id=row_id,
            error=_message(exc),
            values={"action": action, **values},
            status_code=422,
        )
    except NotPermitted:
        raise Forbidden(
            gettext(
                "You cannot do this to this finding in its present state; its page lists what "
                "you can do."
            )
        ) from None
    return RedirectResponse(PAGE.format(finding_id=row_id) + f"?done={action}", status_code=303)
