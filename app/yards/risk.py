"""A yard's current risk, built from its recent submissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from sqlmodel import Session, col, select

from app.checklists.loader import ChecklistRegistry
from app.checklists.schema import Lang
from app.db import utcnow
from app.scoring import combine_answers, score_answers
from app.submissions.explain import explain_score
from app.submissions.models import Submission
from app.submissions.schemas import ScoreOut
from app.yards.schemas import CurrentRisk


def current_risk(
    session: Session, *, yard_id: int, registry: ChecklistRegistry, window_days: int, lang: Lang
) -> CurrentRisk:
    """The latest inspector audit in the window if there is one; otherwise the per-item median
    of the residents' answers in the window (of the newest checklist version they used)."""
    since = utcnow() - timedelta(days=window_days)
    recent = session.exec(
        select(Submission)
        .where(Submission.yard_id == yard_id, col(Submission.received_at) >= since)
        .order_by(col(Submission.received_at).desc())
    ).all()
    audits = [s for s in recent if s.role == "inspector"]
    residents = [s for s in recent if s.role != "inspector"]
    basis: Literal["inspector_audit", "residents_median", "none"] = "none"
    score: ScoreOut | None = None
    if audits:
        basis, chosen = "inspector_audit", [audits[0]]
    elif residents:
        newest = max(
            (registry.get(s.checklist_version) for s in residents),
            key=lambda v: v.checklist.version_key if v else (0, 0),
        )
        assert newest is not None
        basis, chosen = (
            "residents_median",
            [s for s in residents if s.checklist_version == newest.version],
        )
    if basis != "none":
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
        role = "inspector" if basis == "inspector_audit" else "resident"
        score = explain_score(
            loaded, score_answers(loaded.scoring, answers, role=role), answers, lang
        )
    return CurrentRisk(
        basis=basis,
        window_days=window_days,
        residents=len(residents),
        inspector_audits=len(audits),
        last_audit_at=audits[0].received_at if audits else None,
        score=score,
    )
