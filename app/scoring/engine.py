"""Answers + checklist -> an explainable risk index (0 safest .. 100 worst).

The index is the weighted mean of the answered options' risk over the applicable items, x100.
See docs/METHODOLOGY.md for the same rules in plain words and a worked example.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Literal

from app.scoring.model import (
    NOT_APPLICABLE,
    SCORING_VERSION,
    ScoringChecklist,
    ScoringItem,
)

Band = Literal["low", "moderate", "high", "critical"]

# Lower bound of each band, in order: low < 25 <= moderate < 50 <= high < 75 <= critical.
BAND_CUTOFFS: Mapping[Band, float] = MappingProxyType(
    {"low": 0.0, "moderate": 25.0, "high": 50.0, "critical": 75.0}
)
BANDS: tuple[Band, ...] = tuple(BAND_CUTOFFS)

# A critical item answered at full risk (e.g. an unlocked basement) puts the yard at least here,
# whatever the rest of the checklist says: one such gap can outweigh many good answers.
CRITICAL_FLOOR: Band = "high"

_TENTH = Decimal("0.1")


def publish(value: float) -> float:
    """Return ``value`` rounded to one decimal, halves up, as a person would on paper.

    Python's ``round`` rounds binary floats half-to-even (62.25 -> 62.2); residents checking the
    arithmetic by hand expect 62.3. Rounding the shortest decimal form is still monotonic, so
    "fixing never raises the index" holds after rounding too.
    """
    return float(Decimal(repr(value)).quantize(_TENTH, rounding=ROUND_HALF_UP))


def band_for(risk_index: float, *, critical_failed: bool = False) -> Band:
    """Return the band of a risk index (0..100).

    With ``critical_failed`` (a critical item answered at full risk) the band is at least
    ``CRITICAL_FLOOR``. Raises ValueError for a value outside 0..100 or NaN.
    """
    if not 0.0 <= risk_index <= 100.0:
        raise ValueError(f"risk index must be within 0..100, got {risk_index!r}")
    band: Band = "low"
    for name, lower in BAND_CUTOFFS.items():
        if risk_index >= lower:
            band = name
    if critical_failed and BANDS.index(band) < BANDS.index(CRITICAL_FLOOR):
        return CRITICAL_FLOOR
    return band


@dataclass(frozen=True)
class SectionScore:
    """The score of one section, as the whole index but within the section."""

    section: str
    risk_index: float | None  # None when nothing applicable was answered in the section
    completeness: float  # 0..1 by weight, over the items the role may answer
    answered: int  # items answered, "na" included
    items: int  # items the role may answer in this section


@dataclass(frozen=True)
class Factor:
    """One answer that adds risk, and what fixing it alone would do."""

    item_id: str
    section: str
    weight: float
    risk: float
    critical: bool
    points: float  # index points this answer contributes: 100 * weight * risk / applicable weight
    index_if_fixed: float  # the index if only this item were moved to its safest option


@dataclass(frozen=True)
class FixStep:
    """The index and band after fixing this item and every item before it in the plan."""

    item_id: str
    index_after: float
    band_after: Band


@dataclass(frozen=True)
class ScoreResult:
    """The score of one set of answers against one checklist version."""

    checklist_version: str
    scoring_version: str
    risk_index: float | None  # None when no applicable scored item was answered
    band: Band | None
    completeness: float  # 0..1, by weight
    sections: tuple[SectionScore, ...]
    factors: tuple[Factor, ...]  # every answer with risk > 0, by points desc then item id
    critical_failed: tuple[str, ...]  # ids of critical items answered at full risk
    # The whole plan, one step per factor in factor order; fix_plan(n) returns its first n.
    fix_steps: tuple[FixStep, ...] = field(default=(), repr=False)

    def top_factors(self, n: int = 5) -> tuple[Factor, ...]:
        """Return the ``n`` answers that add the most to the index."""
        if n < 0:
            raise ValueError("n must not be negative")
        return self.factors[:n]

    def fix_plan(self, n: int = 3) -> tuple[FixStep, ...]:
        """Return cumulative steps fixing the top ``n`` factors: "fix these -> index 62 -> 38"."""
        if n < 0:
            raise ValueError("n must not be negative")
        return self.fix_steps[:n]


def _percent(terms: Iterable[float], weight: float) -> float:
    # fsum is exact before its single rounding, so the result does not depend on the order of
    # the terms, and all-worst answers give exactly 100 (each term is then exactly its weight).
    return math.fsum(terms) / weight * 100.0


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0.0 else 0.0


@dataclass(frozen=True)
class _Answer:
    item: ScoringItem
    risk: float | None  # None: answered "not applicable"
    counted: bool  # the role may answer this item, so it counts towards completeness


def _resolve(
    checklist: ScoringChecklist, answers: Mapping[str, str], role: str | None
) -> tuple[list[ScoringItem], list[_Answer]]:
    """Return the items the role may answer and the validated answers, in checklist order."""
    allowed: list[ScoringItem] = []
    resolved: list[_Answer] = []
    for item in checklist.items:
        counted = role is None or role in item.roles
        if counted:
            allowed.append(item)
        if item.id not in answers:
            continue
        value = answers[item.id]
        if value == NOT_APPLICABLE:
            resolved.append(_Answer(item, None, counted))
            continue
        risk = item.risk_of(value)
        if risk is None:
            raise ValueError(f"item {item.id!r} has no option {value!r}")
        resolved.append(_Answer(item, risk, counted))
    return allowed, resolved


def _section_score(
    section: str, allowed: Sequence[ScoringItem], resolved: Sequence[_Answer]
) -> SectionScore:
    items = [i for i in allowed if i.section == section]
    answered = [a for a in resolved if a.item.section == section]
    counted = [a for a in answered if a.counted]
    applicable = [(a.item.weight, a.risk) for a in answered if a.risk is not None]
    weight = math.fsum(w for w, _ in applicable)
    index = publish(_percent((w * r for w, r in applicable), weight)) if applicable else None
    return SectionScore(
        section=section,
        risk_index=index,
        completeness=_ratio(
            math.fsum(a.item.weight for a in counted), math.fsum(i.weight for i in items)
        ),
        answered=len(counted),
        items=len(items),
    )


def score_answers(
    checklist: ScoringChecklist, answers: Mapping[str, str], *, role: str | None = None
) -> ScoreResult:
    """Score one set of answers (item id -> option value or "na") against a checklist.

    ``role`` limits completeness to the items that role may answer (None: every item). An
    answer to an item outside the role (a yard's consensus mixes residents and cooperatives)
    is still scored but does not count towards completeness. Answers to ids outside the
    scoring checklist (unscored items) are ignored. Raises ValueError for a value that is not
    an option of its item. Returns the index, band, completeness, section scores, factors and
    fix plan; the result does not depend on the order of ``answers``.
    """
    # Everything below walks the checklist in its own order, never the mapping's order.
    allowed, resolved = _resolve(checklist, answers, role)
    applicable = [a for a in resolved if a.risk is not None]
    risks = [a.risk for a in applicable if a.risk is not None]
    weight = math.fsum(a.item.weight for a in applicable)
    terms = [a.item.weight * r for a, r in zip(applicable, risks, strict=True)]
    safest = [a.item.weight * a.item.best_risk for a in applicable]

    completeness = _ratio(
        math.fsum(a.item.weight for a in resolved if a.counted),
        math.fsum(i.weight for i in allowed),
    )
    sections = tuple(_section_score(s, allowed, resolved) for s in checklist.sections)
    critical_failed = tuple(
        a.item.id for a, r in zip(applicable, risks, strict=True) if a.item.critical and r >= 1.0
    )

    if not applicable:
        return ScoreResult(
            checklist_version=checklist.version,
            scoring_version=SCORING_VERSION,
            risk_index=None,
            band=None,
            completeness=completeness,
            sections=sections,
            factors=(),
            critical_failed=(),
        )

    risk_index = publish(_percent(terms, weight))
    factors: list[tuple[int, Factor]] = []
    for pos, (answer, risk) in enumerate(zip(applicable, risks, strict=True)):
        if risk <= 0.0:
            continue
        # The item stays applicable when fixed, so the denominator does not change.
        fixed = terms[:pos] + [safest[pos]] + terms[pos + 1 :]
        factor = Factor(
            item_id=answer.item.id,
            section=answer.item.section,
            weight=answer.item.weight,
            risk=risk,
            critical=answer.item.critical,
            points=publish(terms[pos] / weight * 100.0),
            index_if_fixed=publish(_percent(fixed, weight)),
        )
        factors.append((pos, factor))
    # Sorted on the published points so the order can be checked against what people see.
    factors.sort(key=lambda pf: (-pf[1].points, pf[1].item_id))

    steps: list[FixStep] = []
    plan_terms = list(terms)
    still_failed = set(critical_failed)
    for pos, factor in factors:
        plan_terms[pos] = safest[pos]
        if applicable[pos].item.best_risk < 1.0:
            still_failed.discard(factor.item_id)
        index_after = publish(_percent(plan_terms, weight))
        steps.append(
            FixStep(
                item_id=factor.item_id,
                index_after=index_after,
                band_after=band_for(index_after, critical_failed=bool(still_failed)),
            )
        )

    return ScoreResult(
        checklist_version=checklist.version,
        scoring_version=SCORING_VERSION,
        risk_index=risk_index,
        # The band follows the published index, so a yard shown at 25.0 is never called "low".
        band=band_for(risk_index, critical_failed=bool(critical_failed)),
        completeness=completeness,
        sections=sections,
        factors=tuple(f for _, f in factors),
        critical_failed=critical_failed,
        fix_steps=tuple(steps),
    )
