"""Who an outbox message goes to, as ``app.notifications.compose`` addresses it: the
payload's ``to`` (a plain note), else its body's address (``body_id``: a finding sent to its
body, a body's digest), else its account's (``user_id``: re-audit reminders, an inspector's
digest). Read for the admins' outbox page, which shows the address masked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.models import User
from app.bodies.models import Body
from app.platform.db import table_of

_BODY = table_of(Body)
_USER = table_of(User)


def addresses(session: Session, *, payloads: Iterable[Mapping[str, Any]]) -> list[str | None]:
    """Each payload's recipient address, in order (None: no address known now), with one
    look-up of the bodies and one of the accounts."""
    listed = list(payloads)
    body_ids = {str(p["body_id"]) for p in listed if "to" not in p and p.get("body_id")}
    user_ids = {
        int(p["user_id"])
        for p in listed
        if "to" not in p and not p.get("body_id") and str(p.get("user_id", "")).isdigit()
    }
    bodies: dict[str, str | None] = {}
    if body_ids:
        rows = session.execute(
            select(_BODY.c.id, _BODY.c.email).where(_BODY.c.id.in_(sorted(body_ids)))
        )
        bodies = {row.id: row.email for row in rows}
    users: dict[int, str | None] = {}
    if user_ids:
        rows = session.execute(
            select(_USER.c.id, _USER.c.email).where(_USER.c.id.in_(sorted(user_ids)))
        )
        users = {row.id: row.email for row in rows}

    def one(payload: Mapping[str, Any]) -> str | None:
        if "to" in payload:
            return str(payload["to"]) if payload["to"] else None
        if payload.get("body_id"):
            return bodies.get(str(payload["body_id"]))
        if str(payload.get("user_id", "")).isdigit():
            return users.get(int(payload["user_id"]))
        return None

    return [one(p) for p in listed]
