"""``GET /findings/{id}/photo``: a reported fix's after-photo, only to those who may see the
finding (``Actor.may_see``: staff whose scope covers the yard, members of its body, the
yard's cooperative). Everyone else, anonymous included, gets the same 404 as for a finding
without a photo: the id says nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app.channels.web.auth_deps import CurrentUser, ScopeDep
from app.channels.web.context import context_of
from app.findings.models import Finding
from app.findings.permissions import Actor
from app.photos import fix_photos
from app.platform.db import SessionDep, parse_row_id
from app.platform.errors import NotFound
from app.platform.translations import gettext

router = APIRouter(include_in_schema=False)


@router.get("/findings/{finding_id}/photo")
def finding_photo(
    request: Request, finding_id: str, user: CurrentUser, scope: ScopeDep, session: SessionDep
) -> Response:
    refusal = NotFound(gettext("There is no such photo, or you may not see it."))
    row_id = parse_row_id(finding_id)
    if user is None or row_id is None:
        raise refusal
    finding = session.get(Finding, row_id)
    if finding is None or not finding.fix_photo:
        raise refusal
    if not Actor.of(session, user=user, scope=scope).may_see(finding):
        raise refusal
    settings = context_of(request.scope).settings
    try:
        path = fix_photos.fix_photo_path(settings, finding.fix_photo)
    except ValueError:
        raise refusal from None
    if not path.is_file():
        raise refusal
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
