"""Findings committed to the notifications tests' own database, and reading what the sender
and the SMTP server did."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from app.bodies.models import Body, BodyChannel, BodyItem, BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding, FindingEvent
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.db import Database
from tests.findings.support import FAIL, LIGHT, YardStory

__all__ = ["FAIL", "LIGHT", "committed_story", "only_body", "outbox_rows", "text_of"]


def only_body(
    db: Database,
    *,
    channel: str = BodyChannel.email,
    synthetic: bool = False,
    email: str | None = None,
    kind: BodyKind = BodyKind.akimat_housing,
    items: tuple[str, ...] = (LIGHT,),
    deactivate_others: bool = True,
) -> Body:
    """A body of Almaly answering for ``items`` (the only active one unless told), committed."""
    body_id = f"mail-{kind.value}-{uuid.uuid4().hex[:8]}"
    with db.write_session() as session:
        if deactivate_others:
            session.execute(update(Body).values(active=False))
        body = Body(
            id=body_id,
            district_id="almaly",
            kind=kind,
            name="ГУ «Управление жилищной политики Алмалинского района»",
            name_kk="Алмалы ауданының тұрғын үй саясаты басқармасы",
            channel=channel,
            email=email or f"{body_id}@akimat-almaty.kz",
            deadline_days=14,
            synthetic=synthetic,
        )
        session.add(body)
        session.flush()
        for item_id in items:
            session.add(BodyItem(body_id=body_id, item_id=item_id))
    return body


def committed_story(
    db: Database, *, registry: ChecklistRegistry, settings: Settings, answers: dict[str, str]
) -> YardStory:
    """One inspector audit of a new yard (its finding confirmed at once), committed."""
    with db.write_session() as session:
        story = YardStory(session, registry=registry, settings=settings)
        story.send("inspector", answers)
    return story


def finding_of(db: Database, story: YardStory, item_id: str = LIGHT) -> Finding:
    with db.session() as session:
        found = session.execute(
            select(Finding).where(Finding.yard_id == story.yard_id, Finding.item_id == item_id)
        ).scalar_one()
        return found


def events_of(db: Database, finding_id: int) -> list[FindingEvent]:
    with db.session() as session:
        return list(
            session.execute(
                select(FindingEvent)
                .where(FindingEvent.finding_id == finding_id)
                .order_by(FindingEvent.id)  # type: ignore[arg-type]
            ).scalars()
        )


def outbox_rows(db: Database, *, key_prefix: str) -> list[OutboxMessage]:
    with db.session() as session:
        return list(
            session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.dedupe_key.startswith(key_prefix))  # type: ignore[attr-defined]
                .order_by(OutboxMessage.id)  # type: ignore[arg-type]
            ).scalars()
        )


def text_of(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML of a received message."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


def session_of(db: Database) -> Session:
    return db.session()


def payload(row: OutboxMessage) -> dict[str, Any]:
    return dict(row.payload)
