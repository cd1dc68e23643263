"""Area flags: problem areas by the probability of exceeding the limit, clusters of poor
conditions (Getis-Ord Gi* with Benjamini-Hochberg control), and their reasons.

Pure: numbers in, numbers and flags out. The caller groups yards into areas and finds
neighbours; nothing here knows about polygons, the database or the web. The area estimates
themselves (empirical Bayes) are in ``app.scoring.area_estimates``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.scoring.area_estimates import (
    AreaEstimate,
    AreaModel,
    AreaSample,
    estimate_areas,
    normal_cdf,
)

FlagCode = Literal["problem_area", "needs_more_audits", "cluster", "not_enough_data", "stale"]


@dataclass(frozen=True)
class Flag:
    """A flag, the numbers that raised it (``values``) and an English ``reason``.

    The channels write the reason in the reader's language from ``code`` and ``values``
    (``Formatter.flag_reason``); ``reason`` is for logs and tests.
    """

    code: FlagCode
    reason: str
    values: tuple[tuple[str, float], ...] = ()

    @property
    def params(self) -> dict[str, float]:
        """``values`` as a dict: ``audited``, ``needed``, ``p``, ``limit``, ``low``,
        ``high``, ``certainty``, ``z``, ``neighbours``, ``q``, ``days``."""
        return dict(self.values)


@dataclass(frozen=True)
class FlagRules:
    problem_risk: float = 50.0  # the line a true area mean must reach to be a problem
    min_audited: int = 3  # fewer audited yards: not enough data, never a flag on the figure
    problem_probability: float = 0.8  # P(true mean >= line) at least this: problem area
    unsure_probability: float = 0.2  # between this and the above: needs more audits
    cluster_fdr: float = 0.10  # Benjamini-Hochberg false discovery rate over tested areas
    cluster_min_neighbours: int = 2  # neighbours with data an area needs to be tested
    stale_days: int = 90  # no submission for this many days: stale
    interval: float = 0.8  # the central probability of an area's [risk_low, risk_high]
    min_group_areas: int = 5  # areas with data a district needs for its own prior mean


@dataclass(frozen=True)
class ClusterTest:
    """One tested area's Gi* z, its one-sided p-value, how many neighbours with data it
    had, and whether it passed Benjamini-Hochberg."""

    z: float
    p: float
    neighbours: int
    significant: bool


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


def cluster_tests(
    values: Mapping[str, float],
    neighbours: Mapping[str, Set[str]],
    *,
    testable: Set[str],
    min_neighbours: int,
    fdr: float,
) -> dict[str, ClusterTest]:
    """Gi* of the ``testable`` areas that have at least ``min_neighbours`` neighbours in
    ``values``, one-sided p-values (high values) and Benjamini-Hochberg at ``fdr`` over them.

    ``values`` should have comparable variance across areas (standardised area means): Gi*
    on raw or shrunk means would make well-audited areas look more extreme. An area whose
    neighbours have no data is not tested at all (its "cluster" would be itself)."""
    z = getis_ord_gi_star(values, neighbours)
    counts = {i: sum(1 for j in neighbours.get(i, ()) if j in values and j != i) for i in values}
    tested = [i for i in values if i in testable and counts[i] >= min_neighbours]
    p = {i: 1.0 - normal_cdf(z[i]) for i in tested}
    passed = benjamini_hochberg(p, fdr)
    return {i: ClusterTest(z[i], p[i], counts[i], i in passed) for i in tested}


def assess_areas(
    samples: Mapping[str, AreaSample],
    *,
    neighbours: Mapping[str, Set[str]] | None,
    rules: FlagRules,
) -> tuple[AreaModel | None, dict[str, ClusterTest]]:
    """Every area's estimate and, with ``neighbours``, the cluster tests: Gi* on the
    standardised area means of the areas with data, tested where an area has
    ``min_audited`` yards and ``cluster_min_neighbours`` neighbours with data."""
    model = estimate_areas(
        samples,
        limit=rules.problem_risk,
        interval=rules.interval,
        min_group_areas=rules.min_group_areas,
    )
    if model is None or neighbours is None:
        return model, {}
    values = {k: e.standardised for k, e in model.areas.items()}
    testable = {k for k in model.areas if samples[k].n >= rules.min_audited}
    tests = cluster_tests(
        values,
        neighbours,
        testable=testable,
        min_neighbours=rules.cluster_min_neighbours,
        fdr=rules.cluster_fdr,
    )
    return model, tests


def benjamini_hochberg(p_values: Mapping[str, float], fdr: float) -> set[str]:
    """The keys rejected by the Benjamini-Hochberg step-up procedure at level ``fdr``."""
    ordered = sorted(p_values.items(), key=lambda kv: (kv[1], kv[0]))
    m = len(ordered)
    last = 0
    for rank, (_, p) in enumerate(ordered, start=1):
        if p <= fdr * rank / m:
            last = rank
    return {key for key, _ in ordered[:last]}


def area_flags(
    *,
    audited: int,
    estimate: AreaEstimate | None,
    cluster: ClusterTest | None,
    last_submission_at: datetime | None,
    now: datetime,
    rules: FlagRules,
) -> list[Flag]:
    """The flags of one area, each with the numbers that raised it.

    An area with no audited yard has no figure to judge: it gets no "not enough data" flag
    (it has no data at all, which the map shows as such) and is "stale" only when it had a
    submission once and none for ``stale_days``. With fewer than ``min_audited`` yards it is
    "not enough data" and never a problem area or a cluster.
    """
    flags: list[Flag] = []
    enough = audited >= rules.min_audited
    if 0 < audited < rules.min_audited:
        flags.append(
            Flag(
                "not_enough_data",
                f"{audited} audited yard{'s' if audited != 1 else ''} < {rules.min_audited} needed",
                (("audited", audited), ("needed", rules.min_audited)),
            )
        )
    elif enough and estimate is not None:
        values = (
            ("p", estimate.p_exceed),
            ("limit", rules.problem_risk),
            ("audited", audited),
            ("low", estimate.low),
            ("high", estimate.high),
        )
        if estimate.p_exceed >= rules.problem_probability:
            flags.append(
                Flag(
                    "problem_area",
                    f"P(true mean ≥ {rules.problem_risk:g}) = {estimate.p_exceed:.2f} ≥ "
                    f"{rules.problem_probability:g} with {audited} audited yards",
                    (*values, ("certainty", rules.problem_probability)),
                )
            )
        elif estimate.p_exceed >= rules.unsure_probability:
            flags.append(
                Flag(
                    "needs_more_audits",
                    f"P(true mean ≥ {rules.problem_risk:g}) = {estimate.p_exceed:.2f}, "
                    f"between {rules.unsure_probability:g} and {rules.problem_probability:g}, "
                    f"with {audited} audited yards",
                    (*values, ("certainty", rules.unsure_probability)),
                )
            )
    if enough and cluster is not None and cluster.significant:
        flags.append(
            Flag(
                "cluster",
                f"Gi* z {cluster.z:.2f} with {cluster.neighbours} neighbours with data, "
                f"significant at FDR {rules.cluster_fdr:g}",
                (
                    ("z", cluster.z),
                    ("neighbours", cluster.neighbours),
                    ("q", rules.cluster_fdr),
                ),
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
