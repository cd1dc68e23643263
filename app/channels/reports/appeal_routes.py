"""``GET /yards/{id}/appeal`` (the form) and ``POST /yards/{id}/appeal.pdf`` (the PDF, or the
form again with what to correct, 422). Anyone may use them: the appeal holds the yard's
public data only (``app.channels.reports.appeal``); anonymous renders are rate-limited as the
other reports'. The applicant's fields travel in the POST body only and are never stored,
logged or cached; both answers that hold them say ``Cache-Control: no-store``.

No CSRF token: as the checklist form, the POST changes nothing; a request carrying a session
cookie must still come from this site (``app.channels.web.auth.CsrfGuard``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.channels.reports import appeal as appeal_service
from app.channels.reports import appeal_form
from app.channels.reports.downloads import pdf_response
from app.channels.web.auth import is_staff
from app.channels.web.context import ContextDep, PdfDep
from app.channels.web.formatting import Formatter
from app.platform import translations
from app.platform.db import SessionDep, parse_row_id
from app.platform.errors import NotFound
from app.platform.languages import Lang
from app.platform.pdf.gate import requester
from app.platform.templating import render
from app.platform.translations import gettext
from app.yards import naming
from app.yards.models import Yard

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
FILE_NOUN = {"ru": "obrashchenie", "kk": "otinish", "en": "appeal"}
READABLE_NOUN = {"ru": "обращение", "kk": "өтініш", "en": "appeal"}


def _lang() -> Lang:
    return translations.current_lang.get()


def yard_of(yard_id: str, session: SessionDep) -> Yard:
    row_id = parse_row_id(yard_id)
    yard = session.get(Yard, row_id) if row_id is not None else None
    if yard is None:
        raise NotFound(
            gettext(
                "There is no yard no. %(id)s in SafeYard. Find your yard again.", id=yard_id[:20]
            )
        )
    return yard


async def read_appeal_form(request: Request) -> FormData:
    """The posted fields (a handful; no files)."""
    return await request.form(max_fields=20, max_files=0)


AppealYard = Annotated[Yard, Depends(yard_of)]
AppealFormData = Annotated[FormData, Depends(read_appeal_form)]


def _page(
    request: Request,
    session: SessionDep,
    yard: Yard,
    form: appeal_form.AppealForm,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    assert yard.id is not None
    bodies = appeal_service.body_choices(session, yard_id=yard.id, lang=_lang())
    if not form.values["body_id"] and bodies:
        form.values["body_id"] = bodies[0].id
    order = list(appeal_form.FIELDS)
    summary = [
        {"target": "appeal-lang" if name == "lang" else name, "message": message, "href": None}
        for name, message in sorted(form.errors.items(), key=lambda e: order.index(e[0]))
    ]
    context = {
        "fmt": Formatter(_lang()),
        "title": naming.public_title(yard_id=yard.id, public_name=yard.public_name),
        "yard_id": yard.id,
        "bodies": bodies,
        "form": form,
        "summary": summary,
    }
    return render(request, "pages/appeal.html", context, status_code=status_code, headers=NO_STORE)


@router.get("/yards/{yard_id}/appeal", response_class=HTMLResponse)
def appeal_form_page(request: Request, yard: AppealYard, session: SessionDep) -> HTMLResponse:
    """The form: the body (among those with confirmed findings still to fix here), the
    appeal's language and the applicant."""
    lang = request.query_params.get("appeal_lang") or _lang()
    body_id = request.query_params.get("body", "")[:64]
    return _page(request, session, yard, appeal_form.blank(body_id=body_id, lang=lang))


@router.post("/yards/{yard_id}/appeal.pdf", response_model=None)
def appeal_pdf(
    request: Request,
    yard: AppealYard,
    session: SessionDep,
    app_context: ContextDep,
    reports: PdfDep,
    posted: AppealFormData,
) -> Response:
    """The appeal as a PDF (never cached), or the form again with what to correct (422)."""
    assert yard.id is not None
    choices = appeal_service.body_choices(session, yard_id=yard.id, lang=_lang())
    form = appeal_form.read(posted, body_ids={c.id for c in choices})
    if form.errors:
        return _page(request, session, yard, form, status_code=422)
    appeal = appeal_service.appeal(
        session,
        yard=yard,
        body_id=form.values["body_id"],
        applicant=form.applicant,
        registry=app_context.checklists,
        settings=app_context.settings,
        lang=form.lang,
    )
    pdf = appeal_service.appeal_pdf(
        reports, appeal, requester(request, staff=is_staff(request.scope))
    )
    stamp = appeal.appeal_date.isoformat()
    response = pdf_response(
        pdf,
        ascii_name=f"safeyard-{FILE_NOUN[form.lang]}-{yard.id}-{stamp}.pdf",
        readable_name=f"safeyard-{READABLE_NOUN[form.lang]}-{yard.id}-{stamp}.pdf",
    )
    response.headers.update(NO_STORE)
    return response
