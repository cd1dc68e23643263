"""PDF report downloads. Plain ``def`` routes: the thread pool runs the rendering, so the
event loop keeps answering other requests (see ``app.channels.reports.service``)."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.areas.monthly import checked_month
from app.audit import service as audit_service
from app.channels.reports import render, stamps
from app.channels.reports.district import area_report, area_title
from app.channels.reports.service import stamped_pdf
from app.channels.reports.yard import almaty_date, yard_report
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
from app.platform.db import SessionDep, parse_row_id, utcnow
from app.platform.errors import NotFound
from app.platform.languages import Lang
from app.platform.pdf.gate import Requester, requester
from app.platform.pdf.renderer import PdfRenderer
from app.platform.translations import gettext
from app.submissions import ids as submission_ids
from app.submissions import service as submissions_service
from app.submissions.models import Submission
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
    pdf = _yard_pdf(request, session, reports, yard, who=requester(request, staff=True))
    audit(
        audit_service.AuditAction.report_downloaded,
        audit_service.report_target("yard", yard_id=yard.id),
    )
    stamp = almaty_date(utcnow()).isoformat()
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
    # Staff go first and are not limited; anyone else holding the link is (gate.py).
    who = requester(request, staff=is_staff(request.scope))
    pdf = _yard_pdf(request, session, reports, yard, who=who, submission=submission)
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


def _yard_pdf(
    request: Request,
    session: SessionDep,
    reports: PdfRenderer,
    yard: Yard,
    *,
    who: Requester,
    submission: Submission | None = None,
) -> bytes:
    """A yard's (or one submission's) PDF: the cache is asked by the data stamp first, and the
    figures gathered only to render. The caller has checked access already."""
    app_context = context_of(request.scope)
    registry, settings, lang, now = app_context.checklists, app_context.settings, _lang(), utcnow()
    stamp = stamps.yard_stamp(
        session,
        yard=yard,
        registry=registry,
        settings=settings,
        lang=lang,
        now=now,
        submission=submission,
    )

    def html() -> str:
        report = yard_report(
            session,
            yard=yard,
            registry=registry,
            settings=settings,
            lang=lang,
            submission=submission,
            now=now,
        )
        return render.yard_html(report)

    return stamped_pdf(reports, "submission" if submission else "yard", stamp, html, who)


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
    settings, lang, now = app_context.settings, _lang(), utcnow()
    checked = checked_month(month)
    if micro_district_id is not None:
        district_id = shapes.micro_districts[micro_district_id].district_id
    assert district_id is not None
    area_name = area_title(
        session, district_id=district_id, micro_district_id=micro_district_id, lang=lang
    )
    stamp = stamps.area_stamp(
        session,
        registry=app_context.checklists,
        settings=settings,
        lang=lang,
        month=checked,
        now=now,
        district_id=district_id,
        micro_district_id=micro_district_id,
        shapes=shapes,
    )

    def html() -> str:
        report = area_report(
            session,
            registry=app_context.checklists,
            settings=settings,
            shapes=shapes,
            lang=lang,
            month=checked,
            district_id=None if micro_district_id is not None else district_id,
            micro_district_id=micro_district_id,
            now=now,
        )
        return render.area_html(report, shapes)

    pdf = stamped_pdf(reports, "area", stamp, html, requester(request, staff=True))
    area_id = micro_district_id or district_id
    level = "district" if micro_district_id is None else "micro-district"
    audit(
        audit_service.AuditAction.report_downloaded,
        audit_service.report_target(level, area=f"{area_id}:{checked}"),
    )
    return pdf_response(
        pdf,
        ascii_name=f"safeyard-{level}-{_ascii(area_id)}-{checked}.pdf",
        readable_name=f"safeyard-{_slug(area_name)}-{checked}.pdf",
    )


def _ascii(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:60] or "area"
