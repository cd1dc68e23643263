"""A yard's consensus from several people's answer sets, and its score.

Per item the consensus is a risk: the median of the risks people's answers carry, and on an
even count the mean of the two middle ones, so the figure is neither the safer nor the riskier
of the middle two (the "lower middle" rule made a yard's index depend on whether an even or
odd number of people had answered). The consensus also names one option per item to show
people (``answers``); where the consensus risk is no option's risk it is kept in ``risks``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.scoring.engine import ScoreResult, publish, score_answers, score_at_risks
from app.scoring.model import NOT_APPLICABLE, ScoringChecklist, ScoringItem, ScoringOption


@dataclass(frozen=True)
class Combined:
    """A yard's consensus: an option (or "na") per answered item, and the risks between options.

    ``risks`` holds only the items whose consensus risk is not the risk of the option shown
    (an even count whose two middle answers differ); every other item scores as ``answers``.
    """

    answers: dict[str, str]
    risks: dict[str, float] = field(default_factory=dict)


def middle_risk(risks: Sequence[float]) -> float:
    """The median of ``risks`` (sorted or not): the mean of the two middle ones on an even
    count. Raises ValueError for an empty sequence."""
    if not risks:
        raise ValueError("no risks to combine")
    ordered = sorted(risks)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0


def nearest_option(item: ScoringItem, risk: float) -> ScoringOption:
    """The option to show for a consensus ``risk``: the nearest by risk, ties to the riskier
    (so an item that adds risk never shows a safe answer), then the first listed."""
    ranked = sorted(enumerate(item.options), key=lambda po: (abs(po[1].risk - risk), -po[1].risk))
    return ranked[0][1]


def middle_answer(item: ScoringItem, lower: str, upper: str) -> tuple[str, float | None]:
    """The consensus of an item from its two middle answers (the same one on an odd count),
    ranked by risk: the option to show and, when the consensus risk is not that option's,
    the risk (the mean of the two middle risks)."""
    low, high = item.risk_of(lower), item.risk_of(upper)
    assert low is not None and high is not None
    if low == high:
        return lower, None
    risk = (low + high) / 2.0
    option = nearest_option(item, risk)
    return option.value, (None if option.risk == risk else risk)


def option_ranks(item: ScoringItem) -> dict[str, int]:
    """The options' ranks: by risk, then by their place in the checklist."""
    ordered = sorted(enumerate(item.options), key=lambda po: (po[1].risk, po[0]))
    return {option.value: n for n, (_, option) in enumerate(ordered)}


def combine(checklist: ScoringChecklist, answer_sets: Sequence[Mapping[str, str]]) -> Combined:
    """Return the yard's consensus over every scored item that anyone answered.

    Per item, over those who gave a real answer ranked by risk (then by the checklist's
    order): the middle answer on an odd count; on an even count the two middle answers'
    mean risk and the option nearest to it (``middle_answer``). "na" wins only if more
    people said "na" than gave a real answer. Items nobody answered are left out; answers
    to ids outside the scoring checklist are ignored. The result does not depend on the
    order of ``answer_sets``. Raises ValueError for a value that is not an option of its
    item.
    """
    answers: dict[str, str] = {}
    risks: dict[str, float] = {}
    for item in checklist.items:
        rank = option_ranks(item)
        real: list[str] = []
        not_applicable = 0
        for one in answer_sets:
            value = one.get(item.id)
            if value is None:
                continue
            if value == NOT_APPLICABLE:
                not_applicable += 1
            elif value in rank:
                real.append(value)
            else:
                raise ValueError(f"item {item.id!r} has no option {value!r}")
        if not_applicable > len(real):
            answers[item.id] = NOT_APPLICABLE
        elif real:
            real.sort(key=rank.__getitem__)
            n = len(real)
            shown, risk = middle_answer(item, real[(n - 1) // 2], real[n // 2])
            answers[item.id] = shown
            if risk is not None:
                risks[item.id] = risk
    return Combined(answers, risks)


def combine_answers(
    checklist: ScoringChecklist, answer_sets: Sequence[Mapping[str, str]]
) -> dict[str, str]:
    """The options ``combine`` shows per item (its ``answers``)."""
    return combine(checklist, answer_sets).answers


def score_combined(
    checklist: ScoringChecklist,
    answers: Mapping[str, str],
    risks: Mapping[str, float],
    *,
    role: str | None = None,
) -> ScoreResult:
    """Score a consensus: ``answers`` as ``score_answers`` does, except that an item in
    ``risks`` counts at that risk (a consensus between two options). Factors, the fix plan
    and the critical rule follow the same arithmetic. Raises ValueError for a risk outside
    0..1 or an answer that is not an option."""
    if not risks:
        return score_answers(checklist, answers, role=role)
    for item_id, risk in risks.items():
        if not (math.isfinite(risk) and 0.0 <= risk <= 1.0):
            raise ValueError(f"item {item_id!r}: consensus risk must be within 0..1")
    # As if each such item had one more option at that risk, without building one: the
    # checklist copied per consensus was half the cost of scoring a yard.
    return score_at_risks(checklist, answers, risks, role=role)


# Two-sided 80% Student t quantiles (the 0.90 quantile) by degrees of freedom; beyond the
# table the next listed one is used (a slightly wider interval), and the normal's past 120.
_T90 = {
    1: 3.078, 2: 1.886, 3: 1.638, 4: 1.533, 5: 1.476, 6: 1.440, 7: 1.415, 8: 1.397,
    9: 1.383, 10: 1.372, 11: 1.363, 12: 1.356, 13: 1.350, 14: 1.345, 15: 1.341, 16: 1.337,
    17: 1.333, 18: 1.330, 19: 1.328, 20: 1.325, 25: 1.316, 30: 1.310, 40: 1.303, 60: 1.296,
    120: 1.289,
}  # fmt: skip
_Z90 = 1.2816


def t90(df: int) -> float:
    """The 0.90 quantile of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    for known in sorted(_T90):
        if df <= known:
            return _T90[known] if df == known else _T90[max(k for k in _T90 if k <= df)]
    return _Z90


def consensus_interval(center: float, indices: Sequence[float]) -> tuple[float, float] | None:
    """An 80% interval around a consensus index ``center`` from the indices of the checks it
    was built from: ``center`` -/+ t(0.90, n-1) * s / sqrt(n), s their standard deviation;
    clipped to 0..100 and published to one decimal. None for fewer than two checks (one
    check says nothing of its own spread). With three or more checks the per-item median
    varies less than the mean of the checks' indices when people mostly agree, so the
    interval is then conservative (tests/yards/test_consensus_simulation.py).
    """
    n = len(indices)
    if n < 2:
        return None
    mean = math.fsum(indices) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in indices) / (n - 1))
    half = t90(n - 1) * sd / math.sqrt(n)
    return publish(max(0.0, center - half)), publish(min(100.0, center + half))
