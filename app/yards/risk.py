"""A yard's current risk as ``yard_risk`` keeps it: the row built from a consensus, written
in one statement, and read back (``kept_risk``, ``current_risk``). It is the one source of the
yard's page, report and API, and of the maps; submissions keep it current
(``app.submissions.yard_risk``) and reading it never scans them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.checklists.explain import ScoreOut, explain_score
from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schema import Lang
from app.platform import deferred, pipeline
from app.platform.db import table_of
from app.scoring import ScoringItem
from app.scoring.combine import score_combined
from app.yards.consensus import BASES, Basis, Consensus, consensus
from app.yards.risk_models import YardRisk, section_columns
from app.yards.schemas import CurrentRisk

# Items whose safe answer (risk 0) the area figures count.
OPS_CENTRE_ITEM = "technical.ops_centre"
PANIC_BUTTON_ITEM = "technical.panic_button"

_YARD_RISK = table_of(YardRisk)


@cache
def _upsert_statement(dialect: str) -> Any:
    # One statement instead of DELETE + INSERT: one index probe, no dead row to clean up.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_YARD_RISK)
    return stmt.on_conflict_do_update(
        index_elements=[_YARD_RISK.c.yard_id],
        set_={c.name: stmt.excluded[c.name] for c in _YARD_RISK.c if c.name != "yard_id"},
    )


def write_yard_risk(session: Session, values: dict[str, Any]) -> None:
    """Insert or replace one yard's row (``yard_risk_values``), in the caller's transaction.

    PostgreSQL's writer keeps it for its next statement (nothing reads its result): one
    round trip less a submission (``app.platform.deferred``); the intake sends what is still
    kept before it ends (``deferred.send_writes``)."""
    connection = session.connection()
    if not deferred.keeps_writes(connection):
        connection.execute(_upsert_statement(connection.dialect.name), values)
        return
    upsert = pipeline.query(_upsert_statement(connection.dialect.name), connection.dialect)
    deferred.keep_write(connection, *upsert.bound(**values))


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
    gap = found.disagreement
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
        "cooperatives": found.cooperatives,
        "cooperative_index": found.cooperative_index,
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
        "checklist_version": found.loaded.version if found.loaded is not None else None,
        "answers": found.answers,
        "item_risk": found.item_risk,
        "risk_low": found.risk_low,
        "risk_high": found.risk_high,
        "updated_at": now,
    }
    values.update(section_columns(section_risk))
    return values


_KEPT = select(_YARD_RISK).where(_YARD_RISK.c.yard_id == bindparam("yard_id"))


@dataclass(frozen=True)
class KeptRisk:
    """A yard's current risk as ``yard_risk`` keeps it, its consensus scored again for the
    explanation (the same figures: scoring is pure)."""

    found: Consensus
    window_days: int
    # The window the row was built over; None for a yard with no row yet (never checked).
    window_start: datetime | None


def _basis(text: str) -> Basis:
    if text not in BASES:  # pragma: no cover
        raise ValueError(f"unknown basis {text!r}")
    return text


def _scoring_basis(basis: str) -> str:
    return {"inspector_audit": "inspector", "cooperative": "cooperative"}.get(basis, "resident")


def kept_risk(
    session: Session, *, yard_id: int, registry: ChecklistRegistry, window_days: int
) -> KeptRisk:
    """The yard's kept ``yard_risk`` row: the one source of its current risk for its page,
    report and API (the maps read the same rows); never scans the yard's submissions.
    ``window_days``: the window of a yard with no row."""
    row = session.connection().execute(_KEPT, {"yard_id": yard_id}).mappings().first()
    if row is None:
        return KeptRisk(consensus(registry, []), window_days, None)
    since = row["updated_at"] - timedelta(days=row["window_days"])
    loaded = registry.get(row["checklist_version"]) if row["checklist_version"] else None
    answers: dict[str, str] = dict(row["answers"] or {})
    item_risk: dict[str, float] = dict(row["item_risk"] or {})
    score = (
        score_combined(loaded.scoring, answers, item_risk, role=_scoring_basis(row["basis"]))
        if loaded is not None and row["basis"] != "none"
        else None
    )
    found = Consensus(
        basis=_basis(row["basis"]),
        loaded=loaded if score is not None else None,
        answers=answers if score is not None else {},
        score=score,
        residents=row["residents"],
        audits=row["inspector_audits"],
        last_audit_at=row["last_audit_at"],
        residents_index=row["residents_index"],
        inspector_index=row["inspector_index"],
        item_risk=item_risk if score is not None else {},
        cooperatives=row["cooperatives"],
        cooperative_index=row["cooperative_index"],
        disagreement=row["disagreement"],
        risk_low=row["risk_low"],
        risk_high=row["risk_high"],
    )
    return KeptRisk(found, row["window_days"], since)


def current_risk(
    session: Session, *, yard_id: int, registry: ChecklistRegistry, window_days: int, lang: Lang
) -> CurrentRisk:
    """The yard's current risk, explained, from its kept row (``kept_risk``)."""
    kept = kept_risk(session, yard_id=yard_id, registry=registry, window_days=window_days)
    found = kept.found
    score: ScoreOut | None = None
    if found.score is not None and found.loaded is not None:
        score = explain_score(found.loaded, found.score, found.answers, lang)
    return CurrentRisk(
        basis=found.basis,
        window_days=kept.window_days,
        residents=found.residents,
        inspector_audits=found.audits,
        last_audit_at=found.last_audit_at,
        cooperatives=found.cooperatives,
        residents_index=found.residents_index,
        inspector_index=found.inspector_index,
        cooperative_index=found.cooperative_index,
        disagreement=found.disagreement,
        risk_low=found.risk_low,
        risk_high=found.risk_high,
        score=score,
    )
