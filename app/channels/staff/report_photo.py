"""``GET /findings/{id}/report-photo``: the photo a resident sent with a report, only to those
who may see the finding (``Actor.may_see``); everyone else, anonymous included, gets the same
404 as for a finding without one. Never public: a report's photo may show people."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app.channels.web.auth_deps import CurrentUser, ScopeDep
from app.channels.web.context import context_of
from app.findings import reports
from app.findings.models import Finding
from app.findings.permissions import Actor
from app.platform.db import SessionDep, parse_row_id
from app.platform.errors import NotFound
from app.platform.translations import gettext

router = APIRouter(include_in_schema=False)


@router.get("/findings/{finding_id}/report-photo")
def report_photo(
    request: Request, finding_id: str, user: CurrentUser, scope: ScopeDep, session: SessionDep
) -> Response:
    refusal = NotFound(gettext("There is no such photo, or you may not see it."))
    row_id = parse_row_id(finding_id)
    if user is None or row_id is None:
        raise refusal
    finding = session.get(Finding, row_id)
    report = reports.report_of(session, finding_id=row_id) if finding is not None else None
    if finding is None or report is None or not report.photo:
        raise refusal
    if not Actor.of(session, user=user, scope=scope).may_see(finding):
        raise refusal
    try:
        path = reports.report_photo_path(context_of(request.scope).settings, report.photo)
    except ValueError:
        raise refusal from None
    if not path.is_file():
        raise refusal
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
