"""A yard's current risk, built from its recent submissions; kept in ``yard_risk`` on write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import bindparam, delete, insert, select
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schema import Lang
from app.db import table_of, utcnow
from app.scoring import ScoreResult, combine_answers, disagreement, score_answers
from app.submissions.explain import explain_score
from app.submissions.models import Submission
from app.submissions.schemas import ScoreOut
from app.yards.models import Yard
from app.yards.risk_models import YardRisk
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


def _scored(
    registry: ChecklistRegistry, chosen: Sequence[Any], role: str
) -> tuple[LoadedChecklist, dict[str, str], ScoreResult]:
    loaded = registry.get(chosen[0].checklist_version)
    assert loaded is not None
    answers = combine_answers(loaded.scoring, [s.answers for s in chosen])
    # Unscored answers (how safe people feel) are echoed from the newest submission.
    answers.update(
        {
            k: v
            for k, v in chosen[0].answers.items()
            if k in loaded.items_by_id and not loaded.items_by_id[k].scored
        }
    )
    return loaded, answers, score_answers(loaded.scoring, answers, role=role)


def consensus(registry: ChecklistRegistry, recent: Sequence[Any]) -> Consensus:
    """The latest inspector audit in ``recent`` (newest first) if there is one; otherwise the
    per-item median of the residents' answers (of the newest checklist version they used)."""
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
        resident_part = _scored(registry, same, "resident")
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
# Bounded: one yard's submissions in the window, read through (yard_id, received_at).
_RECENT = (
    select(
        _SUBMISSION.c.role,
        _SUBMISSION.c.checklist_version,
        _SUBMISSION.c.answers,
        _SUBMISSION.c.received_at,
    )
    .where(
        _SUBMISSION.c.yard_id == bindparam("yard_id"),
        _SUBMISSION.c.received_at >= bindparam("since"),
    )
    .order_by(_SUBMISSION.c.received_at.desc())
)
_YARD_PLACE = select(
    _YARD.c.micro_district_id, _YARD.c.district_id, _YARD.c.last_submission_at
).where(_YARD.c.id == bindparam("yard_id"))


_DELETE_ROW = delete(_YARD_RISK).where(_YARD_RISK.c.yard_id == bindparam("yard_id"))
_INSERT_ROW = insert(_YARD_RISK)


def _safe(loaded: LoadedChecklist | None, answers: dict[str, str], item_id: str) -> bool:
    """Whether the item was answered at risk 0."""
    if loaded is None or item_id not in answers:
        return False
    item = next((i for i in loaded.scoring.items if i.id == item_id), None)
    return item is not None and item.risk_of(answers[item_id]) == 0.0


def refresh_yard_risk(
    session: Session,
    *,
    yard_id: int,
    registry: ChecklistRegistry,
    window_days: int,
    disagreement_points: float,
    now: datetime | None = None,
) -> None:
    """Recompute one yard's ``yard_risk`` row from its own submissions in the window.

    Runs inside the caller's transaction (after a submission's insert). On PostgreSQL the
    yard's row is already locked by the submission count, so two submissions to one yard
    replace the row one after the other.
    """
    now = now or utcnow()
    recent = session.execute(
        _RECENT, {"yard_id": yard_id, "since": now - timedelta(days=window_days)}
    ).all()
    place = session.execute(_YARD_PLACE, {"yard_id": yard_id}).one()
    found = consensus(registry, recent)
    gap = disagreement(found.residents_index, found.inspector_index)
    score = found.score
    values = {
        "yard_id": yard_id,
        "micro_district_id": place.micro_district_id,
        "district_id": place.district_id,
        "basis": found.basis,
        "risk_index": score.risk_index if score else None,
        "band": score.band if score else None,
        "completeness": score.completeness if score else None,
        "section_risk": {s.section: s.risk_index for s in score.sections} if score else {},
        "residents": found.residents,
        "inspector_audits": found.audits,
        "last_audit_at": found.last_audit_at,
        "last_submission_at": place.last_submission_at,
        "residents_index": found.residents_index,
        "inspector_index": found.inspector_index,
        "disagreement": gap,
        "disagrees": gap is not None and gap >= disagreement_points,
        "ops_centre": _safe(found.loaded, found.answers, OPS_CENTRE_ITEM),
        "panic_button": _safe(found.loaded, found.answers, PANIC_BUTTON_ITEM),
        "window_days": window_days,
        "updated_at": now,
    }
    session.execute(_DELETE_ROW, {"yard_id": yard_id})
    session.execute(_INSERT_ROW, values)


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
