"""A yard's consensus: what the submissions of its window say together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.scoring import ScoreResult, combine_answers, score_answers
from app.yards.risk_tally import Combine

Basis = Literal["inspector_audit", "residents_median", "none"]


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
