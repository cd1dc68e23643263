"""The residents' pages. Thin: each reads its input, calls a service, renders a template.

Query and path values arrive as text and are parsed here, so a bad value gets a page in the
reader's language, not the API's JSON validation error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from app.accounts.scope import Scope
from app.audit import service as audit_service
from app.channels.pages import checklist, find, public_map, views, yard_staff
from app.channels.pages.forms import (
    FilledChecklist,
    WhereInput,
    read_checklist_form,
)
from app.channels.staff.login import CheckedForm
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth import session_csrf_token
from app.channels.web.auth_deps import CurrentUser, RequireUser, ScopeDep, submitter_role
from app.channels.web.context import ContextDep, context_of
from app.channels.web.formatting import Formatter
from app.checklists.schemas import checklist_public
from app.findings import public as public_findings
from app.platform import translations
from app.platform.db import DatabaseDep, SessionDep, parse_row_id
from app.platform.errors import Invalid, NotFound, Unavailable
from app.platform.languages import Lang
from app.platform.templating import render
from app.submissions import ids as submission_ids
from app.submissions import service as submissions_service
from app.yards.models import Yard

router = APIRouter(include_in_schema=False)

# A checklist has about 50 questions, each with an answer, a comment and a photo field.
FORM_MAX_FIELDS = 400
FORM_MAX_FILES = 100


def _lang() -> Lang:
    return translations.current_lang.get()


def page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a page with the formatting helpers of its language (``fmt``)."""
    return render(
        request, template, {"fmt": Formatter(_lang()), **context}, status_code=status_code
    )


async def read_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form (multipart or urlencoded), its uploads closed after the response."""
    async with request.form(max_files=FORM_MAX_FILES, max_fields=FORM_MAX_FIELDS) as form:
        yield form


def yard_or_404(yard_id: str, session: SessionDep) -> Yard:
    row_id = parse_row_id(yard_id)
    yard = session.get(Yard, row_id) if row_id is not None else None
    if yard is None:
        raise NotFound(
            translations.gettext(
                "There is no yard no. %(id)s in SafeYard. Find your yard again.", id=yard_id[:20]
            )
        )
    return yard


FormDep = Annotated[FormData, Depends(read_form)]
YardPageDep = Annotated[Yard, Depends(yard_or_404)]


@router.get("/", response_class=HTMLResponse)
def home(app_context: ContextDep, request: Request) -> HTMLResponse:
    loaded = app_context.checklists.current
    sections = checklist.resident_sections(checklist_public(loaded, _lang()))
    questions = sum(len(s.items) for s in sections)
    return page(request, "pages/home.html", {"sections": sections, "question_count": questions})


@router.get("/yard/find", response_class=HTMLResponse)
def find_yard(
    app_context: ContextDep,
    request: Request,
    session: SessionDep,
    q: str | None = None,
    lat: str = "",
    lon: str = "",
    accuracy_m: str = "",
    place: str = "",
) -> HTMLResponse:
    """Three ways to the yard: location and map (JavaScript), and the search of streets and
    micro-districts by name (``place``: the name of the one chosen, centred on)."""
    near = search = None
    status_code = 200
    if lat or lon:
        near = find.near(
            session,
            areas=app_context.areas,
            radius_m=app_context.settings.yard_near_radius_m,
            raw=WhereInput(lat=lat, lon=lon, accuracy_m=accuracy_m),
            lang=_lang(),
            place_name=place,
        )
        if isinstance(near, list):
            status_code = 422
    if q is not None:
        search = find.search_places(session, text=q, lang=_lang())
        if search.problem:
            status_code = 422
    context = {
        "q": q or "",
        "near": near,
        "search": search,
        "tiles": public_map.public_tiles(app_context.settings),
    }
    return page(request, "pages/find.html", context, status_code=status_code)


@router.get("/checklist", response_class=HTMLResponse)
def checklist_form(
    app_context: ContextDep,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    yard_id: str = "",
    lat: str = "",
    lon: str = "",
    accuracy_m: str = "",
    address: str = "",
) -> HTMLResponse:
    """The whole checklist as one form; the yard from the query (or, by JavaScript, from the
    device's draft)."""
    loaded = app_context.checklists.current
    located = checklist.locate(
        session,
        areas=app_context.areas,
        raw=WhereInput(yard_id, lat, lon, accuracy_m, address),
        lang=_lang(),
        required=False,
    )
    context = checklist.form_context(
        loaded=loaded,
        lang=_lang(),
        filled=FilledChecklist.blank(loaded.version, located.values),
        located=located,
        errors=located.errors,
        role=submitter_role(user),
    )
    context["retention"] = app_context.settings
    return page(
        request, "pages/checklist.html", context, status_code=422 if located.errors else 200
    )


@router.post("/checklist", response_class=HTMLResponse)
def send_checklist(
    app_context: ContextDep, request: Request, session: SessionDep, form: FormDep, user: CurrentUser
) -> Response:
    """The form sent without JavaScript: 303 to the result, or the form again with the
    answers kept and what to correct."""
    filled = read_checklist_form(form)
    role = submitter_role(user)
    sent = checklist.send(
        app_context,
        session,
        filled=filled,
        lang=_lang(),
        role=role,
        audit_scope=Scope.of(session, user),
    )
    if isinstance(sent, str):
        return RedirectResponse(sent, status_code=303)
    context = checklist.form_context(
        loaded=sent.loaded,
        lang=_lang(),
        filled=sent.filled,
        located=sent.located,
        errors=sent.errors,
        role=role,
    )
    context["retention"] = app_context.settings
    response = page(request, "pages/checklist.html", context, status_code=sent.status_code)
    if sent.status_code == 503:
        # The database is locked or away: the answers are in the page; say when to send again.
        response.headers["Retry-After"] = str(Unavailable.retry_after_s)
    return response


@router.get("/result/{submission_id}", response_class=HTMLResponse)
def result(
    app_context: ContextDep,
    request: Request,
    submission_id: str,
    session: SessionDep,
    photo_refused: str = "",
) -> HTMLResponse:
    """A submission's result: the index, what to fix first and who fixes it."""
    submission = submissions_service.find_submission(
        session, submission_ids.parse_submission_id(submission_id)
    )
    if submission is None:
        raise NotFound(
            translations.gettext(
                "There is no such result. Check the link, or check your yard again."
            )
        )
    context = views.result_context(
        app_context,
        session,
        submission=submission,
        lang=_lang(),
        photo_refused=photo_refused,
    )
    response = page(request, "pages/result.html", context)
    # A capability page: never in a shared or HTTP cache (the phone's own service worker
    # keeps a copy the resident opened: templates/pwa/sw.js).
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _yard_page(
    request: Request,
    session: SessionDep,
    scope: Scope,
    yard: Yard,
    *,
    name_value: str | None = None,
    name_error: str | None = None,
) -> HTMLResponse:
    staff = yard_staff.may_name(scope, yard)
    context = views.yard_context(
        context_of(request.scope), session, yard=yard, lang=_lang(), staff=staff
    )
    assert yard.id is not None
    context["findings"] = public_findings.public_findings(
        session, yard_id=yard.id, registry=context_of(request.scope).checklists, lang=_lang()
    )
    context["naming"] = (
        {
            "csrf_token": session_csrf_token(request),
            "value": (yard.public_name or "") if name_value is None else name_value,
            "error": name_error,
        }
        if staff
        else None
    )
    # The PDF link only for those the report route lets in (its cooperative, inspectors, admins).
    context["report_allowed"] = scope.may_see_yard(yard)
    return page(request, "pages/yard.html", context, status_code=422 if name_error else 200)


@router.get("/yards/{yard_id}", response_class=HTMLResponse)
def yard_page(
    request: Request,
    yard: YardPageDep,
    session: SessionDep,
    user: CurrentUser,
    scope: ScopeDep,
    audit: AuditDep,
) -> HTMLResponse:
    """A yard: where it is, its current risk from recent checks, and its history; for staff
    who may name it, the address its first sender typed and the form that names it."""
    if user is not None and yard.id is not None:  # staff see more than residents: logged
        audit(audit_service.AuditAction.yard_viewed, audit_service.yard_target(yard.id))
    return _yard_page(request, session, scope, yard)


@router.post("/yards/{yard_id}/name", response_class=HTMLResponse)
def name_yard(
    request: Request,
    yard_id: str,
    _user: RequireUser,
    scope: ScopeDep,
    form: CheckedForm,
    session: SessionDep,
    db: DatabaseDep,
) -> Response:
    """Set the yard's public name (admins; inspectors whose scope covers the yard): 303 back
    to the yard's page, or the page again with what to correct (422)."""
    yard = yard_staff.yard_to_name(session, scope, yard_id)
    assert yard.id is not None
    typed = form.get("public_name")
    text = typed if isinstance(typed, str) else ""
    try:
        yard_staff.set_name(db, yard_id=yard.id, text=text, clear=form.get("clear") == "1")
    except Invalid as exc:
        return _yard_page(request, session, scope, yard, name_value=text, name_error=exc.message)
    return RedirectResponse(f"/yards/{yard.id}", status_code=303)
