"""Receiving a filled checklist from any channel: one function, one transaction.

Everything SafeYard derives from a submission (its yard, the stored row, the yard's kept risk
and the residents' tally) is written here, in the caller's transaction, so any read after the
caller's commit sees all of it. Effects outside SafeYard go to the outbox
(``app.outbox.service.enqueue``) in the same transaction and are delivered after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.findings import rules as findings_rules
from app.findings import service as findings_service
from app.geo.locator import AreaIndex
from app.intake import group_commit, placement
from app.intake import photos as intake_photos
from app.platform import deferred
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.platform.errors import AppError, Unavailable
from app.scoring import ScoreResult, score_answers
from app.submissions import service as submissions_service
from app.submissions import yard_risk
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate

if TYPE_CHECKING:
    from app.accounts.scope import Scope


@dataclass(frozen=True)
class Received:
    """What the intake did with a checklist, for the channel to translate back."""

    submission: Submission
    created: bool  # False: the same submission was already stored (a retry)
    score: ScoreResult | None = None  # known when just scored, so it is not scored twice
    # Photos sent with the checklist (the form) that were not stored, with the reason.
    photo_refusals: tuple[intake_photos.PhotoRefusal, ...] = ()


def check_answers(loaded: LoadedChecklist, answers: dict[str, str], *, role: str) -> None:
    """The intake's check of the answers alone, for a channel that cannot send yet (the
    place is missing) but shows every problem at once. Raises Invalid."""
    submissions_service.validate_answers(loaded, answers, role=role)


def _replayed(existing: Submission, data: SubmissionCreate) -> Received:
    return Received(submissions_service.replay(existing, data), created=False)


def receive_checklist(
    session: Session,
    *,
    data: SubmissionCreate,
    registry: ChecklistRegistry,
    areas: AreaIndex | None,
    settings: Settings,
    role: str = "resident",
    audit_scope: Scope | None = None,
    synthetic: bool = False,
    received_at: datetime | None = None,
) -> Received:
    """Validate, place, score and store a submission exactly once, and keep its yard's risk
    current, in the caller's transaction (never committed here).

    Its writes run in a savepoint: a failure, or another request storing the same id a moment
    earlier, undoes them (a yard placed for it too) and nothing the caller wrote before.

    ``audit_scope``: the sender's scope; an inspector's audit outside it is refused
    (``Scope.may_record_audit``: an official audit outranks residents' checks).
    The same id with the same body returns the stored one (``created`` False); with another
    body it is a Conflict. Nothing is stored when validation fails. ``received_at`` is for
    generated demo data only; real submissions are stamped with the server's clock.
    """
    # A retry is rare, so it is not looked for first (a read every submission would pay):
    # the insert's conflict finds it, and so does a refusal (a retry of a stored submission
    # is answered as stored, even if the checklist or its yard has changed since).
    try:
        return _receive_new(
            session,
            data=data,
            registry=registry,
            areas=areas,
            settings=settings,
            role=role,
            audit_scope=audit_scope,
            synthetic=synthetic,
            received_at=received_at,
        )
    except AppError:
        # Whatever this call wrote is undone: a stored row with this id is another's.
        existing = submissions_service.find_submission(session, data.id)
        if existing is None:
            raise
        return _replayed(existing, data)


def _receive_new(
    session: Session,
    *,
    data: SubmissionCreate,
    registry: ChecklistRegistry,
    areas: AreaIndex | None,
    settings: Settings,
    role: str,
    audit_scope: Scope | None,
    synthetic: bool,
    received_at: datetime | None,
) -> Received:
    """``receive_checklist`` for an id taken to be new; a stored one is found by the insert."""
    loaded = submissions_service.checklist_version(registry, data.checklist_version)
    submissions_service.validate_answers(loaded, data.answers, role=role)
    submissions_service.validate_item_comments(loaded, data.item_comments)
    # The group-commit writer's savepoint for this submission, when there is one (PostgreSQL):
    # rolled back here to undo, released by the writer. One savepoint, not two nested.
    taken = group_commit.take_savepoint(session)
    savepoint = taken or session.begin_nested()
    try:
        placed = placement.placed(
            session, data, areas=areas, settings=settings, synthetic=synthetic
        )
        yard = placed.yard
        assert yard.id is not None
        if audit_scope is not None and not audit_scope.may_record_audit(yard):
            raise placement.OutsideAuditScope(session, yard=yard)
        score = score_answers(loaded.scoring, data.answers, role=role)
        place = findings_service.Place(yard.id, yard.district_id, yard.micro_district_id)
        values = submissions_service.row_values(
            data,
            loaded=loaded,
            role=role,
            yard_id=yard.id,
            micro_district_id=yard.micro_district_id,
            district_id=yard.district_id,
            score=score,
            received_at=received_at or utcnow(),
            synthetic=synthetic,
        )
        # PostgreSQL: what the yard's refresh and its findings read goes with the insert, in
        # one round trip, after it (each statement sees the count's row lock before it).
        window = yard_reads = None
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            if not placed.created:  # a new yard's first submission is its window
                window = yard_risk.WindowRead(
                    connection,
                    yard_id=yard.id,
                    window_days=settings.current_risk_window_days,
                    now=utcnow(),
                )
            yard_reads = findings_service.YardReads(connection, place, new_yard=placed.created)
        count = submissions_service.insert_and_count(
            session,
            values,
            reads=[
                *((window.read,) if window else ()),
                *(yard_reads.reads if yard_reads else ()),
            ],
        )
        if count is None:
            # The id is stored already (a retry, or another request a moment ago): undo this
            # attempt (a yard it may have created) and answer as a retry.
            savepoint.rollback()
            existing = submissions_service.find_submission(session, data.id)
            if existing is None:  # pragma: no cover - the row that conflicted must exist
                raise Unavailable("The submission could not be stored; try again.")
            return _replayed(existing, data)
        # Same transaction, one yard: readers of yard_risk never scan submissions.
        refreshed = yard_risk.refresh_yard_risk(
            session,
            yard_id=yard.id,
            registry=registry,
            window_days=settings.current_risk_window_days,
            disagreement_points=settings.disagreement_points,
            place=(yard.micro_district_id, yard.district_id),
            stored=yard_risk.Stored(
                id=data.id,
                role=role,
                checklist_version=loaded.version,
                answers=values["answers"],
                score=score,
                received_at=values["received_at"],
            ),
            first_of_yard=count == 1,
            sent=window,
        )
        # The yard's findings follow its new answers, in the same savepoint (and their
        # messages to bodies go to the outbox there: app.findings.notices).
        findings_service.sync_yard(
            session,
            place=place,
            consensus=refreshed.consensus,
            settings=settings,
            trigger=findings_service.Trigger(
                role=role, risks=findings_rules.answer_risks(loaded.scoring.by_id, data.answers)
            ),
            now=values["received_at"],
            new_yard=placed.created,
            sent=yard_reads,
        )
        # A write still kept for the next statement (PostgreSQL) is sent in this savepoint:
        # its failure is this submission's.
        deferred.send_writes(session.connection())
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    if taken is None:
        savepoint.commit()
    return Received(Submission.model_construct(**values), created=True, score=score)


def receive(
    db: Database,
    *,
    data: SubmissionCreate,
    registry: ChecklistRegistry,
    areas: AreaIndex | None,
    settings: Settings,
    role: str = "resident",
    audit_scope: Scope | None = None,
    secret: str = "",
    photos: Mapping[str, intake_photos.PhotoFile] | None = None,
) -> Received:
    """``receive_checklist`` in a write transaction of its own, committed before this
    returns; then the ``photos`` sent with it (item id -> file, the form's), stored for a new
    submission only, each in its own transaction (see ``app.intake.photos``)."""
    with db.write_session() as session:
        received = receive_checklist(
            session,
            data=data,
            registry=registry,
            areas=areas,
            settings=settings,
            role=role,
            audit_scope=audit_scope,
        )
    # A retry's photos were stored the first time.
    if photos and received.created:
        refusals = intake_photos.receive_photos(
            db,
            settings=settings,
            registry=registry,
            secret=secret,
            submission_id=data.id,
            checklist_version=data.checklist_version,
            photos=photos,
        )
        received = replace(received, photo_refusals=tuple(refusals))
    return received
