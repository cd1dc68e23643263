"""The admins' /admin/outbox: how many messages wait, are being sent, were sent, given up or
skipped (per kind too), the given-up and skipped ones newest first, and "retry now" for a
message given up after a failure (written to the audit log in the retry's transaction).

Recipients are shown masked (``a•••@akimat.example``) and error texts with any address in
them masked too; payloads (the letters' contents) are never shown. Admins only."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import security
from app.areas.trend import ALMATY
from app.audit import service as audit
from app.channels.staff.forms import CheckedForm, binding, client_ip, no_store
from app.channels.web.auth_deps import RequireAdmin, secret_of
from app.notifications import recipients
from app.outbox import status
from app.platform.db import DatabaseDep, SessionDep, parse_row_id
from app.platform.errors import Invalid, NotFound
from app.platform.templating import render
from app.platform.translations import gettext

router = APIRouter(include_in_schema=False)
_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def kind_labels() -> dict[str, str]:
    """Each kind of message in the reader's language (the code stays beside it)."""
    return {
        "finding.to_body": gettext("Finding sent to its body"),
        "finding.reaudit": gettext("Re-audit reminder"),
        "digest.body": gettext("Digest for a body"),
        "digest.inspector": gettext("Digest for an inspector"),
        "mail.note": gettext("Test message"),
    }


def masked_error(text: str | None) -> str:
    """The error as the sender recorded it, every address in it masked (a refusing server
    names the recipient)."""
    return _ADDRESS.sub(lambda m: status.mask_address(m.group(0)), text or "")


def _when(moment: Any) -> str:
    return moment.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _page_number(text: str | None) -> int:
    if not text:
        return 1
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 100_000:
        raise Invalid(gettext("The page must be a number from 1."))
    return int(text)


@router.get("/admin/outbox", response_class=HTMLResponse)
def outbox_page(
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    page: str | None = None,
    retried: str | None = None,
) -> Response:
    number = _page_number(page)
    rows, total = status.problems(session, page=number)
    addresses = recipients.addresses(session, payloads=[row.payload for row in rows])
    pages = max(1, -(-total // status.PAGE_SIZE))
    context: dict[str, Any] = {
        "counts": status.counts(session),
        "states": status.STATES,
        "kind_labels": kind_labels(),
        "rows": [
            {
                "id": row.id,
                "kind": row.kind,
                "created": _when(row.created_at),
                "failed": _when(row.failed_at),
                "attempts": row.attempts,
                "error": masked_error(row.last_error),
                "to": status.mask_address(address),
                "retryable": row.failed,
            }
            for row, address in zip(rows, addresses, strict=True)
        ],
        "total": total,
        "page": number,
        "pages": pages,
        "previous_url": f"?page={number - 1}" if number > 1 else None,
        "next_url": f"?page={number + 1}" if number < pages else None,
        "retried": parse_row_id(retried) if retried else None,
        "csrf_token": security.csrf_token(secret_of(request), binding(request) or ""),
    }
    return no_store(render(request, "admin/outbox.html", context))


@router.post("/admin/outbox/{message_id}/retry", response_class=HTMLResponse)
def retry_message(
    request: Request, message_id: str, admin: RequireAdmin, form: CheckedForm, db: DatabaseDep
) -> Response:
    """Put a given-up message back to due now; the sender takes it at its next pass."""
    row_id = parse_row_id(message_id)
    if row_id is None:
        raise NotFound(gettext("There is no message %(id)s in the outbox.", id=message_id[:20]))
    with db.write_session() as write:
        status.retry(write, message_id=row_id)
        audit.record(
            write,
            user=admin,
            action=audit.AuditAction.outbox_retried,
            target=f"outbox:{row_id}",
            ip=client_ip(request),
        )
    return RedirectResponse(f"/admin/outbox?retried={row_id}", status_code=303)
