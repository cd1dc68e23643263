"""Area risk by empirical Bayes: each area's mean over its yards, pulled toward its prior by
as much as its few yards leave in doubt, with a posterior SD, an interval and the probability
that the area's true mean is at or above a limit.

The model (normal-normal, estimated from the data, no fixed constants):
  yard index y_ij = theta_i + e_ij, e_ij ~ (0, sigma^2)    sigma^2: pooled within-area variance
  area mean theta_i = mu_g(i) + u_i, u_i ~ (0, tau^2)       tau^2: between-area variance
``mu_g`` is the mean of the area's district (its prior group) when that group has at least
``min_group_areas`` areas with data, else the city's; tau^2 is the DerSimonian-Laird moment
estimate around those prior means. Pure: numbers in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist

CITY = "__city__"  # the prior group of areas whose district has too few areas with data


@dataclass(frozen=True)
class AreaSample:
    """One area's audited yards: how many, their mean index and their sum of squared
    deviations from that mean; ``group``: the district whose mean may serve as the prior."""

    n: int
    mean: float
    sum_squares: float = 0.0
    group: str | None = None


@dataclass(frozen=True)
class AreaEstimate:
    mean: float  # posterior mean (the figure the map shows)
    sd: float  # posterior SD
    low: float  # the interval's ends (0..100)
    high: float
    p_exceed: float  # P(true mean >= limit | data)
    prior_mean: float
    # (area mean - prior) / its marginal SD: comparable across areas whatever their yards.
    standardised: float


@dataclass(frozen=True)
class AreaModel:
    within_var: float  # sigma^2, yards within an area
    between_var: float  # tau^2, areas around their prior means
    city_mean: float
    prior_means: dict[str, float]  # per prior group (CITY included)
    areas: dict[str, AreaEstimate]


_STANDARD_NORMAL = NormalDist()


def normal_cdf(x: float) -> float:
    return _STANDARD_NORMAL.cdf(x)


def normal_quantile(p: float) -> float:
    """The standard normal quantile (the standard library's ``NormalDist``)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be between 0 and 1")
    return _STANDARD_NORMAL.inv_cdf(p)


def exceed_probability(mean: float, sd: float, limit: float) -> float:
    """P(X >= limit) for X ~ N(mean, sd^2); a point mass when sd is 0."""
    if sd <= 1e-12:
        return 1.0 if mean >= limit else 0.0
    return 1.0 - normal_cdf((limit - mean) / sd)


def pooled_within_variance(samples: Mapping[str, AreaSample], fallback: float) -> float:
    """Sum of within-area squared deviations over its degrees of freedom; ``fallback``
    when no area has two yards."""
    ss = math.fsum(max(s.sum_squares, 0.0) for s in samples.values())
    df = sum(s.n - 1 for s in samples.values() if s.n > 0)
    return ss / df if df > 0 else fallback


def estimate_areas(
    samples: Mapping[str, AreaSample],
    *,
    limit: float,
    interval: float = 0.8,
    min_group_areas: int = 5,
    fallback_within_var: float = 225.0,
) -> AreaModel | None:
    """Posterior figures of every area with ``n >= 1``; None when no area has a yard.

    ``interval``: the central probability of [low, high]; ``limit``: the problem-area line
    whose exceedance probability each estimate carries."""
    data = {k: s for k, s in samples.items() if s.n > 0}
    if not data:
        return None
    sigma2 = max(pooled_within_variance(data, fallback_within_var), 1e-6)
    counts: dict[str, int] = {}
    for s in data.values():
        if s.group is not None:
            counts[s.group] = counts.get(s.group, 0) + 1

    def group_of(s: AreaSample) -> str:
        return s.group if s.group is not None and counts[s.group] >= min_group_areas else CITY

    groups: dict[str, list[AreaSample]] = {}
    for s in data.values():
        groups.setdefault(group_of(s), []).append(s)
    tau2 = _between_variance(groups, sigma2)
    city_mean, _ = _weighted_mean(list(data.values()), sigma2, tau2)
    priors = {g: _weighted_mean(members, sigma2, tau2) for g, members in groups.items()}
    z = normal_quantile(0.5 + interval / 2)
    out: dict[str, AreaEstimate] = {}
    for key, s in data.items():
        prior, prior_var = priors[group_of(s)]
        sampling = sigma2 / s.n
        shrink = sampling / (sampling + tau2) if sampling + tau2 > 0 else 1.0
        # A mix of indices in 0..100 stays in 0..100 but for rounding (100.00000000000001
        # once: the band of it raised, and an inspector's area page answered 500).
        mean = min(max(prior + (1.0 - shrink) * (s.mean - prior), 0.0), 100.0)
        # The prior mean is itself estimated: its variance passes through the shrinkage.
        sd = math.sqrt((1.0 - shrink) * sampling + shrink * shrink * prior_var)
        out[key] = AreaEstimate(
            mean=mean,
            sd=sd,
            low=min(max(mean - z * sd, 0.0), 100.0),
            high=min(max(mean + z * sd, 0.0), 100.0),
            p_exceed=exceed_probability(mean, sd, limit),
            prior_mean=prior,
            standardised=(s.mean - prior) / math.sqrt(sampling + tau2),
        )
    return AreaModel(sigma2, tau2, city_mean, {g: p[0] for g, p in priors.items()}, out)


def _weighted_mean(members: list[AreaSample], sigma2: float, tau2: float) -> tuple[float, float]:
    """The precision-weighted mean of area means and its variance."""
    weights = [1.0 / (sigma2 / s.n + tau2) for s in members]
    total = math.fsum(weights)
    return math.fsum(w * s.mean for w, s in zip(weights, members, strict=True)) / total, 1 / total


def _between_variance(groups: Mapping[str, list[AreaSample]], sigma2: float) -> float:
    """DerSimonian-Laird tau^2 around each group's fixed-effect mean (a meta-regression on
    the group), truncated at 0."""
    q, c, df = 0.0, 0.0, -len(groups)
    for members in groups.values():
        w = [s.n / sigma2 for s in members]
        sw = math.fsum(w)
        centre = math.fsum(wi * s.mean for wi, s in zip(w, members, strict=True)) / sw
        q += math.fsum(wi * (s.mean - centre) ** 2 for wi, s in zip(w, members, strict=True))
        c += sw - math.fsum(wi * wi for wi in w) / sw
        df += len(members)
    if df <= 0 or c <= 0:
        return 0.0
    return max(0.0, (q - df) / c)
