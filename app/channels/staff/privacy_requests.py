"""/admin/privacy: deletion on a resident's request. Paste a result link, see what goes,
confirm. Admins only; every preview and redaction is in the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.accounts import security
from app.audit import service as audit_service
from app.channels.staff.forms import CheckedForm, binding, client_ip, field
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth_deps import RequireAdmin, secret_of
from app.channels.web.context import SettingsDep, context_of
from app.platform import translations
from app.platform.db import DatabaseDep, SessionDep
from app.platform.templating import render
from app.platform.translations import gettext
from app.privacy import service as privacy_service

router = APIRouter(include_in_schema=False)


def _admin_page(
    request: Request,
    *,
    reference: str = "",
    plan: privacy_service.RedactionPlan | None = None,
    done: privacy_service.Redacted | None = None,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    # Comments are keyed by item id; show each with its question (the current checklist's
    # wording: ids are stable across versions), the id itself when the item is gone.
    items = context_of(request.scope).checklists.current.items_by_id
    lang = translations.current_lang.get()
    context: dict[str, Any] = {
        "questions": {item_id: item.question.get(lang) for item_id, item in items.items()},
        "csrf_token": security.csrf_token(secret_of(request), binding(request) or ""),
        "reference": reference,
        "plan": plan,
        "done": done,
        "error": error,
    }
    return render(request, "admin/privacy.html", context, status_code=status_code)


def _plan(session: SessionDep, reference: str) -> privacy_service.RedactionPlan:
    submission_id = privacy_service.parse_reference(reference)
    return privacy_service.plan_redaction(session, submission_id=submission_id)


def _refusal(exc: Exception) -> str:
    if isinstance(exc, privacy_service.NoReference):
        return gettext(
            "No submission id was found in what you pasted. Paste the resident's result link "
            "(it ends with /result/ and a long id) or the id itself."
        )
    return gettext("There is no submission with this id. Check the link with the resident.")


@router.get("/admin/privacy", response_class=HTMLResponse)
def admin_privacy(request: Request, admin: RequireAdmin) -> HTMLResponse:
    return _admin_page(request)


@router.post("/admin/privacy/preview", response_class=HTMLResponse)
def preview(
    request: Request, admin: RequireAdmin, form: CheckedForm, session: SessionDep, audit: AuditDep
) -> HTMLResponse:
    """What a redaction would remove; nothing is changed yet."""
    reference = field(form, "reference")
    try:
        plan = _plan(session, reference)
    except (privacy_service.NoReference, privacy_service.NoSubmission) as exc:
        return _admin_page(
            request, reference=reference, error=_refusal(exc), status_code=exc.status_code
        )
    # The preview shows a resident's comments: reading them is recorded like any staff view.
    audit(audit_service.AuditAction.redaction_previewed, audit_service.yard_target(plan.yard_id))
    return _admin_page(request, reference=reference, plan=plan)


@router.post("/admin/privacy/redact", response_class=HTMLResponse)
def redact(
    settings: SettingsDep, request: Request, admin: RequireAdmin, form: CheckedForm, db: DatabaseDep
) -> HTMLResponse:
    """Remove the submission's comments and photos; answers and score stay."""
    reference = field(form, "reference")
    try:
        submission_id = privacy_service.parse_reference(reference)
        with db.write_session() as write:
            done = privacy_service.redact(
                write, submission_id=submission_id, settings=settings, by_user_id=admin.id
            )
            # In the same transaction: a redaction and its audit row land together or not at all.
            audit_service.record(
                write,
                user=admin,
                action=audit_service.AuditAction.submission_redacted,
                target=audit_service.yard_target(done.plan.yard_id),
                ip=client_ip(request),
            )
    except (privacy_service.NoReference, privacy_service.NoSubmission) as exc:
        return _admin_page(
            request, reference=reference, error=_refusal(exc), status_code=exc.status_code
        )
    # Committed: now the files can go.
    privacy_service.remove_files(done.files, settings=settings)
    return _admin_page(request, done=done)
