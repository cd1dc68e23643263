"""Accepting a filled checklist: validate, place, score, store exactly once."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schema import NOT_APPLICABLE, Lang
from app.districts.models import District
from app.geo.distance import haversine_m
from app.geo.locator import AreaIndex, OutsideCity
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.platform.errors import AppError, Conflict, Invalid, NotFound, Unavailable
from app.platform.translations import current_lang, gettext
from app.scoring import SCORING_VERSION, ScoreResult, score_answers
from app.submissions.explain import explain_score
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate, SubmissionResult
from app.yards import risk as yard_risk
from app.yards import service as yards_service
from app.yards.models import Yard

if TYPE_CHECKING:
    from app.accounts.service import Scope

# A location this far from the yard it names is a mistake, not GPS noise.
YARD_LOCATION_TOLERANCE_M = 1000.0

YARD_POINT_DECIMALS = 4


@dataclass(frozen=True)
class Accepted:
    submission: Submission
    created: bool  # False: the same submission was already stored (a retry)
    score: ScoreResult | None = None  # known when just scored, so it is not scored twice


def fingerprint(data: SubmissionCreate) -> str:
    """A hash of the canonical body: the same submission sent twice has the same one."""
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def checklist_version(registry: ChecklistRegistry, version: str) -> LoadedChecklist:
    loaded = registry.get(version)
    if loaded is None:
        raise Invalid(
            f"Unknown checklist version {version!r}; the current one is "
            f"{registry.current.version}. Reload the checklist and answer again.",
            details=[{"field": "checklist_version", "message": "unknown version"}],
        )
    return loaded


def validate_answers(loaded: LoadedChecklist, answers: dict[str, str], *, role: str) -> None:
    """Raise Invalid naming every unknown item, unknown option or answer the role may not give."""
    problems: list[dict[str, Any]] = []
    for item_id, value in answers.items():
        item = loaded.items_by_id.get(item_id)
        field = f"answers.{item_id}"
        if item is None:
            problems.append(
                {
                    "field": field,
                    "item_id": item_id,
                    "message": f"checklist {loaded.version} has no item {item_id!r}",
                }
            )
        elif value not in loaded.allowed_values[item_id]:
            choices = ", ".join(loaded.allowed_values[item_id])
            problems.append(
                {
                    "field": field,
                    "item_id": item_id,
                    "message": f"{value!r} is not an answer to {item_id}; choose one of: {choices}",
                }
            )
        elif role not in item.roles:
            problems.append(
                {
                    "field": field,
                    "item_id": item_id,
                    "message": f"{item_id} is answered by: {', '.join(item.roles)}",
                }
            )
    if not problems and not any(
        value != NOT_APPLICABLE and loaded.items_by_id[item_id].scored
        for item_id, value in answers.items()
    ):
        problems.append(
            {
                "field": "answers",
                "item_id": None,
                "message": "answer at least one scored question of the checklist",
            }
        )
    if problems:
        summary = "; ".join(p["message"] for p in problems[:5])
        raise Invalid(
            f"The answers do not fit checklist {loaded.version}: {summary}", details=problems
        )


def _place(
    session: Session,
    data: SubmissionCreate,
    *,
    areas: AreaIndex | None,
    settings: Settings,
    synthetic: bool,
) -> Yard:
    """The yard the submission is about: the one named, a nearby one, or a new one."""
    if data.yard_id is not None:
        yard = session.get(Yard, data.yard_id)
        if yard is None:
            raise Invalid(
                f"Yard {data.yard_id} does not exist; choose a yard near you or send "
                "the location instead.",
                details=[{"field": "yard_id", "message": "no such yard"}],
            )
        if data.location is not None:
            off = haversine_m(yard.lat, yard.lon, data.location.lat, data.location.lon)
            if off > YARD_LOCATION_TOLERANCE_M:
                raise Invalid(
                    f"The location is {off:.0f} m from yard {yard.id}; check that you "
                    "chose the right yard.",
                    details=[{"field": "location", "message": "far from yard"}],
                )
        return yard
    assert data.location is not None
    if areas is None:
        raise Unavailable(
            "No district boundaries are loaded yet; an administrator must run "
            "'safeyard import-districts' (or 'safeyard demo')."
        )
    lat, lon = data.location.lat, data.location.lon
    try:
        placement = areas.locate(lat, lon)
    except OutsideCity as exc:
        raise Invalid(
            str(exc), details=[{"field": "location", "message": "outside Almaty"}]
        ) from exc
    yards_service.lock_placement(session, lat=lat, lon=lon, radius_m=settings.yard_match_radius_m)
    nearby = yards_service.find_near(
        session, lat=lat, lon=lon, radius_m=settings.yard_match_radius_m
    )
    if nearby:
        return nearby[0].yard
    # The yard is public, its first reporter is not: its point is the resident's fix rounded
    # to ~10 m (4 decimals), so the yard does not publish where someone stood, to the metre.
    return yards_service.create_yard(
        session,
        lat=round(lat, YARD_POINT_DECIMALS),
        lon=round(lon, YARD_POINT_DECIMALS),
        district_id=placement.district_id,
        micro_district_id=placement.micro_district_id,
        address=data.address,
        synthetic=synthetic,
    )


def _replay(existing: Submission, data: SubmissionCreate) -> Accepted:
    if existing.body_sha256 != fingerprint(data):
        raise Conflict(
            f"Submission {data.id} was already stored with different content. "
            "Send a new id for a new submission."
        )
    return Accepted(existing, created=False)


_SUBMISSION = table_of(Submission)
_BY_ID = select(_SUBMISSION).where(_SUBMISSION.c.id == bindparam("id"))


def find_submission(session: Session, submission_id: uuid.UUID) -> Submission | None:
    """The stored submission with this id, or None (Core: this runs on every submission)."""
    row = session.connection().execute(_BY_ID, {"id": submission_id}).mappings().first()
    return Submission.model_construct(**row) if row is not None else None


@cache
def _insert_statement(dialect: str) -> Any:
    # Built once: the values travel as execution parameters, so SQLAlchemy neither rebuilds
    # nor re-keys the statement per request (Core, not the ORM: a third of the cost).
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_SUBMISSION)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(_SUBMISSION.c.id)
    )


def _insert_once(session: Session, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT (id) DO NOTHING; True if this call stored the row."""
    connection = session.connection()  # Core: the ORM's statement handling is not needed
    stmt = _insert_statement(connection.dialect.name)
    return connection.execute(stmt, values).first() is not None


def submit(
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
) -> Accepted:
    """Store a submission exactly once, scored against its own checklist version.

    ``audit_scope``: where an inspector's audit may be recorded (an official audit outranks
    residents' checks, so one outside the inspector's areas is refused: OutsideAuditScope).

    The same id with the same body returns the stored one (``created`` False); with another
    body it is a Conflict. Nothing is stored when validation fails. ``received_at`` is for
    generated demo data only; real submissions are stamped with the server's clock.
    """
    existing = find_submission(session, data.id)
    if existing is not None:
        return _replay(existing, data)
    loaded = checklist_version(registry, data.checklist_version)
    validate_answers(loaded, data.answers, role=role)
    unknown = sorted(set(data.item_comments) - set(loaded.items_by_id))
    if unknown:
        raise Invalid(
            f"Comments name items checklist {loaded.version} does not have: {', '.join(unknown)}",
            details=[
                {"field": f"item_comments.{i}", "item_id": i, "message": "unknown item"}
                for i in unknown
            ],
        )
    yard = _place(session, data, areas=areas, settings=settings, synthetic=synthetic)
    assert yard.id is not None
    if audit_scope is not None and not audit_scope.covers(
        district_id=yard.district_id, micro_district_id=yard.micro_district_id
    ):
        # Raised inside the caller's write transaction: a yard placed for it is rolled back.
        raise OutsideAuditScope(session, yard=yard)
    result = score_answers(loaded.scoring, data.answers, role=role)
    values: dict[str, Any] = dict(
        id=data.id,
        checklist_version=loaded.version,
        scoring_version=SCORING_VERSION,
        role=role,
        yard_id=yard.id,
        micro_district_id=yard.micro_district_id,
        district_id=yard.district_id,
        answers=dict(data.answers),
        comment=data.comment,
        item_comments={k: v for k, v in data.item_comments.items() if v.strip()},
        lat=data.location.lat if data.location else None,
        lon=data.location.lon if data.location else None,
        accuracy_m=data.location.accuracy_m if data.location else None,
        risk_index=result.risk_index,
        band=result.band,
        completeness=result.completeness,
        section_scores={s.section: s.risk_index for s in result.sections},
        client_created_at=data.client_created_at,
        received_at=received_at or utcnow(),
        body_sha256=fingerprint(data),
        synthetic=synthetic,
    )
    if not _insert_once(session, values):
        # Another request stored this id a moment ago: drop what this attempt did
        # (a yard it may have created) and answer as a retry.
        session.rollback()
        existing = find_submission(session, data.id)
        if existing is None:  # pragma: no cover - the row that conflicted must exist
            raise Unavailable("The submission could not be stored; try again.")
        return _replay(existing, data)
    yards_service.record_submission(session, yard_id=yard.id, at=values["received_at"])
    # Same transaction, one yard: readers of yard_risk never scan submissions.
    yard_risk.refresh_yard_risk(
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
            score=result,
        ),
    )
    return Accepted(Submission.model_construct(**values), created=True, score=result)


class OutsideAuditScope(AppError):
    """403: an inspector's audit of a yard outside the areas they inspect."""

    status_code = 403
    code = "outside_audit_scope"

    def __init__(self, session: Session, *, yard: Yard) -> None:
        district = session.get(District, yard.district_id)
        place = district.name(current_lang.get()) if district else yard.district_id
        super().__init__(
            gettext(
                "This yard is in %(district)s, outside the areas you inspect, so it cannot be "
                "recorded as your audit. Ask an admin to add the area to your account, or sign "
                "out and send the checklist as a resident.",
                district=place,
            )
        )


def get_submission(session: Session, submission_id: uuid.UUID) -> Submission:
    submission = find_submission(session, submission_id)
    if submission is None:
        raise NotFound(f"No submission {submission_id}.")
    return submission


def result_of(
    submission: Submission,
    *,
    registry: ChecklistRegistry,
    lang: Lang,
    score: ScoreResult | None = None,
) -> SubmissionResult:
    """The submission's result, scored against the version it was answered against
    (``score`` when the caller has just computed it)."""
    loaded = registry.get(submission.checklist_version)
    if loaded is None:  # pragma: no cover - sync_versions registers every stored version
        raise Unavailable(f"Checklist version {submission.checklist_version} is not loaded.")
    if score is None:
        score = score_answers(loaded.scoring, submission.answers, role=submission.role)
    return explain_score(
        loaded,
        score,
        submission.answers,
        lang,
        into=SubmissionResult,
        id=submission.id,
        yard_id=submission.yard_id,
        micro_district_id=submission.micro_district_id,
        district_id=submission.district_id,
        role=submission.role,
        received_at=submission.received_at,
    )
