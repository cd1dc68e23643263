"""A yard's current risk, built from its recent submissions; kept in ``yard_risk`` on write."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schema import Lang
from app.platform.db import table_of, utcnow
from app.scoring import (
    ScoreResult,
    ScoringItem,
    combine_answers,
    disagreement,
    score_answers,
)
from app.submissions.explain import explain_score
from app.submissions.models import Submission
from app.submissions.schemas import ScoreOut
from app.yards.models import Yard
from app.yards.risk_models import YardRisk, section_columns
from app.yards.risk_tally import Combine, tallied_combine
from app.yards.schemas import CurrentRisk

Basis = Literal["inspector_audit", "residents_median", "none"]
# Items whose safe answer (risk 0) the area figures count.
OPS_CENTRE_ITEM = "technical.ops_centre"
PANIC_BUTTON_ITEM = "technical.panic_button"


@dataclass(frozen=True)
class Consensus:
    basis: Basis
    loaded: LoadedChecklist | None
    answers: dict[str, str]
    score: ScoreResult | None
    residents: int
    audits: int
    last_audit_at: datetime | None
    residents_index: float | None  # the residents' median, scored, even when an audit rules
    inspector_index: float | None


def _combined(loaded: LoadedChecklist, chosen: Sequence[Any]) -> dict[str, str]:
    return combine_answers(loaded.scoring, [s.answers for s in chosen])


def _scored(
    registry: ChecklistRegistry, chosen: Sequence[Any], role: str, combine: Combine = _combined
) -> tuple[LoadedChecklist, dict[str, str], ScoreResult]:
    loaded = registry.get(chosen[0].checklist_version)
    assert loaded is not None
    answers = combine(loaded, chosen)
    # Unscored answers (how safe people feel) are echoed from the newest submission.
    answers.update(
        {
            k: v
            for k, v in chosen[0].answers.items()
            if k in loaded.items_by_id and not loaded.items_by_id[k].scored
        }
    )
    return loaded, answers, score_answers(loaded.scoring, answers, role=role)


def consensus(
    registry: ChecklistRegistry, recent: Sequence[Any], *, combine_residents: Combine = _combined
) -> Consensus:
    """The latest inspector audit in ``recent`` (newest first) if there is one; otherwise the
    per-item median of the residents' answers (of the newest checklist version they used).
    ``combine_residents`` computes that median (the same, faster, on the write path)."""
    audits = [s for s in recent if s.role == "inspector"]
    residents = [s for s in recent if s.role != "inspector"]
    resident_part = None
    if residents:
        newest = max(
            (registry.get(s.checklist_version) for s in residents),
            key=lambda v: v.checklist.version_key if v else (0, 0),
        )
        assert newest is not None
        same = [s for s in residents if s.checklist_version == newest.version]
        resident_part = _scored(registry, same, "resident", combine_residents)
    audit_part = _scored(registry, audits[:1], "inspector") if audits else None
    chosen = audit_part or resident_part
    basis: Basis = "inspector_audit" if audit_part else "residents_median" if chosen else "none"
    return Consensus(
        basis=basis,
        loaded=chosen[0] if chosen else None,
        answers=chosen[1] if chosen else {},
        score=chosen[2] if chosen else None,
        residents=len(residents),
        audits=len(audits),
        last_audit_at=audits[0].received_at if audits else None,
        residents_index=resident_part[2].risk_index if resident_part else None,
        inspector_index=audit_part[2].risk_index if audit_part else None,
    )


def current_risk(
    session: Session, *, yard_id: int, registry: ChecklistRegistry, window_days: int, lang: Lang
) -> CurrentRisk:
    """The yard's current risk, explained (see ``consensus``)."""
    since = utcnow() - timedelta(days=window_days)
    recent = session.exec(
        sqlmodel_select(Submission)
        .where(Submission.yard_id == yard_id, col(Submission.received_at) >= since)
        .order_by(col(Submission.received_at).desc())
    ).all()
    found = consensus(registry, recent)
    score: ScoreOut | None = None
    if found.score is not None and found.loaded is not None:
        score = explain_score(found.loaded, found.score, found.answers, lang)
    return CurrentRisk(
        basis=found.basis,
        window_days=window_days,
        residents=found.residents,
        inspector_audits=found.audits,
        last_audit_at=found.last_audit_at,
        score=score,
    )


_SUBMISSION = table_of(Submission)
_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)
# Bounded: one yard's submissions in the window, read through (yard_id, received_at). The
# answers come as text and are parsed only for the rows consensus() reads, and not for the
# submission just stored, whose answers and score the caller already has (parsing every
# row's JSON answers was a large part of the cost).
_RECENT = (
    select(
        _SUBMISSION.c.id,
        _SUBMISSION.c.role,
        _SUBMISSION.c.checklist_version,
        _SUBMISSION.c.received_at,
        cast(_SUBMISSION.c.answers, Text).label("answers_text"),
    )
    .where(
        _SUBMISSION.c.yard_id == bindparam("yard_id"),
        _SUBMISSION.c.received_at >= bindparam("since"),
    )
    .order_by(_SUBMISSION.c.received_at.desc(), _SUBMISSION.c.id)
)
_YARD_PLACE = select(
    _YARD.c.micro_district_id, _YARD.c.district_id, _YARD.c.last_submission_at
).where(_YARD.c.id == bindparam("yard_id"))


@dataclass(frozen=True)
class Stored:
    """The submission the caller has just stored in this transaction, already scored."""

    id: Any
    role: str
    checklist_version: str
    answers: dict[str, str]
    score: ScoreResult


class _Recent:
    """A window row in the shape ``consensus`` reads; its answers are parsed on first use
    (most rows are only counted, or already in the yard's tally)."""

    __slots__ = ("id", "role", "checklist_version", "received_at", "_text", "_answers")

    def __init__(self, row: Any, answers: dict[str, str] | None = None) -> None:
        self.id = row.id
        self.role: str = row.role
        self.checklist_version: str = row.checklist_version
        self.received_at: datetime = row.received_at
        self._text: str = row.answers_text
        self._answers = answers

    @property
    def answers(self) -> dict[str, str]:
        if self._answers is None:
            self._answers = json.loads(self._text)
        return self._answers


@cache
def _upsert_statement(dialect: str) -> Any:
    # One statement instead of DELETE + INSERT: one index probe, no dead row to clean up.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_YARD_RISK)
    return stmt.on_conflict_do_update(
        index_elements=[_YARD_RISK.c.yard_id],
        set_={c.name: stmt.excluded[c.name] for c in _YARD_RISK.c if c.name != "yard_id"},
    )


_SCORING_ITEMS: dict[str, dict[str, ScoringItem]] = {}


def _scoring_item(loaded: LoadedChecklist, item_id: str) -> ScoringItem | None:
    items = _SCORING_ITEMS.get(loaded.version)
    if items is None:
        items = _SCORING_ITEMS[loaded.version] = {i.id: i for i in loaded.scoring.items}
    return items.get(item_id)


def _safe(loaded: LoadedChecklist | None, answers: dict[str, str], item_id: str) -> bool:
    """Whether the item was answered at risk 0."""
    if loaded is None or item_id not in answers:
        return False
    item = _scoring_item(loaded, item_id)
    return item is not None and item.risk_of(answers[item_id]) == 0.0


def _scoring_role(role: str) -> str:
    # consensus() scores audits as the inspector and everyone else as a resident.
    return "inspector" if role == "inspector" else "resident"


def _only_stored(recent: Sequence[Any], stored: Stored | None) -> bool:
    """The window holds nothing but the submission just stored, scored with the role
    consensus() would use: its consensus is the submission itself (no read-back)."""
    return (
        stored is not None
        and len(recent) == 1
        and recent[0].id == stored.id
        and _scoring_role(stored.role) == stored.role
    )


def _window(recent: Sequence[Any], stored: Stored | None) -> list[_Recent]:
    """The window's rows for consensus(), the stored submission's answers already known."""
    return [
        _Recent(r, stored.answers if stored is not None and r.id == stored.id else None)
        for r in recent
    ]


def yard_risk_values(
    found: Consensus,
    *,
    yard_id: int,
    micro_district_id: str | None,
    district_id: str,
    last_submission_at: datetime | None,
    window_days: int,
    disagreement_points: float,
    now: datetime,
) -> dict[str, Any]:
    """The ``yard_risk`` row of one yard from its consensus."""
    gap = disagreement(found.residents_index, found.inspector_index)
    score = found.score
    section_risk = {s.section: s.risk_index for s in score.sections} if score else {}
    values = {
        "yard_id": yard_id,
        "micro_district_id": micro_district_id,
        "district_id": district_id,
        "basis": found.basis,
        "risk_index": score.risk_index if score else None,
        "band": score.band if score else None,
        "completeness": score.completeness if score else None,
        "section_risk": section_risk,
        "residents": found.residents,
        "inspector_audits": found.audits,
        "last_audit_at": found.last_audit_at,
        "last_submission_at": last_submission_at,
        "residents_index": found.residents_index,
        "inspector_index": found.inspector_index,
        "disagreement": gap,
        "disagrees": gap is not None and gap >= disagreement_points,
        "ops_centre": _safe(found.loaded, found.answers, OPS_CENTRE_ITEM),
        "panic_button": _safe(found.loaded, found.answers, PANIC_BUTTON_ITEM),
        "window_days": window_days,
        "updated_at": now,
    }
    values.update(section_columns(section_risk))
    return values


def refresh_yard_risk(
    session: Session,
    *,
    yard_id: int,
    registry: ChecklistRegistry,
    window_days: int,
    disagreement_points: float,
    now: datetime | None = None,
    stored: Stored | None = None,
    place: tuple[str | None, str] | None = None,
) -> None:
    """Recompute one yard's ``yard_risk`` row from its own submissions in the window.

    Runs inside the caller's transaction (after a submission's insert, passed as ``stored``
    so its answers and score are not read back and computed again, with its yard's
    ``place``: micro-district and district ids). On PostgreSQL the yard's
    row is already locked by the submission count, so two submissions to one yard replace
    the row one after the other.
    """
    now = now or utcnow()
    # Core on the session's connection: the ORM's statement handling is not needed here.
    connection = session.connection()
    recent = connection.execute(
        _RECENT, {"yard_id": yard_id, "since": now - timedelta(days=window_days)}
    ).all()
    if stored is not None and recent and place is not None:
        # The yard's latest submission is the newest in its window (received_at is never
        # later than now); the yard's place was just read by the caller.
        micro_district_id, district_id = place
        last_submission_at = recent[0].received_at
    else:
        yard = connection.execute(_YARD_PLACE, {"yard_id": yard_id}).one()
        micro_district_id, district_id = yard.micro_district_id, yard.district_id
        last_submission_at = yard.last_submission_at
    if stored is not None and _only_stored(recent, stored):
        loaded = registry.get(stored.checklist_version)
        audit = stored.role == "inspector"
        index = stored.score.risk_index
        found = Consensus(
            basis="inspector_audit" if audit else "residents_median",
            loaded=loaded,
            answers=stored.answers,
            score=stored.score,
            residents=0 if audit else 1,
            audits=1 if audit else 0,
            last_audit_at=recent[0].received_at if audit else None,
            residents_index=None if audit else index,
            inspector_index=index if audit else None,
        )
    else:
        found = consensus(
            registry, _window(recent, stored), combine_residents=tallied_combine(yard_id)
        )
    values = yard_risk_values(
        found,
        yard_id=yard_id,
        micro_district_id=micro_district_id,
        district_id=district_id,
        last_submission_at=last_submission_at,
        window_days=window_days,
        disagreement_points=disagreement_points,
        now=now,
    )
    connection.execute(_upsert_statement(connection.dialect.name), values)


def refresh_all_yard_risks(
    session: Session,
    *,
    registry: ChecklistRegistry,
    window_days: int,
    disagreement_points: float,
    now: datetime | None = None,
) -> int:
    """Recompute every yard's row (the window moves with time even without submissions);
    returns how many yards were refreshed. Run it daily (``safeyard refresh-areas``)."""
    ids = session.execute(select(_YARD.c.id).order_by(_YARD.c.id)).scalars().all()
    for yard_id in ids:
        refresh_yard_risk(
            session,
            yard_id=yard_id,
            registry=registry,
            window_days=window_days,
            disagreement_points=disagreement_points,
            now=now,
        )
    return len(ids)
