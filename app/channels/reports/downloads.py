"""PDF report downloads. Plain ``def`` routes: the thread pool runs the rendering, so the
event loop keeps answering other requests (see ``app.channels.reports.service``)."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.areas.monthly import checked_month
from app.audit import service as audit_service
from app.channels.reports import render
from app.channels.reports.district import area_report
from app.channels.reports.service import report_pdf
from app.channels.reports.yard import yard_report
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth import is_staff
from app.channels.web.auth_deps import (
    CurrentUser,
    Forbidden,
    InspectorScope,
    LoginRequired,
    ScopeDep,
)
from app.channels.web.context import AreaShapesDep, PdfDep, context_of
from app.districts.models import District
from app.platform import translations
from app.platform.db import SessionDep, parse_row_id
from app.platform.errors import NotFound
from app.platform.languages import Lang
from app.platform.pdf.gate import requester
from app.platform.pdf.renderer import PdfRenderer
from app.platform.translations import gettext
from app.submissions import ids as submission_ids
from app.submissions import service as submissions_service
from app.yards.models import Yard

router = APIRouter(include_in_schema=False)

PDF = "application/pdf"


def _lang() -> Lang:
    return translations.current_lang.get()


def _slug(text: str) -> str:
    """A file-name-safe form of a name in any script: letters and digits kept, the rest '-'."""
    return re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")[:60] or "report"


def pdf_response(pdf: bytes, *, ascii_name: str, readable_name: str) -> Response:
    """The PDF as a download: an ASCII ``filename`` for old clients, the readable one (in the
    reader's language and script) in ``filename*`` (RFC 6266 / 5987)."""
    disposition = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(readable_name, safe='')}"
    )
    return Response(
        pdf,
        media_type=PDF,
        headers={
            "Content-Disposition": disposition,
            # Reports hold a yard's problems: kept by the reader's browser only.
            "Cache-Control": "private, no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/yards/{yard_id}/report.pdf")
def yard_report_pdf(
    request: Request,
    yard_id: str,
    session: SessionDep,
    user: CurrentUser,
    scope: ScopeDep,
    reports: PdfDep,
    audit: AuditDep,
) -> Response:
    """The yard's current risk as a printable report, for its cooperative, its district's
    inspectors and admins."""
    if user is None:
        raise LoginRequired(gettext("Log in to download the yard's report."))
    row_id = parse_row_id(yard_id)
    yard = session.get(Yard, row_id) if row_id is not None else None
    refusal = Forbidden(
        gettext(
            "Only the yard's housing cooperative, the inspectors of its district and "
            "administrators may download this report."
        )
    )
    if yard is None:
        if scope.city_wide:
            raise NotFound(gettext("There is no yard no. %(id)s in SafeYard.", id=yard_id[:20]))
        raise refusal
    assert yard.id is not None
    if not scope.may_see_yard(yard):
        raise refusal
    app_context = context_of(request.scope)
    report = yard_report(
        session,
        yard=yard,
        registry=app_context.checklists,
        settings=app_context.settings,
        lang=_lang(),
    )
    pdf = report_pdf(
        reports, "yard", report, lambda: render.yard_html(report), requester(request, staff=True)
    )
    audit(
        audit_service.AuditAction.report_downloaded,
        audit_service.report_target("yard", yard_id=yard.id),
    )
    stamp = report.report_date.isoformat()
    noun = _slug(gettext("yard"))
    return pdf_response(
        pdf,
        ascii_name=f"safeyard-yard-{yard.id}-{stamp}.pdf",
        readable_name=f"safeyard-{noun}-{yard.id}-{stamp}.pdf",
    )


@router.get("/result/{submission_id}/report.pdf")
def submission_report_pdf(
    request: Request, submission_id: str, session: SessionDep, reports: PdfDep, audit: AuditDep
) -> Response:
    """One submission's result as a printable report. Its id is the capability: whoever
    holds it (the resident who sent it) may download it, as they may open the result page."""
    submission = submissions_service.find_submission(
        session, submission_ids.parse_submission_id(submission_id)
    )
    if submission is None:
        raise NotFound(
            gettext("There is no such result. Check the link, or check your yard again.")
        )
    yard = session.get(Yard, submission.yard_id)
    assert yard is not None and yard.id is not None
    app_context = context_of(request.scope)
    report = yard_report(
        session,
        yard=yard,
        registry=app_context.checklists,
        settings=app_context.settings,
        lang=_lang(),
        submission=submission,
    )
    # Staff go first and are not limited; anyone else holding the link is (gate.py).
    pdf = report_pdf(
        reports,
        "submission",
        report,
        lambda: render.yard_html(report),
        requester(request, staff=is_staff(request.scope)),
    )
    # The kind and the yard, never the submission's id (a capability).
    audit(
        audit_service.AuditAction.report_downloaded,
        audit_service.report_target("submission", yard_id=yard.id),
    )
    stamp = submission.received_at.date().isoformat()
    noun = _slug(gettext("yard"))
    return pdf_response(
        pdf,
        ascii_name=f"safeyard-yard-{yard.id}-check-{stamp}.pdf",
        readable_name=f"safeyard-{noun}-{yard.id}-{stamp}.pdf",
    )


@router.get("/inspector/reports/districts/{district_id}.pdf")
def district_report_pdf(
    request: Request,
    district_id: str,
    session: SessionDep,
    scope: InspectorScope,
    shapes: AreaShapesDep,
    reports: PdfDep,
    audit: AuditDep,
    month: str | None = None,
) -> Response:
    """A district's month (``?month=YYYY-MM``, default this month) for inspectors in scope."""
    if session.get(District, district_id) is None:
        raise NotFound(gettext("There is no such district."))
    if not scope.may_see_district(district_id):
        raise Forbidden(gettext("This district is outside the areas your account covers."))
    return _area_pdf(request, session, shapes, reports, audit, month, district_id=district_id)


@router.get("/inspector/reports/micro-districts/{micro_district_id}.pdf")
def micro_district_report_pdf(
    request: Request,
    micro_district_id: str,
    session: SessionDep,
    scope: InspectorScope,
    shapes: AreaShapesDep,
    reports: PdfDep,
    audit: AuditDep,
    month: str | None = None,
) -> Response:
    """A micro-district's month, seen within its district, for inspectors in scope."""
    shape = shapes.micro_districts.get(micro_district_id)
    if shape is None:
        raise NotFound(gettext("There is no such micro-district."))
    district_id = shape.district_id
    if not scope.may_see_area(district_id=district_id, micro_district_id=micro_district_id):
        raise Forbidden(gettext("This micro-district is outside the areas your account covers."))
    return _area_pdf(
        request, session, shapes, reports, audit, month, micro_district_id=micro_district_id
    )


def _area_pdf(
    request: Request,
    session: SessionDep,
    shapes: AreaShapesDep,
    reports: PdfRenderer,
    audit: AuditDep,
    month: str | None,
    *,
    district_id: str | None = None,
    micro_district_id: str | None = None,
) -> Response:
    app_context = context_of(request.scope)
    report = area_report(
        session,
        registry=app_context.checklists,
        settings=app_context.settings,
        shapes=shapes,
        lang=_lang(),
        month=checked_month(month),
        district_id=district_id,
        micro_district_id=micro_district_id,
    )
    pdf = report_pdf(
        reports,
        "area",
        report,
        lambda: render.area_html(report, shapes),
        requester(request, staff=True),
    )
    level = "district" if micro_district_id is None else "micro-district"
    audit(
        audit_service.AuditAction.report_downloaded,
        audit_service.report_target(level, area=f"{report.area_id}:{report.month}"),
    )
    return pdf_response(
        pdf,
        ascii_name=f"safeyard-{level}-{_ascii(report.area_id)}-{report.month}.pdf",
        readable_name=f"safeyard-{_slug(report.area_name)}-{report.month}.pdf",
    )


def _ascii(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:60] or "area"
