"""/admin/audit: the audit log for admins, filtered by user, action and dates (Almaty days),
a page at a time, and the same selection as CSV."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts import service as accounts_service
from app.areas.trend import ALMATY
from app.audit import service
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth_deps import RequireAdmin
from app.platform.db import SessionDep, parse_row_id
from app.platform.errors import Invalid
from app.platform.templating import render
from app.platform.translations import gettext

router = APIRouter(include_in_schema=False)


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise Invalid(
            gettext(
                "“%(value)s” is not a date. Write it as YYYY-MM-DD, for example 2026-12-01.",
                value=text[:20],
            ),
            details=[{"field": name, "message": "not a date"}],
        ) from None


def _filters(
    user: str | None, action: str | None, since: str | None, until: str | None
) -> service.Filters:
    user_id = parse_row_id(user) if user else None
    if user and user_id is None:
        raise Invalid(gettext("Choose a user from the list."))
    if action and action not in {a.value for a in service.AuditAction}:
        raise Invalid(gettext("Choose an action from the list."))
    start, end = _day(since, "from"), _day(until, "to")
    return service.Filters(
        user_id=user_id,
        action=action or None,
        since=datetime(start.year, start.month, start.day, tzinfo=ALMATY) if start else None,
        # "to" is the last day shown, whole.
        until=datetime(end.year, end.month, end.day, tzinfo=ALMATY) + timedelta(days=1)
        if end
        else None,
    )


def action_labels() -> dict[str, str]:
    """Each action in the reader's language (the stored code stays in the CSV)."""
    return {
        service.AuditAction("login"): gettext("Signed in"),
        service.AuditAction("second_factor.enrol"): gettext("Second factor set up"),
        service.AuditAction("password.change"): gettext("Password changed"),
        service.AuditAction("yard.view"): gettext("Yard opened"),
        service.AuditAction("area.view"): gettext("Area opened"),
        service.AuditAction("district.monthly"): gettext("Monthly summary opened"),
        service.AuditAction("map.yards"): gettext("Yards on the map"),
        service.AuditAction("report.download"): gettext("Report downloaded"),
        service.AuditAction("export.download"): gettext("Export downloaded"),
        service.AuditAction("audit.view"): gettext("Audit log read"),
        service.AuditAction("user.create"): gettext("User created"),
        service.AuditAction("user.update"): gettext("User changed"),
        service.AuditAction("user.password_reset"): gettext("Password reset"),
        service.AuditAction("user.second_factor_reset"): gettext("Second factor reset"),
        service.AuditAction("submission.redact"): gettext("Resident's data deleted"),
        service.AuditAction("submission.redact_preview"): gettext(
            "Resident's data shown before deletion"
        ),
        service.AuditAction("photos.view"): gettext("Photos opened"),
        service.AuditAction("photo.moderate"): gettext("Photo checked"),
        service.AuditAction("body.update"): gettext("Responsible body changed"),
        service.AuditAction("outbox.retry"): gettext("Outbox message put back to send"),
        service.AuditAction("telegram.code"): gettext("Telegram link code issued"),
        service.AuditAction("telegram.link"): gettext("Telegram chat linked"),
        service.AuditAction("telegram.unlink"): gettext("Telegram chat unlinked"),
    }


def _page_number(text: str | None) -> int:
    if not text:
        return 1
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 100_000:
        raise Invalid(gettext("The page must be a number from 1."))
    return int(text)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    audit: AuditDep,
    user: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    filters = _filters(user, action, since, until)
    number = _page_number(page)
    # Reading the log is itself logged (the action filter is checked above: no raw input).
    audit(service.AuditAction.audit_viewed, f"audit:{action or 'all'}")
    total = service.count_events(session, filters=filters)
    query = {"user": user or "", "action": action or "", "since": since or "", "until": until or ""}
    pages = max(1, -(-total // service.PAGE_SIZE))
    context: dict[str, Any] = {
        "rows": [
            (row, row.at.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M:%S"))
            for row in service.list_events(session, filters=filters, page=number)
        ],
        "total": total,
        "page": number,
        "pages": pages,
        "query": query,
        "users": accounts_service.list_users(session),
        "actions": [a.value for a in service.AuditAction],
        "action_labels": action_labels(),
        "previous_url": f"?{urlencode({**query, 'page': number - 1})}" if number > 1 else None,
        "next_url": f"?{urlencode({**query, 'page': number + 1})}" if number < pages else None,
        "csv_url": f"/admin/audit.csv?{urlencode(query)}",
    }
    return render(request, "admin/audit.html", context)


@router.get("/admin/audit.csv", response_class=Response)
def audit_csv(
    session: SessionDep,
    admin: RequireAdmin,
    audit: AuditDep,
    user: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    """Every event of the selection (times in UTC), newest first."""
    body = service.events_csv(session, filters=_filters(user, action, since, until))
    audit(service.AuditAction.export_downloaded, service.export_target("audit.csv"))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="safeyard-audit.csv"',
            "Cache-Control": "no-store",
        },
    )
