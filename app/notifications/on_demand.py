"""A staff member's digest when they ask for it (the bot's ``/digest``): the same figures
(``schedule.body_figures``, ``schedule.inspector_figures``) and the same text
(``TelegramComposer.digest``) as the scheduled one, over the findings since the latest
scheduled digest. An inspector gets their scope's; a member of bodies one per body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.models import User, UserRole
from app.bodies.models import Body, BodyMember
from app.chats.models import Chat
from app.checklists.loader import ChecklistRegistry
from app.notifications import schedule
from app.notifications.compose import NotSent
from app.notifications.telegram import TelegramComposer
from app.platform.config import Settings
from app.platform.db import table_of

_MEMBER = table_of(BodyMember)
_BODY = table_of(Body)
# With scheduled digests off, "new" means the last week's.
NO_SCHEDULE_SINCE = timedelta(days=7)


@dataclass(frozen=True)
class Digest:
    text: str
    finding_ids: list[int]  # those the text names, in its order, each once


def digests_for(
    session: Session,
    *,
    chat: Chat,
    user: User,
    settings: Settings,
    registry: ChecklistRegistry,
    now: datetime,
) -> list[Digest]:
    """The user's digests now (none when nothing needs them), in the current language."""
    found = schedule.slots(settings.digest_schedule, now)
    since = found[0] if found is not None else now - NO_SCHEDULE_SINCE
    common = {"user_id": user.id, "period": now.strftime("%d.%m.%Y"), "since": since.isoformat()}
    figures = []
    if user.role == UserRole.inspector:
        figures.append(
            schedule.inspector_figures(session, user=user, since=since, until=now, now=now)
        )
    bodies = session.execute(
        select(_MEMBER.c.body_id)
        .join(_BODY, _BODY.c.id == _MEMBER.c.body_id)
        .where(_MEMBER.c.user_id == user.id, _BODY.c.active.is_(True))
        .order_by(_MEMBER.c.body_id)
    ).scalars()
    for body_id in bodies:
        figures.append(
            schedule.body_figures(session, body_id=body_id, since=since, until=now, now=now)
        )
    composer = TelegramComposer(session, settings=settings, registry=registry, now=now)
    digests = []
    for figure in figures:
        try:
            text = composer.digest(chat, {**common, **figure})
        except NotSent:
            continue  # empty
        ids = [*figure["new"], *figure["overdue"], *figure["awaiting"]]
        digests.append(Digest(text, list(dict.fromkeys(ids))))
    return digests


def finding_line(
    session: Session,
    *,
    settings: Settings,
    registry: ChecklistRegistry,
    now: datetime,
    finding_id: int,
) -> str:
    """One finding as a digest names it: yard, question, deadline, staff link."""
    composer = TelegramComposer(session, settings=settings, registry=registry, now=now)
    return composer.letters._digest_line(finding_id)
