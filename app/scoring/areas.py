"""Area figures: coverage-aware risk, hotspots (Getis-Ord Gi*) and flags with their reasons.

Pure: numbers in, numbers and flags out. The caller groups yards into areas and finds
neighbours; nothing here knows about polygons, the database or the web.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FlagCode = Literal["problem_area", "hotspot", "not_enough_data", "stale"]


@dataclass(frozen=True)
class Flag:
    """A flag, the numbers that raised it (``values``) and an English ``reason``.

    The channels write the reason in the reader's language from ``code`` and ``values``
    (``app.channels.web.flags``); ``reason`` is for logs and tests.
    """

    code: FlagCode
    reason: str
    values: tuple[tuple[str, float], ...] = ()

    @property
    def params(self) -> dict[str, float]:
        """``values`` as a dict: ``audited``, ``needed``, ``risk``, ``limit``, ``z``, ``days``."""
        return dict(self.values)


@dataclass(frozen=True)
class FlagRules:
    problem_risk: float = 50.0  # coverage-aware risk at or above this is a problem area
    min_audited: int = 3  # fewer audited yards: not enough data, and never a problem area
    hotspot_z: float = 1.96  # Gi* z above this is a hotspot
    stale_days: int = 90  # no submission for this many days: stale


def shrunk_risk(n: int, mean: float | None, city_mean: float, k: float) -> float:
    """Empirical-Bayes style shrinkage toward the city mean: ``(n*mean + k*city_mean)/(n+k)``.

    With no audited yards (n = 0 or no mean) it is the city mean; as n grows it tends to the
    area's own mean. ``k`` is how many yards' worth of weight the city mean carries.
    """
    if n < 0 or k < 0:
        raise ValueError("n and k must not be negative")
    if n == 0 or mean is None:
        return city_mean
    if n + k == 0:
        return mean
    return (n * mean + k * city_mean) / (n + k)


def disagreement(residents_index: float | None, inspector_index: float | None) -> float | None:
    """|residents' median index - inspector's index|, or None when either is missing."""
    if residents_index is None or inspector_index is None:
        return None
    return abs(residents_index - inspector_index)


def getis_ord_gi_star(
    values: Mapping[str, float], neighbours: Mapping[str, Set[str]]
) -> dict[str, float]:
    """Getis-Ord Gi* z-score per area with binary weights (an area and the areas it touches).

    Only areas in ``values`` take part (areas without a value are skipped as neighbours).
    With fewer than two areas, or when every value is equal, every z is 0.
    """
    ids = list(values)
    n = len(ids)
    if n < 2:
        return {i: 0.0 for i in ids}
    mean = math.fsum(values.values()) / n
    # Two-pass: the textbook E[x²] - mean² cancels badly when values are close.
    s = math.sqrt(math.fsum((v - mean) ** 2 for v in values.values()) / n)
    if s <= 1e-12:
        return {i: 0.0 for i in ids}
    out: dict[str, float] = {}
    for i in ids:
        group = {i} | {j for j in neighbours.get(i, ()) if j in values}
        w = len(group)  # sum of weights = sum of squared weights (binary, self included)
        local = math.fsum(values[j] for j in group)
        denominator = s * math.sqrt((n * w - w * w) / (n - 1))
        out[i] = 0.0 if denominator <= 1e-12 else (local - mean * w) / denominator
    return out


def area_flags(
    *,
    audited: int,
    coverage_risk: float | None,
    gi_z: float | None,
    last_submission_at: datetime | None,
    now: datetime,
    rules: FlagRules,
) -> list[Flag]:
    """The flags of one area, each with the numbers that raised it.

    An area with no audited yard has no figure to judge: it gets no "not enough data" flag
    (it has no data at all, which the map shows as such) and is "stale" only when it had a
    submission once and none for ``stale_days``.
    """
    flags: list[Flag] = []
    if 0 < audited < rules.min_audited:
        flags.append(
            Flag(
                "not_enough_data",
                f"{audited} audited yard{'s' if audited != 1 else ''} < {rules.min_audited} needed",
                (("audited", audited), ("needed", rules.min_audited)),
            )
        )
    elif audited and coverage_risk is not None and coverage_risk >= rules.problem_risk:
        flags.append(
            Flag(
                "problem_area",
                f"coverage-aware risk {coverage_risk:.1f} ≥ {rules.problem_risk:g} "
                f"with {audited} audited yards",
                (("risk", coverage_risk), ("limit", rules.problem_risk), ("audited", audited)),
            )
        )
    if gi_z is not None and gi_z > rules.hotspot_z:
        flags.append(
            Flag(
                "hotspot",
                f"Gi* z {gi_z:.2f} > {rules.hotspot_z:g} with its neighbours",
                (("z", gi_z), ("limit", rules.hotspot_z)),
            )
        )
    if last_submission_at is not None:
        days = (now - last_submission_at).days
        if days >= rules.stale_days:
            flags.append(
                Flag(
                    "stale",
                    f"no submission for {days} days ≥ {rules.stale_days}",
                    (("days", days), ("limit", rules.stale_days)),
                )
            )
    return flags
