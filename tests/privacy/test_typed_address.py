"""A yard's address as its first sender typed it is that resident's free text: it goes when
that resident's data is deleted on request, and when comments pass their retention period."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import update

from app.checklists.loader import ChecklistRegistry
from app.districts.service import load_area_index
from app.intake import service as intake_service
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.privacy import retention
from app.privacy import service as privacy_service
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate
from app.yards.models import Yard
from tests.factories import submission_body
from tests.reliability.support import fresh_database

HERE = {"lat": 43.2402, "lon": 76.9338, "accuracy_m": 5.0}
FAR = {"lat": 43.2460, "lon": 76.9338, "accuracy_m": 5.0}


@pytest.fixture
def world(tmp_path: Path, registry: ChecklistRegistry) -> Iterator[tuple[Settings, Database]]:
    with fresh_database(tmp_path, registry) as url:
        db = Database(url)
        try:
            yield Settings(database_url=url, data_dir=tmp_path / "data"), db
        finally:
            db.dispose()


def send(
    db: Database, registry: ChecklistRegistry, settings: Settings, **fields: object
) -> uuid.UUID:
    body = submission_body(registry.current, **fields)
    with db.session() as session:
        areas = load_area_index(session)
    with db.write_session() as session:
        intake_service.receive_checklist(
            session,
            data=SubmissionCreate.model_validate(body),
            registry=registry,
            areas=areas,
            settings=settings,
        )
    return uuid.UUID(body["id"])


def address_of(db: Database, submission_id: uuid.UUID) -> str | None:
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        yard = session.get(Yard, submission.yard_id)
        assert yard is not None
        return yard.address


def redact(db: Database, settings: Settings, submission_id: uuid.UUID) -> int:
    with db.write_session() as session:
        done = privacy_service.redact(
            session, submission_id=submission_id, settings=settings, by_user_id=None
        )
        return done.plan.texts


class TestRedaction:
    def test_the_first_senders_address_goes_with_their_data(
        self, world: tuple[Settings, Database], registry: ChecklistRegistry
    ) -> None:
        settings, db = world
        first = send(db, registry, settings, location=HERE, address="Abay 10, flat 7")
        later = send(db, registry, settings, location=HERE, address="ignored: yard exists")
        with db.session() as session:
            plan = privacy_service.plan_redaction(session, submission_id=first)
        assert plan.typed_address == "Abay 10, flat 7" and plan.texts == 1
        # A later sender's redaction leaves the first one's address alone.
        assert redact(db, settings, later) == 0
        assert address_of(db, first) == "Abay 10, flat 7"
        assert redact(db, settings, first) == 1
        assert address_of(db, first) is None


class TestRetention:
    def test_addresses_older_than_the_comments_period_are_erased(
        self, world: tuple[Settings, Database], registry: ChecklistRegistry
    ) -> None:
        settings, db = world
        old = send(db, registry, settings, location=HERE, address="Old street 1")
        new = send(db, registry, settings, location=FAR, address="New street 2")
        days = settings.retention_comments_days
        with db.write_session() as session:
            yard_id = session.get(Submission, old).yard_id  # type: ignore[union-attr]
            session.exec(  # type: ignore[call-overload]
                update(Yard)
                .where(Yard.id == yard_id)  # type: ignore[arg-type]
                .values(created_at=utcnow() - timedelta(days=days + 1))
            )
        with db.write_session() as session:
            counted = retention.purge(session, settings=settings, now=utcnow(), dry_run=True)
        assert counted.addresses == 1 and address_of(db, old) == "Old street 1"
        with db.write_session() as session:
            done = retention.purge(session, settings=settings, now=utcnow(), dry_run=False)
        assert done.addresses == 1
        assert address_of(db, old) is None and address_of(db, new) == "New street 2"
