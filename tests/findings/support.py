"""A yard's story for the findings tests: submissions sent through the intake one after
another (an hour apart, in the test's rolled-back session), and its findings read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.models import UserRole
from app.accounts.scope import Scope
from app.bodies.models import Body
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding, FindingEvent
from app.findings.permissions import Actor
from app.platform.config import Settings
from app.submissions.yard_risk import refresh_all_yard_risks
from tests.factories import new_location, store_submission

LIGHT = "lighting.at_night"  # yes 0.0 / partly 0.5 / no 1.0
DOORS = "access.entrance_doors"  # all 0.0 / some 0.5 / none 1.0
FAIL = {LIGHT: "no"}
PASS = {LIGHT: "yes"}
HALF = {LIGHT: "partly"}
# Well inside the risk window (180 days), and before the test's "now". At 06:00 UTC, so a
# story's hours and the dates taken from them stay on one day whatever the hour the suite
# runs (from 22:30 UTC a fix dated 30 minutes on fell on the next day: "in the future").
START = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=30)


class YardStory:
    """One yard of the test's own, and the submissions sent to it in order."""

    def __init__(
        self,
        session: Session,
        *,
        registry: ChecklistRegistry,
        settings: Settings,
        district: str = "almaly",
    ) -> None:
        self.session = session
        self.registry = registry
        self.settings = settings
        self.location = new_location(district)
        self.hours = 0
        self.yard_id: int | None = None

    @property
    def now(self) -> datetime:
        """The time of the latest submission."""
        return START + timedelta(hours=self.hours)

    def later(self, minutes: int = 30) -> datetime:
        """A moment after the latest submission (for staff actions between submissions)."""
        return self.now + timedelta(minutes=minutes)

    def send(
        self,
        role: str,
        answers: dict[str, str],
        *,
        version: str | None = None,
        settings: Settings | None = None,
        at: datetime | None = None,
    ) -> None:
        """Store one submission through the intake, an hour after the previous one (or
        ``at``)."""
        self.hours += 1
        overrides: dict[str, Any] = {
            "location": self.location,
            "answers": answers,
            "received_at": at or self.now,
        }
        if version is not None:
            overrides["checklist_version"] = version
        received = store_submission(
            self.session,
            registry=self.registry,
            settings=settings or self.settings,
            role=role,
            **overrides,
        )
        self.yard_id = received.submission.yard_id

    def findings(self) -> dict[str, Finding]:
        self.session.expire_all()
        rows = self.session.exec(select(Finding).where(Finding.yard_id == self.yard_id)).all()
        return {f.item_id: f for f in rows}

    def finding(self, item_id: str = LIGHT) -> Finding:
        return self.findings()[item_id]

    def events(self, item_id: str = LIGHT) -> list[FindingEvent]:
        finding = self.finding(item_id)
        return list(
            self.session.exec(
                select(FindingEvent)
                .where(FindingEvent.finding_id == finding.id)
                .order_by(col(FindingEvent.id))
            ).all()
        )

    def actions(self, item_id: str = LIGHT) -> list[str]:
        return [e.action for e in self.events(item_id)]

    def recompute(self, *, now: datetime | None = None) -> None:
        """The daily refresh of this yard (``app.findings.refresh`` does the same for all)."""
        from app.findings import service as findings_service

        def sync(yard_id: int, refreshed: Any) -> None:
            if yard_id != self.yard_id:
                return
            findings_service.sync_yard(
                self.session,
                place=findings_service.Place(
                    yard_id, refreshed.district_id, refreshed.micro_district_id
                ),
                consensus=refreshed.consensus,
                settings=self.settings,
                now=now,
            )

        refresh_all_yard_risks(
            self.session,
            registry=self.registry,
            window_days=self.settings.current_risk_window_days,
            disagreement_points=self.settings.disagreement_points,
            now=now,
            each=sync,
        )


def admin_actor(user_id: int) -> Actor:
    return Actor(user_id=user_id, role=UserRole.admin, scope=Scope(UserRole.admin, city_wide=True))


def own_bodies_only(session: Session) -> None:
    """Other tests commit bodies to the shared database: in this test's (rolled-back)
    session they are made inactive, so routing sees only the bodies the test makes."""
    session.execute(update(Body).values(active=False))
    session.flush()
