"""A yard's consensus: what the submissions of its window say together.

Three instruments are kept apart: the inspector's audit (trained, every item), the residents'
checks (lay, the items residents answer) and the housing cooperative's (the party that fixes
things, so never counted as a resident). Which one gives the yard's figure is the recency
rule below; docs/METHODOLOGY.md "When several residents answer for the same yard" says the
same in plain words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from app.checklists.loader import ChecklistError, ChecklistRegistry, LoadedChecklist
from app.platform.db import utcnow
from app.scoring import NOT_APPLICABLE, ScoreResult
from app.scoring.combine import Combined, combine, consensus_interval, score_combined
from app.yards.risk_tally import Combine

Basis = Literal["inspector_audit", "residents_median", "cooperative", "none"]
BASES: tuple[Basis, ...] = ("inspector_audit", "residents_median", "cooperative", "none")

# The recency rule. An audit gives the yard's figure unless residents have since said
# otherwise: at least RESIDENTS_AFTER_AUDIT residents' checks received after it, or, once
# the audit is older than AUDIT_RULES_DAYS, any resident's check received after it.
AUDIT_RULES_DAYS = 90
RESIDENTS_AFTER_AUDIT = 3


def _combined(loaded: LoadedChecklist, chosen: Sequence[Any]) -> Combined:
    return combine(loaded.scoring, [s.answers for s in chosen])


@dataclass(frozen=True)
class Part:
    """One instrument's consensus: the checks of its newest checklist version combined."""

    loaded: LoadedChecklist
    answers: dict[str, str]
    risks: dict[str, float]
    score: ScoreResult
    indices: tuple[float, ...]  # each combined check's own index (those that have one)


@dataclass(frozen=True)
class Consensus:
    basis: Basis
    loaded: LoadedChecklist | None
    answers: dict[str, str]
    score: ScoreResult | None
    residents: int
    audits: int
    last_audit_at: datetime | None
    residents_index: float | None  # the residents' consensus, scored, even when an audit rules
    inspector_index: float | None
    # Items whose consensus risk lies between two options (an even count): item -> risk.
    item_risk: dict[str, float] = field(default_factory=dict)
    cooperatives: int = 0
    cooperative_index: float | None = None
    # |residents - inspector| over the items both answered; None unless both exist.
    disagreement: float | None = None
    # The 80% interval of the figure; None when it rests on fewer than two checks.
    risk_low: float | None = None
    risk_high: float | None = None


def _index_of(check: Any) -> float | None:
    return getattr(check, "risk_index", None)


def _loaded(registry: ChecklistRegistry, version: str) -> LoadedChecklist:
    """A stored check's version; one the registry does not hold is an error, not skipped (the
    yard's figure would silently rest on its other checks)."""
    loaded = registry.get(version)
    if loaded is None:
        raise ChecklistError(
            f"checklist version {version} of a stored submission is not loaded; build the "
            "registry with the database's versions (app.checklists.service.sync_versions) "
            "before recomputing a yard"
        )
    return loaded


def _part(
    registry: ChecklistRegistry, checks: Sequence[Any], role: str, combine_with: Combine
) -> Part | None:
    """The consensus of ``checks`` (newest first) of the newest checklist version among them."""
    if not checks:
        return None
    newest = max(
        (_loaded(registry, v) for v in {s.checklist_version for s in checks}),
        key=lambda v: v.checklist.version_key,
    )
    same = [s for s in checks if s.checklist_version == newest.version]
    found = combine_with(newest, same)
    answers = dict(found.answers)
    # Unscored answers (how safe people feel) are echoed from the newest submission.
    answers.update(
        {
            k: v
            for k, v in same[0].answers.items()
            if k in newest.items_by_id and not newest.items_by_id[k].scored
        }
    )
    score = score_combined(newest.scoring, answers, found.risks, role=role)
    indices = tuple(x for x in (_index_of(s) for s in same) if x is not None)
    return Part(newest, answers, dict(found.risks), score, indices)


def _common(a: Part, b: Part) -> float | None:
    """|a - b| scored over the scored items both answered (not "na"): the two instruments
    compared on the same items (an audit has items residents are never asked)."""
    scored = {i.id for i in a.loaded.scoring.items} & {i.id for i in b.loaded.scoring.items}
    shared = {
        k
        for k in scored
        if a.answers.get(k, NOT_APPLICABLE) != NOT_APPLICABLE
        and b.answers.get(k, NOT_APPLICABLE) != NOT_APPLICABLE
    }
    if not shared:
        return None
    indices = []
    for part in (a, b):
        answers = {k: v for k, v in part.answers.items() if k in shared}
        risks = {k: v for k, v in part.risks.items() if k in shared}
        indices.append(score_combined(part.loaded.scoring, answers, risks).risk_index)
    first, second = indices
    if first is None or second is None:  # pragma: no cover - shared items are applicable
        return None
    return round(abs(first - second), 1)


def audit_rules(audit_at: datetime, resident_times: Sequence[datetime], *, now: datetime) -> bool:
    """The recency rule: whether an audit received at ``audit_at`` still gives the yard's
    figure, given when the residents' checks of the window arrived."""
    later = sum(1 for t in resident_times if t > audit_at)
    if later >= RESIDENTS_AFTER_AUDIT:
        return False
    return not (later and now - audit_at > timedelta(days=AUDIT_RULES_DAYS))


def consensus(
    registry: ChecklistRegistry,
    recent: Sequence[Any],
    *,
    combine_residents: Combine = _combined,
    now: datetime | None = None,
) -> Consensus:
    """The yard's consensus from ``recent`` (the window's checks, newest first).

    The latest inspector audit while the recency rule (``audit_rules``) lets it rule; else
    the residents' consensus (``app.scoring.combine``: per item the median risk, the mean of
    the two middle ones on an even count); else the cooperative's own. Each instrument
    combines its checks of the newest checklist version it used. ``combine_residents``
    computes the residents' consensus (the same, faster, on the write path).
    """
    now = now or utcnow()
    audits = [s for s in recent if s.role == "inspector"]
    residents = [s for s in recent if s.role == "resident"]
    cooperatives = [s for s in recent if s.role == "cooperative"]
    resident_part = _part(registry, residents, "resident", combine_residents)
    audit_part = _part(registry, audits[:1], "inspector", _combined)
    cooperative_part = _part(registry, cooperatives, "cooperative", _combined)

    chosen: Part | None
    basis: Basis
    if audit_part is not None and (
        resident_part is None
        or audit_rules(audits[0].received_at, [s.received_at for s in residents], now=now)
    ):
        chosen, basis = audit_part, "inspector_audit"
    elif resident_part is not None:
        chosen, basis = resident_part, "residents_median"
    elif cooperative_part is not None:
        chosen, basis = cooperative_part, "cooperative"
    else:
        chosen, basis = None, "none"

    interval = None
    if chosen is not None and chosen.score.risk_index is not None:
        interval = consensus_interval(chosen.score.risk_index, chosen.indices)
    return Consensus(
        basis=basis,
        loaded=chosen.loaded if chosen else None,
        answers=chosen.answers if chosen else {},
        score=chosen.score if chosen else None,
        residents=len(residents),
        audits=len(audits),
        last_audit_at=audits[0].received_at if audits else None,
        residents_index=resident_part.score.risk_index if resident_part else None,
        inspector_index=audit_part.score.risk_index if audit_part else None,
        item_risk=chosen.risks if chosen else {},
        cooperatives=len(cooperatives),
        cooperative_index=cooperative_part.score.risk_index if cooperative_part else None,
        disagreement=_common(resident_part, audit_part) if resident_part and audit_part else None,
        risk_low=interval[0] if interval else None,
        risk_high=interval[1] if interval else None,
    )
