"""What the outbox holds, for the admins' /admin/outbox: counts by state and kind, the
messages that were given up or skipped (newest first), and "retry now" for a given-up one.

A message's state, from its row:
- ``sent``: ``sent_at`` set;
- ``failed``: given up after a refused address or too many attempts (``failed_at`` set, its
  ``last_error`` starting as the sender writes those: "refused: ", "gave up after ");
- ``skipped``: never to be sent (``failed_at`` set otherwise): a demo body or address, a
  finding that moved on, nothing to report (``app.notifications.sender`` records these as
  skipped); ``demo`` counts those skipped for a demo recipient;
- ``in_flight``: leased to a sender now (``leased_until`` in the future);
- ``waiting``: the rest (due now, or backing off after a temporary failure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlmodel import Session

from app.outbox.models import OutboxMessage
from app.platform.db import table_of, utcnow
from app.platform.errors import Conflict, NotFound
from app.platform.translations import gettext

_OUTBOX = table_of(OutboxMessage)
PAGE_SIZE = 50
STATES = ("waiting", "in_flight", "sent", "failed", "skipped")
# How app.notifications.sender words what it gives up (refused, or out of attempts) and the
# skip of a demo recipient; every other given-up message was skipped on purpose.
FAILED_PREFIXES = ("refused:", "gave up after")
DEMO_ERROR = "skipped: a demo body or address"


def _is_failed() -> ColumnElement[bool]:
    c = _OUTBOX.c
    return and_(
        c.failed_at.is_not(None),
        or_(*(c.last_error.like(prefix + "%") for prefix in FAILED_PREFIXES)),
    )


def _state(now: datetime) -> Any:
    c = _OUTBOX.c
    return case(
        (c.sent_at.is_not(None), "sent"),
        (_is_failed(), "failed"),
        (c.failed_at.is_not(None), "skipped"),
        (c.leased_until > now, "in_flight"),
        else_="waiting",
    )


@dataclass(frozen=True)
class Counts:
    states: dict[str, int]  # every state of STATES
    demo: int  # of the skipped, those for a demo body or address
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> state -> n

    @property
    def total(self) -> int:
        return sum(self.states.values())


def counts(session: Session, *, now: datetime | None = None) -> Counts:
    """The messages per state, and per kind and state (kinds by name)."""
    state = _state(now or utcnow())
    rows = session.execute(
        select(_OUTBOX.c.kind, state, func.count()).group_by(_OUTBOX.c.kind, state)
    ).all()
    states = dict.fromkeys(STATES, 0)
    kinds: dict[str, dict[str, int]] = {}
    for kind, name, n in rows:
        states[name] += n
        kinds.setdefault(kind, dict.fromkeys(STATES, 0))[name] += n
    demo = session.execute(
        select(func.count()).where(
            _OUTBOX.c.failed_at.is_not(None), _OUTBOX.c.last_error == DEMO_ERROR
        )
    ).scalar_one()
    return Counts(states=states, demo=int(demo), kinds=dict(sorted(kinds.items())))


@dataclass(frozen=True)
class Problem:
    """A message given up or skipped, as the page lists it (its payload stays unread here:
    the recipient is looked up and masked by the caller)."""

    id: int
    kind: str
    created_at: datetime
    failed_at: datetime
    attempts: int
    last_error: str | None
    failed: bool  # True: given up (may be retried); False: skipped
    payload: dict[str, Any]


def problems(session: Session, *, page: int = 1) -> tuple[list[Problem], int]:
    """One page (``PAGE_SIZE``) of the messages given up or skipped, newest first, and how
    many there are in all."""
    c = _OUTBOX.c
    given_up = c.failed_at.is_not(None)
    total = session.execute(select(func.count()).where(given_up)).scalar_one()
    rows = session.execute(
        select(
            c.id,
            c.kind,
            c.created_at,
            c.failed_at,
            c.attempts,
            c.last_error,
            c.payload,
            _is_failed().label("failed"),
        )
        .where(given_up)
        .order_by(c.failed_at.desc(), c.id.desc())
        .limit(PAGE_SIZE)
        .offset(PAGE_SIZE * (max(1, page) - 1))
    ).all()
    found = [
        Problem(
            id=row.id,
            kind=row.kind,
            created_at=row.created_at,
            failed_at=row.failed_at,
            attempts=row.attempts,
            last_error=row.last_error,
            failed=bool(row.failed),
            payload=dict(row.payload or {}),
        )
        for row in rows
    ]
    return found, int(total)


def retry(session: Session, *, message_id: int) -> OutboxMessage:
    """Put a given-up message back to due now, with its attempts counted afresh (it keeps its
    Message-ID, so a receiver that had it sees the same letter). ``NotFound`` for no such
    message; ``Conflict`` for one sent, waiting, or skipped on purpose (a demo address
    never receives mail)."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(gettext("There is no message %(id)s in the outbox.", id=message_id))
    if message.failed_at is None or not _has_failed_error(message.last_error):
        raise Conflict(
            gettext(
                "Message %(id)s was not given up after a failure, so there is nothing to "
                "retry: only messages refused or out of attempts can be sent again.",
                id=message_id,
            )
        )
    session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == message_id)
        .values(
            failed_at=None,
            next_attempt_at=None,
            attempts=0,
            lease_owner=None,
            leased_until=None,
        )
    )
    session.flush()
    session.refresh(message)
    return message


def _has_failed_error(error: str | None) -> bool:
    return bool(error) and any(str(error).startswith(p) for p in FAILED_PREFIXES)


def mask_address(address: str | None) -> str:
    """``a•••@akimat.example``: the first character of the local part and the domain; no
    address: an empty string. The page never shows a whole recipient address."""
    if not address:
        return ""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "•••"
    return f"{local[0]}•••@{domain}"
