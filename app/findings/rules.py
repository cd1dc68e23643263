"""Which items fail at a yard, and when a finding counts as confirmed: read from the yard's
consensus (``app.yards.consensus``), so findings follow the same rules as the yard's figure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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


def is_confirmed(consensus: Consensus, *, reports: int) -> bool:
    """An inspector audit or the cooperative's own check; on residents' checks alone, at
    least two residents whose own answer failed the item (``reports``): a yard's two
    residents who disagree put the consensus halfway, which is not a confirmation."""
    if consensus.basis in ("inspector_audit", "cooperative"):
        return True
    return consensus.basis == "residents_median" and reports >= RESIDENTS_TO_CONFIRM


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


def resident_fail_counts(
    window: Iterable[Any], items: Mapping[str, ScoringItem], *, threshold: float
) -> dict[str, int]:
    """Per item, how many residents' checks of a yard's window (rows with ``role`` and
    ``answers``) failed it: what a recomputation, which has no new check to count, confirms
    residents' findings by."""
    counts: dict[str, int] = {}
    for check in window:
        if check.role != "resident":
            continue
        for item_id, risk in answer_risks(items, check.answers).items():
            if risk >= threshold:
                counts[item_id] = counts.get(item_id, 0) + 1
    return counts
