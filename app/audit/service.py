"""Record and read the audit log. ``record`` adds one row to the caller's session and never
commits; the caller's transaction does, so a row is stored exactly when the request's work is.

Targets name what was opened, never a capability: a yard by its number, a report by its kind
and yard, an export by its name. A submission id (a UUID) is refused outright.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, func, select

from app.accounts.models import User
from app.audit.models import AuditEvent

PAGE_SIZE = 50
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class AuditAction(StrEnum):
    login = "login"
    second_factor_enrolled = "second_factor.enrol"
    password_changed = "password.change"
    yard_viewed = "yard.view"
    area_viewed = "area.view"
    district_month_viewed = "district.monthly"
    map_yards_viewed = "map.yards"
    report_downloaded = "report.download"
    export_downloaded = "export.download"
    audit_viewed = "audit.view"
    user_created = "user.create"
    user_changed = "user.update"
    password_reset = "user.password_reset"
    second_factor_reset = "user.second_factor_reset"
    # For the personal-data and photo pages (other modules): target the yard, never the
    # submission or photo id.
    submission_redacted = "submission.redact"
    redaction_previewed = "submission.redact_preview"  # an admin read a resident's free text
    photos_viewed = "photos.view"
    photo_moderated = "photo.moderate"
    body_changed = "body.update"  # a responsible body, its items, yards or members (admin)
    outbox_retried = "outbox.retry"  # a given-up message put back to due (admin)
    # Staff Telegram links (app.chats): target the account, never the code or the chat id.
    telegram_code_issued = "telegram.code"
    telegram_linked = "telegram.link"
    telegram_unlinked = "telegram.unlink"


def yard_target(yard_id: int) -> str:
    return f"yard:{yard_id}"


def report_target(kind: str, *, yard_id: int | None = None, area: str | None = None) -> str:
    """``report:submission:yard:12`` (never the submission's id), ``report:district:X:2026-11``."""
    return f"report:{kind}:yard:{yard_id}" if yard_id is not None else f"report:{kind}:{area}"


def export_target(name: str, *, scope: str = "") -> str:
    return f"export:{name}" + (f":{scope}" if scope else "")


def area_target(micro_district_id: str) -> str:
    return f"micro-district:{micro_district_id}"


def district_target(district_id: str, month: str) -> str:
    return f"district:{district_id}:{month}"


def user_target(user_id: int | None) -> str:
    return f"user:{user_id}"


class UnsafeTarget(ValueError):
    """A programming error: an audit target would have stored a capability or raw input."""


def record(
    session: Session, *, user: User | None, action: AuditAction, target: str, ip: str = ""
) -> AuditEvent:
    """Add one audit row (flushed, not committed). Raises UnsafeTarget for a target holding
    a UUID or a control character, so a capability never reaches the log."""
    if _UUID.search(target) or _UNSAFE.search(target):
        raise UnsafeTarget(f"refused audit target for {action}")
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        action=str(action),
        target=target[:200],
        ip=ip[:64],
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class Filters:
    user_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Row:
    at: datetime
    email: str
    action: str
    target: str
    ip: str


def _query(filters: Filters) -> Any:
    query = select(AuditEvent, User.email).join(
        User, col(User.id) == col(AuditEvent.user_id), isouter=True
    )
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        query = query.where(col(AuditEvent.at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(AuditEvent.at) < filters.until)
    return query


def _rows(results: Iterable[tuple[AuditEvent, str | None]]) -> list[Row]:
    return [Row(e.at, email or "", e.action, e.target, e.ip) for e, email in results]


def count_events(session: Session, *, filters: Filters) -> int:
    subquery = _query(filters).subquery()
    return session.exec(select(func.count()).select_from(subquery)).one()


def list_events(session: Session, *, filters: Filters, page: int = 1) -> list[Row]:
    """One page of events, newest first."""
    query = (
        _query(filters)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return _rows(session.exec(query))


def events_csv(session: Session, *, filters: Filters) -> str:
    """Every matching event as CSV, newest first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at_utc", "user", "action", "target", "ip"])
    query = _query(filters).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    for row in _rows(session.exec(query)):
        # A leading =, +, - or @ would be a formula in a spreadsheet.
        writer.writerow(
            [
                row.at.isoformat(timespec="seconds"),
                _cell(row.email),
                row.action,
                _cell(row.target),
                row.ip,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
