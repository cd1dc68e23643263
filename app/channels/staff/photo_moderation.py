"""/inspector/photos: residents' photos waiting for an inspector's approval (admins: all).

A plain form POST with the session's CSRF token approves or rejects one photo, then the page
comes back (303). Thumbnails are served by their random id, shown here to staff only.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import security
from app.audit import service as audit
from app.channels.staff.forms import CheckedForm, client_ip
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth_deps import InspectorScope, RequireInspector, secret_of
from app.channels.web.context import context_of
from app.photos import moderation
from app.photos.schemas import photo_url, thumb_url
from app.platform import translations
from app.platform.db import DatabaseDep, SessionDep
from app.platform.errors import AppError, NotFound
from app.platform.templating import render
from app.platform.translations import gettext
from app.submissions.models import Submission

router = APIRouter(include_in_schema=False)

PAGE = "/inspector/photos"


def _question(request: Request, version: str, item_id: str) -> str:
    loaded = context_of(request.scope).checklists.get(version)
    item = loaded.items_by_id.get(item_id) if loaded is not None else None
    return item.question.get(translations.current_lang.get()) if item is not None else item_id


def _page(
    request: Request, session: Any, *, scope: Any, error: str = "", status_code: int = 200
) -> HTMLResponse:
    binding = request.cookies.get(security.SESSION_COOKIE) or ""
    waiting = moderation.pending(session, scope=scope)
    context: dict[str, Any] = {
        "csrf_token": security.csrf_token(secret_of(request), binding),
        "waiting": [
            {
                "photo": w.photo,
                "url": photo_url(w.photo.id),
                "thumb_url": thumb_url(w.photo.id),
                "question": _question(request, w.checklist_version, w.photo.item_id),
                "yard_id": w.yard_id,
                "received_at": w.received_at,
            }
            for w in waiting
        ],
        "more": len(waiting) >= moderation.PAGE_SIZE,
        "error": error,
    }
    return render(request, "photos/moderation.html", context, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def moderation_page(
    request: Request, session: SessionDep, scope: InspectorScope, auditor: AuditDep
) -> HTMLResponse:
    """Pending photos of the yards in the inspector's scope, oldest first."""
    # Residents' photos before anyone checked them: who looked is logged, as for a yard.
    auditor(audit.AuditAction.photos_viewed, "photos:pending")
    return _page(request, session, scope=scope)


@router.post(PAGE + "/{photo_id}", response_class=HTMLResponse)
def moderate_photo(
    photo_id: str,
    request: Request,
    user: RequireInspector,
    scope: InspectorScope,
    form: CheckedForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    """Approve or reject one photo (``decision`` = approve | reject)."""
    decision = form.get("decision")
    try:
        try:
            wanted = uuid.UUID(photo_id)
        except ValueError:
            raise NotFound(gettext("This photo is not among the photos you moderate.")) from None
        with db.write_session() as write:
            photo = moderation.decide(
                write,
                scope=scope,
                user=user,
                photo_id=wanted,
                decision=decision if isinstance(decision, str) else "",
            )
            submission = write.get(Submission, photo.submission_id)
            # The yard, never the photo's id: the audit log holds no capability.
            audit.record(
                write,
                user=user,
                action=audit.AuditAction.photo_moderated,
                target=audit.yard_target(submission.yard_id) if submission else "yard:?",
                ip=client_ip(request),
            )
    except AppError as exc:
        return _page(request, session, scope=scope, error=exc.message, status_code=exc.status_code)
    return RedirectResponse(PAGE, status_code=303)
