"""Committed findings for the Open311 tests, built through the intake: a finding sent and
reported fixed (its note, photo and the body's reference kept from the public), one fixed
and verified by a later audit, one unconfirmed, one withdrawn and one on a demo yard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from app.accounts.models import UserRole
from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.models import Finding
from app.platform.config import Settings
from app.platform.db import Database
from app.yards.models import Yard
from tests.factories import create_user, new_location, store_submission
from tests.findings.support import FAIL, LIGHT, PASS, admin_actor
from tests.findings_factories import link_cooperative, new_body

SECRET_NOTE = "Ключ у Айгуль из кв. 12"
REFERENCE = "ЖТ-777-SECRET"
TYPED_ADDRESS = "ул. Секретная 5, кв. 3"
PHOTO = "after-secret.jpg"
BODY_NAMES = {"ru": "КСК «Ақ жол»", "kk": "«Ақ жол» ПИК", "en": "Ak Zhol cooperative"}


@dataclass(frozen=True)
class Story:
    fixed: int  # confirmed, sent, fix reported: open
    verified: int  # confirmed, fixed, verified by a later audit: closed
    unconfirmed: int
    withdrawn: int
    demo: int  # confirmed, on a synthetic yard
    points: dict[int, tuple[float, float]]  # finding id -> its yard's stored point
    body_id: str

    @property
    def public(self) -> list[int]:
        return [self.fixed, self.verified]

    @property
    def hidden(self) -> list[int]:
        return [self.unconfirmed, self.withdrawn, self.demo]


def _finding(session: Session, yard_id: int) -> Finding:
    return session.exec(select(Finding).where(Finding.yard_id == yard_id)).one()


def build_story(db: Database, registry: ChecklistRegistry, settings: Settings) -> Story:
    admin = create_user(db, role=UserRole.admin)
    assert admin.id is not None
    actor = admin_actor(admin.id)
    now = datetime.now(UTC).replace(microsecond=0)
    with db.write_session() as session:
        body = new_body(session, kind=BodyKind.cooperative, items=[LIGHT], name=BODY_NAMES["ru"])
        body.name_kk, body.name_en = BODY_NAMES["kk"], BODY_NAMES["en"]
        session.add(body)
        points: dict[int, tuple[float, float]] = {}

        def yard(at: datetime, *, role: str = "inspector") -> tuple[int, dict[str, float]]:
            where = new_location()
            if role == "inspector":
                # The yard first (its typed address too), then its cooperative: routing's
                # first step, whatever bodies other tests made; then the failing audit.
                first = store_submission(
                    session,
                    registry=registry,
                    settings=settings,
                    location=where,
                    answers=PASS,
                    address=TYPED_ADDRESS,
                    received_at=at - timedelta(hours=1),
                )
                link_cooperative(session, yard_id=first.submission.yard_id, body_id=body.id)
            received = store_submission(
                session,
                registry=registry,
                settings=settings,
                role=role,
                location=where,
                answers=FAIL,
                address=TYPED_ADDRESS,
                received_at=at,
            )
            return received.submission.yard_id, where

        def remember(yard_id: int) -> int:
            finding = _finding(session, yard_id)
            assert finding.id is not None
            stored = session.get(Yard, yard_id)
            assert stored is not None
            points[finding.id] = (stored.lat, stored.lon)
            return finding.id

        def fix(finding_id: int, at: datetime) -> None:
            actions.mark_sent(
                session,
                actor=actor,
                finding_id=finding_id,
                reference=REFERENCE,
                default_deadline_days=30,
                now=at,
            )
            actions.report_fix(
                session,
                actor=actor,
                finding_id=finding_id,
                fixed_on=at.date(),
                note=SECRET_NOTE,
                photo=PHOTO,
                now=at,
            )

        fixed_yard, _ = yard(now - timedelta(days=3))
        fixed = remember(fixed_yard)
        fix(fixed, now - timedelta(days=2))

        verified_yard, where = yard(now - timedelta(days=2))
        verified = remember(verified_yard)
        fix(verified, now - timedelta(days=1, hours=12))
        store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=where,
            answers=PASS,
            received_at=now - timedelta(days=1),
        )

        unconfirmed_yard, _ = yard(now - timedelta(days=1), role="resident")
        unconfirmed = remember(unconfirmed_yard)

        withdrawn_yard, where = yard(now - timedelta(hours=20), role="resident")
        withdrawn = remember(withdrawn_yard)
        store_submission(  # a passing audit withdraws an unconfirmed finding
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=where,
            answers=PASS,
            received_at=now - timedelta(hours=19),
        )

        demo_yard, _ = yard(now - timedelta(hours=10))
        demo = remember(demo_yard)
        session.execute(update(Yard).where(Yard.id == demo_yard).values(synthetic=True))

        states = {
            f: _finding(session, y).state
            for f, y in (
                (fixed, fixed_yard),
                (verified, verified_yard),
                (withdrawn, withdrawn_yard),
            )
        }
        assert states == {fixed: "fix_reported", verified: "verified", withdrawn: "withdrawn"}
        assert not _finding(session, unconfirmed_yard).confirmed
    return Story(fixed, verified, unconfirmed, withdrawn, demo, points, body.id)
