"""Submissions: checking a filled checklist, storing it exactly once, reading its result.

The steps are called by the intake (``app.intake.service``), which places the submission's
yard and keeps the yard's risk current in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from app.checklists.explain import explain_score, explanation
from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schema import NOT_APPLICABLE, Lang
from app.platform import pipeline
from app.platform.db import insert_once_statement, table_of
from app.platform.errors import Conflict, Invalid, NotFound, Unavailable
from app.scoring import SCORING_VERSION, ScoreResult, score_answers
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate, SubmissionResult
from app.yards import service as yards_service


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


def replay(existing: Submission, data: SubmissionCreate) -> Submission:
    """The stored submission a retry of ``data`` answers with; Conflict if the same id was
    stored with other content."""
    if existing.body_sha256 != fingerprint(data):
        raise Conflict(
            f"Submission {data.id} was already stored with different content. "
            "Send a new id for a new submission."
        )
    return existing


_SUBMISSION = table_of(Submission)
_BY_ID = select(_SUBMISSION).where(_SUBMISSION.c.id == bindparam("id"))
_COLUMNS = frozenset(_SUBMISSION.c.keys())


def find_submission(session: Session, submission_id: uuid.UUID) -> Submission | None:
    """The stored submission with this id, or None (Core: this runs on every submission)."""
    row = session.connection().execute(_BY_ID, {"id": submission_id}).mappings().first()
    return Submission.model_construct(**row) if row is not None else None


def insert_once(session: Session, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT (id) DO NOTHING; True if this call stored the row (False: a
    concurrent request stored this id a moment ago)."""
    connection = session.connection()  # Core: the ORM's statement handling is not needed
    stmt = insert_once_statement(_SUBMISSION, "id", connection.dialect.name)
    if not values.keys() >= _COLUMNS:  # a column left to its default: SQLAlchemy fills it in
        return connection.execute(stmt, values).first() is not None
    return bool(pipeline.query(stmt, connection.dialect).run(connection, **values))


# PostgreSQL: the insert as a CTE of the yard's count, one statement (one round trip): a
# conflict stores nothing, so the UPDATE finds no row and nothing is counted.
_STORED = (
    postgresql.insert(_SUBMISSION)
    .values({c.name: bindparam(f"row_{c.name}", type_=c.type) for c in _SUBMISSION.columns})
    .on_conflict_do_nothing(index_elements=[_SUBMISSION.c.id])
    .returning(_SUBMISSION.c.yard_id, _SUBMISSION.c.received_at)
    .cte("stored")
)
_STORE_AND_COUNT = yards_service.counting(_STORED.c.yard_id, _STORED.c.received_at).add_cte(_STORED)


def insert_and_count(
    session: Session, values: dict[str, Any], *, reads: Sequence[pipeline.Read] = ()
) -> int | None:
    """Store the row once and count it on its yard (``yards_service.record_submission``):
    the yard's count with it (1: its first), or None when the id is stored already (nothing
    written). ``reads`` (PostgreSQL): statements sent after it in the same round trip."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        row = {f"row_{name}": value for name, value in values.items()}
        stored = pipeline.query(_STORE_AND_COUNT, connection.dialect).read(**row)
        pipeline.send_together(connection, [stored, *reads])
        return stored.rows[0]["submission_count"] if stored.rows else None
    assert not reads, "reads are sent with the insert on PostgreSQL only"
    if not insert_once(session, values):
        return None
    return yards_service.record_submission(
        session, yard_id=values["yard_id"], at=values["received_at"]
    )


def validate_item_comments(loaded: LoadedChecklist, item_comments: dict[str, str]) -> None:
    """Raise Invalid naming every comment on an item the checklist does not have."""
    unknown = sorted(set(item_comments) - set(loaded.items_by_id))
    if unknown:
        raise Invalid(
            f"Comments name items checklist {loaded.version} does not have: {', '.join(unknown)}",
            details=[
                {"field": f"item_comments.{i}", "item_id": i, "message": "unknown item"}
                for i in unknown
            ],
        )


def row_values(
    data: SubmissionCreate,
    *,
    loaded: LoadedChecklist,
    role: str,
    yard_id: int,
    micro_district_id: str | None,
    district_id: str,
    score: ScoreResult,
    received_at: datetime,
    synthetic: bool,
) -> dict[str, Any]:
    """The ``submission`` row of ``data``, scored, about the yard the caller placed it in."""
    return dict(
        id=data.id,
        checklist_version=loaded.version,
        scoring_version=SCORING_VERSION,
        role=role,
        yard_id=yard_id,
        micro_district_id=micro_district_id,
        district_id=district_id,
        answers=dict(data.answers),
        comment=data.comment,
        item_comments={k: v for k, v in data.item_comments.items() if v.strip()},
        lat=data.location.lat if data.location else None,
        lon=data.location.lon if data.location else None,
        accuracy_m=data.location.accuracy_m if data.location else None,
        risk_index=score.risk_index,
        band=score.band,
        completeness=score.completeness,
        section_scores={s.section: s.risk_index for s in score.sections},
        client_created_at=data.client_created_at,
        received_at=received_at,
        body_sha256=fingerprint(data),
        synthetic=synthetic,
    )


def get_submission(session: Session, submission_id: uuid.UUID) -> Submission:
    submission = find_submission(session, submission_id)
    if submission is None:
        raise NotFound(f"No submission {submission_id}.")
    return submission


def _loaded_for(registry: ChecklistRegistry, submission: Submission) -> LoadedChecklist:
    loaded = registry.get(submission.checklist_version)
    if loaded is None:  # pragma: no cover - sync_versions registers every stored version
        raise Unavailable(f"Checklist version {submission.checklist_version} is not loaded.")
    return loaded


def result_json(
    submission: Submission,
    *,
    registry: ChecklistRegistry,
    lang: Lang,
    score: ScoreResult | None = None,
    photo_upload_token: str | None = None,
) -> bytes:
    """``result_of(...)`` with ``photo_upload_token`` as its JSON, byte for byte, built from
    plain values: no model is validated (~200 us less on the submissions route)."""
    loaded = _loaded_for(registry, submission)
    if score is None:
        score = score_answers(loaded.scoring, submission.answers, role=submission.role)
    fields = explanation(loaded, score, submission.answers, lang)
    # SubmissionResult's own fields, after ScoreOut's, in their order.
    fields["id"] = submission.id
    fields["yard_id"] = submission.yard_id
    fields["micro_district_id"] = submission.micro_district_id
    fields["district_id"] = submission.district_id
    fields["role"] = submission.role
    fields["received_at"] = submission.received_at
    fields["photo_upload_token"] = photo_upload_token
    # The model's float settings: an infinite or NaN float (never scored) would be null.
    return to_json(fields, inf_nan_mode="null")


def result_of(
    submission: Submission,
    *,
    registry: ChecklistRegistry,
    lang: Lang,
    score: ScoreResult | None = None,
) -> SubmissionResult:
    """The submission's result, scored against the version it was answered against
    (``score`` when the caller has just computed it)."""
    loaded = _loaded_for(registry, submission)
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
