"""Chainey's prediction accuracy index (PAI) at the top 5, 10 and 20% of areas.

PAI = (share of offences in the top areas) / (share of land they cover). A ranking no
better than chance scores 1; risk terrain studies report about 4-5 at the top 10%. The
same index is computed for three baselines any index must beat: last year's offences,
population, and a random ranking (expected 1, with its 95% range from permutations).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from app.evidence import power
from app.evidence.correlation import block_ci, block_resamples, percentile_ci
from app.evidence.result import Figure, PaiAt

FloatArray = NDArray[np.float64]

TOP_SHARES: dict[str, float] = {"5": 0.05, "10": 0.10, "20": 0.20}


def top_weights(score: FloatArray, top_share: float) -> FloatArray:
    """Each area's weight in the top ``top_share`` of areas by ``score`` (highest first).

    The top holds ceil(share x n) areas. Areas tied at the cut share the remaining places
    equally (a fractional weight): the expected result over random tie-breaks, so a
    ranking with ties (last year's zeros, a constant index) gets no arbitrary credit.
    """
    n = len(score)
    k = max(1, math.ceil(top_share * n - 1e-9))
    threshold = np.sort(score)[::-1][k - 1]
    above = score > threshold
    tied = score == threshold
    weights = above.astype(float)
    weights[tied] = (k - above.sum()) / tied.sum()
    return weights


def pai_value(
    score: FloatArray, offences: FloatArray, size_km2: FloatArray, top_share: float
) -> tuple[float, float, float]:
    """(PAI, hit rate, area share) of the top ``top_share`` of areas by ``score``.

    The hit rate is the share of all offences in the top areas; NaN when there are none.
    """
    w = top_weights(score, top_share)
    total = float(offences.sum())
    land = float(size_km2.sum())
    if total <= 0 or land <= 0:
        return float("nan"), float("nan"), float("nan")
    hit = float((w * offences).sum()) / total
    area_share = float((w * size_km2).sum()) / land
    return hit / area_share, hit, area_share


def random_range(
    offences: FloatArray,
    size_km2: FloatArray,
    top_share: float,
    *,
    rng: np.random.Generator,
    n_perm: int,
) -> tuple[float, float] | None:
    """The 2.5-97.5 percentiles of PAI for rankings drawn at random."""
    values = [
        pai_value(rng.permutation(len(offences)).astype(float), offences, size_km2, top_share)[0]
        for _ in range(n_perm)
    ]
    return percentile_ci(values)


def pai_at(
    risk: FloatArray,
    offences: NDArray[np.int64],
    offences_before: NDArray[np.int64],
    population: FloatArray,
    size_km2: FloatArray,
    blocks: Sequence[str],
    *,
    top_share: float,
    rng: np.random.Generator,
    n_boot: int,
) -> PaiAt:
    """PAI of the index at ``top_share`` with a district block bootstrap CI and baselines.

    ``not_enough_data`` when the top would hold fewer than 3 areas or fewer than 5
    offences are expected there at random; ``not_ok`` when risk does not vary.
    """
    n = len(risk)
    total = int(offences.sum())
    needed_areas = power.areas_for_pai(top_share)
    needed_offences = power.offences_for_pai(top_share)
    if n < needed_areas:
        return PaiAt(top_share, Figure.not_enough("too_few_areas", needed=needed_areas, have=n))
    if total < needed_offences:
        figure = Figure.not_enough("too_few_offences", needed=needed_offences, have=total)
        return PaiAt(top_share, figure)
    if np.ptp(risk) == 0:
        return PaiAt(top_share, Figure.failed("no_variation_in_risk"))
    y = offences.astype(float)
    value, hit, area_share = pai_value(risk, y, size_km2, top_share)
    n_blocks = len(set(blocks))
    ci = None
    if n_blocks >= power.MIN_BLOCKS:
        boots = [
            pai_value(risk[i], y[i], size_km2[i], top_share)[0]
            for i in block_resamples(blocks, rng=rng, n_boot=n_boot)
        ]
        ci = block_ci(boots, value, n_blocks)
        ci = None if ci is None else (max(0.0, ci[0]), ci[1])
    return PaiAt(
        top_share,
        Figure.ok(value, ci, n),
        n_top_areas=max(1, math.ceil(top_share * n - 1e-9)),
        hit_rate=hit,
        area_share=area_share,
        baseline_offences_before=pai_value(offences_before.astype(float), y, size_km2, top_share)[
            0
        ],
        baseline_population=pai_value(population, y, size_km2, top_share)[0],
        random_range=random_range(y, size_km2, top_share, rng=rng, n_perm=n_boot),
    )
