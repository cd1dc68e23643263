"""The messages a finding's change of state puts in the outbox for the chats that follow it
(a resident who reported it in the bot), in the transaction of the change.

One message per chat and history entry (key ``telegram:finding:{id}:event:{event}:chat:{chat}``):
a retried change enqueues it once. Only a change of state is told (an assignment or a
re-audit request is not), and the report's accept, which keeps the state open but makes it
public. Delivered by ``app.notifications.telegram``; the payload carries the chat's internal
id, never the Telegram id.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlmodel import Session

from app.chats import service as chats
from app.findings.models import Finding, FindingEvent
from app.outbox import service as outbox
from app.platform.db import table_of

FINDING_STATE = "telegram.finding_state"

_EVENT = table_of(FindingEvent)
_FINDING = table_of(Finding)


def after_change(session: Session, *, finding_ids: Iterable[int], force: bool = False) -> int:
    """Enqueue "your report's state changed" for each chat following these findings whose
    latest history entry changed the state (``force``: whatever it did); returns how many."""
    ids = sorted(set(finding_ids))
    following = chats.subscribers(session, finding_ids=ids)
    if not following:
        return 0
    latest = (
        select(_EVENT.c.finding_id, func.max(_EVENT.c.id).label("event_id"))
        .where(_EVENT.c.finding_id.in_(sorted({f for f, _, _ in following})))
        .group_by(_EVENT.c.finding_id)
        .subquery()
    )
    events = {
        row.finding_id: row
        for row in session.execute(
            select(
                _EVENT.c.finding_id,
                _EVENT.c.id,
                _EVENT.c.from_state,
                _EVENT.c.to_state,
                _EVENT.c.action,
            ).join(latest, latest.c.event_id == _EVENT.c.id)
        )
    }
    made = 0
    for finding_id, chat_id, lang in following:
        event = events.get(finding_id)
        if event is None or not (force or event.from_state != event.to_state):
            continue
        made += outbox.enqueue(
            session,
            kind=FINDING_STATE,
            payload={
                "chat_id": chat_id,
                "finding_id": finding_id,
                "state": event.to_state,
                "action": event.action,
                "lang": lang or "ru",
            },
            dedupe_key=f"telegram:finding:{finding_id}:event:{event.id}:chat:{chat_id}",
        )
    return made


def after_events(session: Session, *, events: Iterable[dict[str, object]]) -> int:
    """The same for history entries just written in bulk (the intake's sync): the findings
    whose entries changed the state."""
    changed = [
        int(e["finding_id"])  # type: ignore[call-overload]
        for e in events
        if e.get("from_state") != e.get("to_state")
    ]
    return after_change(session, finding_ids=changed) if changed else 0
