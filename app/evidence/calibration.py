"""Decile calibration: do riskier areas see more offences, step by step?

Areas are sorted by risk and cut into bins of near-equal size (deciles when there are 80
or more areas; fewer bins so that each holds at least 8). Each bin shows its mean risk,
the observed rate per 10,000 residents and the rate the negative binomial model expects.
The monotonicity figure is Spearman's rho between the bins' mean risk and observed rate:
1 when every riskier bin has a higher rate.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.evidence import power
from app.evidence.correlation import spearman
from app.evidence.result import Calibration, CalibrationBin, Figure

FloatArray = NDArray[np.float64]


def calibration(
    risk: FloatArray,
    offences: NDArray[np.int64],
    population: FloatArray,
    expected: FloatArray | None,
) -> Calibration:
    """Bins by risk with observed and expected rates; ``expected`` counts may be None.

    Ties in risk may straddle a bin edge (bins are equal counts of areas, stably sorted).
    The monotonicity rho has no interval: it rests on 3-10 bins.
    """
    n = len(risk)
    n_bins = power.calibration_bins(n)
    if n_bins < power.MIN_BINS:
        needed = power.areas_for_calibration()
        return Calibration(Figure.not_enough("too_few_areas", needed=needed, have=n))
    if np.ptp(risk) == 0:
        return Calibration(Figure.failed("no_variation_in_risk"))
    order = np.argsort(risk, kind="stable")
    bins = []
    for number, idx in enumerate(np.array_split(order, n_bins), start=1):
        pop = float(population[idx].sum())
        observed = float(offences[idx].sum()) / pop * 10_000 if pop > 0 else 0.0
        expected_rate = None
        if expected is not None and pop > 0:
            expected_rate = float(expected[idx].sum()) / pop * 10_000
        bins.append(
            CalibrationBin(
                bin=number,
                n_areas=len(idx),
                risk_min=float(risk[idx].min()),
                risk_max=float(risk[idx].max()),
                mean_risk=float(risk[idx].mean()),
                offences=int(offences[idx].sum()),
                observed_rate=observed,
                expected_rate=expected_rate,
            )
        )
    means = np.array([b.mean_risk for b in bins])
    rates = np.array([b.observed_rate for b in bins])
    rho = spearman(means, rates)
    if not np.isfinite(rho):
        return Calibration(Figure.failed("no_variation_in_outcome"), tuple(bins))
    return Calibration(Figure.ok(rho, None, n), tuple(bins))
