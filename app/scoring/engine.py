"""Answers + checklist -> an explainable risk index (0 safest .. 100 worst).

The index is the weighted mean of the answered options' risk over the applicable items, x100.
See docs/METHODOLOGY.md for the same rules in plain words and a worked example.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain
from types import MappingProxyType
from typing import Any, Literal, TypeVar

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

    Python's ``round`` rounds binary floats half-to-even (62.25 -> 62.2), and 44.65 is stored as
    44.64999...; residents checking the arithmetic by hand expect 62.3 and 44.7. So a value is
    rounded as its shortest decimal form. That is still monotonic, so "fixing never raises the
    index" holds after rounding too. Raises ValueError for NaN or infinity.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot publish {value!r}")
    scaled = value * 10.0
    # Fast path: away from a half, the nearest tenth is the same either way (n / 10 is the
    # float nearest to the decimal n/10, as float("n/10") is).
    if abs(scaled - math.floor(scaled) - 0.5) > 1e-6:
        return math.floor(scaled + 0.5) / 10.0
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


def _percent(part: float, weight: float) -> float:
    return part / weight * 100.0


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0.0 else 0.0


def _exact_partials(values: Sequence[float]) -> tuple[float, ...]:
    """Return a few floats whose exact sum is the exact sum of ``values``.

    ``math.fsum((*partials, *more))`` is then the correctly rounded sum of all the values and
    ``more`` at the cost of a few additions: the index "if this item were fixed" for every
    factor without adding up the whole checklist again, and bit for bit what a full re-score
    of the fixed answers gives. Each partial is the correctly rounded rest of the sum after
    the ones before (``math.fsum`` is exact): two or three do, where Shewchuk's msum float by
    float in Python cost ~15% of a score.
    """
    partials: list[float] = []
    # Each rest is at most half an ulp of the partial before: this ends within a few rounds.
    while rest := math.fsum(chain(values, [-p for p in partials])):
        partials.append(rest)
        if not math.isfinite(rest):  # a NaN or infinite sum never cancels: it stays the sum
            break
    return tuple(partials)


# One step of the plan: item id, its weight * risk now, its weight * risk when fixed, and
# whether fixing it takes a failed critical item off full risk. A plain tuple: one is made
# for every factor of every score.
_Move = tuple[str, float, float, bool]


@dataclass(frozen=True)
class _Plan:
    """What the fix plan needs, kept so that fix_plan(n) works out only the steps asked for."""

    weight: float
    partials: tuple[float, ...]
    critical_failed: frozenset[str]
    moves: tuple[_Move, ...]

    def steps(self, n: int) -> tuple[FixStep, ...]:
        values = list(self.partials)
        still_failed = set(self.critical_failed)
        steps: list[FixStep] = []
        for item_id, term, fixed_term, clears_critical in self.moves[:n]:
            values += (-term, fixed_term)
            if clears_critical:
                still_failed.discard(item_id)
            index_after = publish(_percent(math.fsum(values), self.weight))
            band_after = band_for(index_after, critical_failed=bool(still_failed))
            steps.append(FixStep(item_id, index_after, band_after))
        return tuple(steps)


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

    def top_factors(self, n: int = 5) -> tuple[Factor, ...]:
        """Return the ``n`` answers that add the most to the index."""
        if n < 0:
            raise ValueError("n must not be negative")
        return self.factors[:n]

    def fix_plan(self, n: int = 3) -> tuple[FixStep, ...]:
        """Return cumulative steps fixing the top ``n`` factors: "fix these -> index 62 -> 38".

        Step k holds the index and band after fixing factors 1..k (each moved to its safest
        option); a fixed critical item no longer holds the band at "high".
        """
        if n < 0:
            raise ValueError("n must not be negative")
        # Attached by score_answers outside the fields, so it stays out of ==, repr() and
        # asdict(); a result built by hand (or copied with replace()) has an empty plan.
        plan: _Plan | None = self.__dict__.get("_plan")
        return plan.steps(n) if plan is not None else ()


@dataclass(frozen=True)
class _Layout:
    """What scoring needs of a checklist for one role, worked out once per (checklist, role):
    per item its section's position and whether it counts towards completeness, and per
    section the weights the role may answer (their sum is the completeness denominator)."""

    items: tuple[tuple[ScoringItem, int, bool], ...]
    section_weight: tuple[float, ...]  # fsum of each section's counted weights
    section_items: tuple[int, ...]  # how many items of each section count
    weight: float  # fsum of every counted weight


def _layout(checklist: ScoringChecklist, role: str | None) -> _Layout:
    # Kept on the (frozen) checklist outside its fields, like ScoreResult's plan: a checklist
    # version's layout never changes, and this runs for every score.
    cache: dict[str | None, _Layout] = checklist.__dict__.setdefault("_layouts", {})
    layout = cache.get(role)
    if layout is None:
        position = {section: n for n, section in enumerate(checklist.sections)}
        counted_weights: list[list[float]] = [[] for _ in checklist.sections]
        items = []
        for item in checklist.items:
            counted = role is None or role in item.roles
            if counted:
                counted_weights[position[item.section]].append(item.weight)
            items.append((item, position[item.section], counted))
        layout = _Layout(
            items=tuple(items),
            section_weight=tuple(math.fsum(w) for w in counted_weights),
            section_items=tuple(len(w) for w in counted_weights),
            weight=_fsum_all(counted_weights),
        )
        cache[role] = layout
    return layout


def _fsum_all(lists: Iterable[list[float]]) -> float:
    # fsum is exact before its single rounding: summing section by section gives the same
    # float as summing the whole checklist in any order.
    return math.fsum(chain.from_iterable(lists))


_MISSING = object()
_Frozen = TypeVar("_Frozen")


def _frozen(cls: type[_Frozen], values: dict[str, Any]) -> _Frozen:
    """An instance of the frozen dataclass ``cls`` holding ``values`` (every field, in order),
    as ``cls(**values)`` makes it but without its ``__init__``: that sets each field through
    ``object.__setattr__``, and a score makes ~35 of them (a quarter of its time)."""
    made: _Frozen = object.__new__(cls)
    made.__dict__.update(values)
    return made


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
    return score_at_risks(checklist, answers, {}, role=role)


def score_at_risks(
    checklist: ScoringChecklist,
    answers: Mapping[str, str],
    risks: Mapping[str, float],
    *,
    role: str | None = None,
) -> ScoreResult:
    """``score_answers``, except that an answered item in ``risks`` counts at that risk
    whatever its answer (its safest option's risk, if lower, is what fixing it reaches).
    The caller checks that each risk is within 0..1 (``app.scoring.combine.score_combined``)."""
    layout = _layout(checklist, role)
    sections = checklist.sections
    answered_weight: list[list[float]] = [[] for _ in sections]  # counted items answered
    applicable_weight: list[list[float]] = [[] for _ in sections]  # answered, not "na"
    terms: list[list[float]] = [[] for _ in sections]  # weight * risk of those
    # item, risk, weight * risk, the risk fixing it reaches
    applicable: list[tuple[ScoringItem, float, float, float]] = []
    # Walk the checklist in its own order, never the mapping's: same answers, same floats.
    for item, section, counted in layout.items:
        value = answers.get(item.id, _MISSING)
        if value is _MISSING:
            continue
        weight = item.weight
        if counted:
            answered_weight[section].append(weight)
        between = risks.get(item.id) if risks else None
        risk: float | None
        if between is not None:
            risk, best = between, min(item.best_risk, between)
        elif value == NOT_APPLICABLE:
            continue
        else:
            risk = item.risk_of(value) if isinstance(value, str) else None
            if risk is None:
                raise ValueError(f"item {item.id!r} has no option {value!r}")
            best = item.best_risk
        term = weight * risk
        applicable_weight[section].append(weight)
        terms[section].append(term)
        applicable.append((item, risk, term, best))

    completeness = _ratio(_fsum_all(answered_weight), layout.weight)
    section_scores = tuple(
        _frozen(
            SectionScore,
            {
                "section": name,
                "risk_index": (
                    publish(_percent(math.fsum(terms[n]), math.fsum(applicable_weight[n])))
                    if applicable_weight[n]
                    else None
                ),
                "completeness": _ratio(math.fsum(answered_weight[n]), layout.section_weight[n]),
                "answered": len(answered_weight[n]),
                "items": layout.section_items[n],
            },
        )
        for n, name in enumerate(sections)
    )
    if not applicable:
        return ScoreResult(
            checklist_version=checklist.version,
            scoring_version=SCORING_VERSION,
            risk_index=None,
            band=None,
            completeness=completeness,
            sections=section_scores,
            factors=(),
            critical_failed=(),
        )

    weight = _fsum_all(applicable_weight)
    partials = _exact_partials([term for _, _, term, _ in applicable])
    risk_index = publish(_percent(math.fsum(partials), weight))
    critical_failed = tuple(i.id for i, risk, _, _ in applicable if i.critical and risk >= 1.0)

    ranked: list[tuple[Factor, _Move]] = []
    for item, risk, term, best in applicable:
        if risk <= 0.0:
            continue
        fixed_term = item.weight * best
        # The item stays applicable when fixed, so the denominator does not change.
        fixed = math.fsum((*partials, -term, fixed_term))
        factor = _frozen(
            Factor,
            {
                "item_id": item.id,
                "section": item.section,
                "weight": item.weight,
                "risk": risk,
                "critical": item.critical,
                "points": publish(_percent(term, weight)),
                "index_if_fixed": publish(_percent(fixed, weight)),
            },
        )
        clears = item.id in critical_failed and best < 1.0
        ranked.append((factor, (item.id, term, fixed_term, clears)))
    # Sorted on the published points so the order can be checked against what people see.
    ranked.sort(key=lambda fm: (-fm[0].points, fm[0].item_id))

    result = ScoreResult(
        checklist_version=checklist.version,
        scoring_version=SCORING_VERSION,
        risk_index=risk_index,
        # The band follows the published index, so a yard shown at 25.0 is never called "low".
        band=band_for(risk_index, critical_failed=bool(critical_failed)),
        completeness=completeness,
        sections=section_scores,
        factors=tuple(f for f, _ in ranked),
        critical_failed=critical_failed,
    )
    plan = _Plan(weight, partials, frozenset(critical_failed), tuple(m for _, m in ranked))
    object.__setattr__(result, "_plan", plan)
    return result
