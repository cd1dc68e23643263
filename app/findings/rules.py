"""Which items fail at a yard, and when a finding counts as confirmed: read from the yard's
consensus (``app.yards.consensus``), so findings follow the same rules as the yard's figure."""

from __future__ import annotations

from collections.abc import Mapping

from app.scoring import NOT_APPLICABLE
from app.scoring.model import ScoringItem
from app.yards.consensus import Consensus

# Residents' checks that, together, confirm a finding without an audit: one resident's
# answer is an observation, two agreeing make it a finding the public sees.
RESIDENTS_TO_CONFIRM = 2


def item_risks(consensus: Consensus) -> dict[str, float]:
    """Each answered item's risk in the consensus (a between-options risk where the count
    of residents was even); "does not apply" and unanswered items are left out."""
    if consensus.loaded is None:
        return {}
    risks: dict[str, float] = {}
    for item in consensus.loaded.scoring.items:
        answer = consensus.answers.get(item.id)
        if answer is None or answer == NOT_APPLICABLE:
            continue
        risk = consensus.item_risk.get(item.id)
        if risk is None:
            risk = item.risk_of(answer)
        if risk is not None:
            risks[item.id] = float(risk)
    return risks


def failing(risks: Mapping[str, float], *, threshold: float) -> dict[str, float]:
    """The items whose risk is at least ``threshold``."""
    return {item: risk for item, risk in risks.items() if risk >= threshold}


def is_confirmed(consensus: Consensus) -> bool:
    """An inspector audit, the cooperative's own check, or at least two residents."""
    if consensus.basis in ("inspector_audit", "cooperative"):
        return True
    return consensus.basis == "residents_median" and consensus.residents >= RESIDENTS_TO_CONFIRM


def answer_risks(items: Mapping[str, ScoringItem], answers: Mapping[str, str]) -> dict[str, float]:
    """One submission's own item risks (``items``: the checklist's scored items by id)."""
    risks: dict[str, float] = {}
    for item_id, answer in answers.items():
        item = items.get(item_id)
        if item is None or answer == NOT_APPLICABLE:
            continue
        risk = item.risk_of(answer)
        if risk is not None:
            risks[item_id] = float(risk)
    return risks
