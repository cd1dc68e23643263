"""The findings of the large benchmark database (``bench.large``): the demo's bodies, every
yard's findings synced by the real ``sync_yard`` as its risk row is built, the demo's
cooperatives linked to a third of the yards, and the confirmed findings moved along the loop
(sent, in progress, fix reported, some past their deadline) so the queues have work of every
kind to show."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.demo import bodies as demo_bodies
from app.findings import service as findings_service
from app.findings import summary
from app.findings.models import Finding, FindingState
from app.platform.config import Settings
from app.platform.db import table_of
from app.submissions.yard_risk import Refreshed

FINDING = table_of(Finding)
# Of the confirmed findings: share sent, in progress, fix reported (the rest stay open).
PROGRESS = ((FindingState.sent, 0.35), (FindingState.in_progress, 0.15))
FIX_REPORTED = 0.1


def load_bodies(session: Session, *, registry: ChecklistRegistry) -> None:
    demo_bodies.load_demo_bodies(session, registry=registry)
    session.flush()


def syncer(
    session: Session, *, settings: Settings, now: datetime
) -> Callable[[int, Refreshed], None]:
    """``each`` for ``refresh_all_yard_risks``: the yard's findings, as the daily refresh."""

    def sync(yard_id: int, refreshed: Refreshed) -> None:
        findings_service.sync_yard(
            session,
            place=findings_service.Place(
                yard_id, refreshed.district_id, refreshed.micro_district_id
            ),
            consensus=refreshed.consensus,
            settings=settings,
            now=now,
        )

    return sync


def link_and_progress(
    session: Session, *, registry: ChecklistRegistry, settings: Settings, seed: int, now: datetime
) -> dict[str, int]:
    """Cooperatives for a third of the yards, then the confirmed findings moved along: each
    sent some days ago, so some are past their deadline; then every yard's summary row
    (``yard_findings``) again, as the bulk update bypassed it. Returns counts by state."""
    demo_bodies.link_cooperatives(session, registry=registry, settings=settings, seed=seed)
    rng = random.Random(seed)
    rows = session.execute(
        select(FINDING.c.id).where(FINDING.c.confirmed.is_(True)).order_by(FINDING.c.id)
    ).scalars()
    updates = []
    for finding_id in rows:
        draw = rng.random()
        sent = now - timedelta(days=rng.randint(1, 60))
        state = FindingState.open
        for candidate, share in PROGRESS:
            if draw < share:
                state = candidate
                break
            draw -= share
        else:
            if draw < FIX_REPORTED:
                state = FindingState.fix_reported
        if state == FindingState.open:
            continue
        updates.append(
            {
                "finding_id": finding_id,
                "state": state,
                "sent_at": sent,
                "deadline_at": sent + timedelta(days=30),
                "fix_reported_at": now - timedelta(days=1)
                if state == FindingState.fix_reported
                else None,
            }
        )
    if updates:
        session.execute(
            FINDING.update()
            .where(FINDING.c.id == bindparam("finding_id"))
            .values(
                state=bindparam("state"),
                sent_at=bindparam("sent_at"),
                deadline_at=bindparam("deadline_at"),
                fix_reported_at=bindparam("fix_reported_at"),
            ),
            updates,
        )
    summary.rebuild_all(session.connection())
    found = session.execute(select(FINDING.c.state, FINDING.c.id).order_by(FINDING.c.state)).all()
    counts: dict[str, int] = {}
    for state, _ in found:
        counts[state] = counts.get(state, 0) + 1
    return counts
