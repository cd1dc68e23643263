"""What the sender enqueues by the clock: digests per body and per inspector on the schedule
(``SAFEYARD_DIGEST_SCHEDULE``, Asia/Almaty time), and the second re-audit reminder for fixes
still unverified after ``SAFEYARD_REAUDIT_REMINDER_DAYS``.

Each digest's key names its recipient and its slot (``digest:body:{id}:{2026-12-07T09}``), so
a sender that runs every minute, restarts, or runs on two hosts enqueues it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.accounts.models import User, UserDistrict, UserMicroDistrict, UserRole
from app.bodies.models import Body, BodyChannel
from app.findings import notices
from app.findings.models import ACTIVE_STATES, Finding, FindingState
from app.notifications import chat_digests
from app.notifications.compose import DIGEST_BODY, DIGEST_INSPECTOR
from app.notifications.letters import ALMATY
from app.outbox import service as outbox
from app.platform.config import Settings
from app.platform.db import table_of

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Findings named in one section of a digest (the rest are counted).
DIGEST_LINES = 20
_FINDING = table_of(Finding)
_DISTRICTS = table_of(UserDistrict)
_AREAS = table_of(UserMicroDistrict)
_ACTIVE = [s.value for s in ACTIVE_STATES]


def parse_schedule(text: str) -> tuple[frozenset[int], int] | None:
    """'mon,thu 9' -> ({0, 3}, 9); 'daily 9' -> every day; 'off' -> None."""
    words = text.split()
    if words == ["off"]:
        return None
    days_text, hour_text = words
    days = (
        frozenset(range(7))
        if days_text == "daily"
        else frozenset(WEEKDAYS.index(d) for d in days_text.split(","))
    )
    return days, int(hour_text)


def slots(schedule: str, now: datetime) -> tuple[datetime, datetime] | None:
    """The latest scheduled moment at or before ``now`` and the one before it (the period a
    digest covers), in UTC; None when digests are off."""
    parsed = parse_schedule(schedule)
    if parsed is None:
        return None
    days, hour = parsed
    local = now.astimezone(ALMATY)
    found: list[datetime] = []
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    for _ in range(15):
        if moment <= local and moment.weekday() in days:
            found.append(moment)
            if len(found) == 2:
                break
        moment -= timedelta(days=1)
    latest, previous = found[0], found[1]
    return latest, previous


def _section(session: Session, where: list[Any]) -> tuple[list[int], int]:
    ids = session.execute(
        select(_FINDING.c.id).where(*where).order_by(_FINDING.c.id).limit(DIGEST_LINES)
    ).scalars()
    count = session.execute(select(func.count()).select_from(_FINDING).where(*where)).scalar_one()
    return list(ids), int(count)


def _figures(
    session: Session, scope: list[Any], *, new: list[Any], now: datetime
) -> dict[str, Any]:
    c = _FINDING.c
    sections = {
        "new": [*scope, *new],
        "overdue": [*scope, c.confirmed.is_(True), c.state.in_(_ACTIVE), c.deadline_at < now],
        "awaiting": [*scope, c.state == FindingState.fix_reported.value],
    }
    figures: dict[str, Any] = {"counts": {}}
    for key, where in sections.items():
        figures[key], figures["counts"][key] = _section(session, where)
    return figures


def body_figures(
    session: Session, *, body_id: str, since: datetime, until: datetime, now: datetime
) -> dict[str, Any]:
    """A body's digest figures: findings sent to it in [since, until), past their deadline,
    fixes awaiting verification (also the bot's /digest on demand)."""
    c = _FINDING.c
    return _figures(
        session,
        [c.body_id == body_id],
        new=[c.state.in_(_ACTIVE), c.sent_at >= since, c.sent_at < until],
        now=now,
    )


def inspector_figures(
    session: Session, *, user: User, since: datetime, until: datetime, now: datetime
) -> dict[str, Any]:
    """An inspector's digest figures over their districts and micro-districts (the city when
    city-wide): findings confirmed in [since, until), overdue, awaiting verification."""
    c = _FINDING.c
    scope: list[Any] = []
    if not user.city_wide:
        districts = select(_DISTRICTS.c.district_id).where(_DISTRICTS.c.user_id == user.id)
        areas = select(_AREAS.c.micro_district_id).where(_AREAS.c.user_id == user.id)
        scope = [or_(c.district_id.in_(districts), c.micro_district_id.in_(areas))]
    return _figures(
        session,
        scope,
        new=[c.confirmed.is_(True), c.confirmed_at >= since, c.confirmed_at < until],
        now=now,
    )


def enqueue_digests(session: Session, *, settings: Settings, now: datetime) -> int:
    """Enqueue the digests of the latest scheduled moment not yet enqueued; returns how many
    were enqueued. An empty one is enqueued too (and recorded as not sent): the key says the
    recipient's digest of that moment was made, so no later pass computes it again."""
    found = slots(settings.digest_schedule, now)
    if found is None:
        return 0
    slot, since = found
    period = slot.strftime("%Y-%m-%dT%H")
    common = {"period": slot.strftime("%d.%m.%Y"), "since": since.isoformat()}
    made = 0
    done = outbox.keys_like(session, pattern=f"digest:%:{period}")
    bodies = session.execute(
        select(Body).where(
            Body.active.is_(True),  # type: ignore[attr-defined]
            Body.channel == BodyChannel.email,  # type: ignore[arg-type]
            Body.email.is_not(None),  # type: ignore[union-attr]
        )
    ).scalars()
    for body in bodies.all():
        key = f"digest:body:{body.id}:{period}"
        if key in done:
            continue
        figures = body_figures(session, body_id=body.id, since=since, until=slot, now=now)
        made += outbox.enqueue(
            session,
            kind=DIGEST_BODY,
            payload={"body_id": body.id, **common, **figures},
            dedupe_key=key,
        )
    inspectors = session.execute(
        select(User).where(
            User.role == UserRole.inspector,  # type: ignore[arg-type]
            User.active.is_(True),  # type: ignore[attr-defined]
        )
    ).scalars()
    for user in inspectors.all():
        key = f"digest:inspector:{user.id}:{period}"
        if key in done:
            continue
        figures = inspector_figures(session, user=user, since=since, until=slot, now=now)
        made += outbox.enqueue(
            session,
            kind=DIGEST_INSPECTOR,
            payload={"user_id": user.id, **common, **figures},
            dedupe_key=key,
        )
    return made


def enqueue_second_reminders(session: Session, *, settings: Settings, now: datetime) -> int:
    """Remind the district's inspectors again of fixes still unverified after the set days."""
    before = now - timedelta(days=settings.reaudit_reminder_days)
    return sum(
        notices.remind_reaudit(session, finding=finding, round_no=2)
        for finding in notices.unverified_fixes(session, reported_before=before)
    )


def enqueue_scheduled(session: Session, *, settings: Settings, now: datetime) -> int:
    """Everything due by the clock; returns how many messages were enqueued."""
    made = enqueue_digests(session, settings=settings, now=now)
    found = slots(settings.digest_schedule, now)
    if found is not None:
        # The staff with a linked Telegram chat get the slot's digest there too.
        period = chat_digests.slot_period(found[0])
        made += chat_digests.enqueue_chat_digests(session, period=period)
    return made + enqueue_second_reminders(session, settings=settings, now=now)
