"""The minimum data each figure needs to mean anything, and where each number comes from.

Below a minimum the figure reports ``not_enough_data`` with ``needed`` and ``have`` instead
of a number: a figure from too little data is noise that looks like evidence.
"""

from __future__ import annotations

import math

from scipy import stats

from app.evidence.result import MinimumData

# Goals the city set (issue 16); the power computation is for the correlation goal.
RHO_GOAL = 0.3
PAI_GOAL = 3.0
POWER = 0.8
ALPHA = 0.05

# A bootstrap that resamples fewer than 5 districts has almost no distinct resamples
# (5 blocks give 126); below 20 the interval is rough and the report says so.
MIN_BLOCKS = 5
ROUGH_BLOCKS = 20

# PAI: under a random ranking the top share s of areas expects s x N offences. With at
# least 5 expected there, the random ranking's 97.5th percentile PAI stays near 2, below
# the goal of 3 (a Poisson count with mean 5 exceeds 10 with probability ~1.4%).
PAI_MIN_EXPECTED_IN_TOP = 5
PAI_MIN_TOP_AREAS = 3

# Negative binomial model: at least 10 offences per estimated parameter (the
# events-per-variable rule of thumb) and 10 residual degrees of freedom.
EVENTS_PER_PARAMETER = 10
MIN_RESIDUAL_DF = 10

# Calibration: at least 8 areas per bin and at least 3 bins for a monotonicity rank.
AREAS_PER_BIN = 8
MIN_BINS = 3
MAX_BINS = 10


def areas_for_correlation(
    rho: float = RHO_GOAL, *, alpha: float = ALPHA, power: float = POWER
) -> int:
    """Areas needed to detect a correlation ``rho`` (two-sided ``alpha``, ``power``).

    Fisher's z: n = ((z_{1-alpha/2} + z_{power}) / atanh(rho))^2 + 3, rounded up; 85 for
    rho = 0.3 at 80% power and alpha = 0.05. Spearman's rho is a little less efficient
    than Pearson's, so this is a floor, not a guarantee.
    """
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return math.ceil((z / math.atanh(rho)) ** 2 + 3)


def offences_for_pai(top_share: float) -> int:
    """Offences needed for PAI at ``top_share``: >= 5 expected in the top under random."""
    return math.ceil(PAI_MIN_EXPECTED_IN_TOP / top_share - 1e-9)


def areas_for_pai(top_share: float) -> int:
    """Areas needed for the top ``top_share`` to hold at least 3 areas."""
    return math.ceil(PAI_MIN_TOP_AREAS / top_share - 1e-9)


def n_parameters(n_covariates: int, n_districts: int) -> int:
    """Intercept + covariates + district effects + the dispersion alpha."""
    return 1 + n_covariates + max(0, n_districts - 1) + 1


def offences_for_model(n_parameters: int) -> int:
    """Offences needed for a negative binomial model with ``n_parameters`` (incl. alpha)."""
    return EVENTS_PER_PARAMETER * n_parameters


def areas_for_model(n_parameters: int) -> int:
    """Areas needed to leave ``MIN_RESIDUAL_DF`` degrees of freedom after the parameters."""
    return n_parameters + MIN_RESIDUAL_DF


def areas_for_calibration() -> int:
    return AREAS_PER_BIN * MIN_BINS


def calibration_bins(n_areas: int) -> int:
    """Bins for ``n_areas``: deciles when there are 80 or more, fewer with >= 8 per bin."""
    return max(0, min(MAX_BINS, n_areas // AREAS_PER_BIN))


def minimum_data(
    *, n_areas: int, n_districts: int, offences: int, control_offences: int
) -> tuple[MinimumData, ...]:
    """What each figure needs, beside what there is (in the areas that entered)."""
    p_main = n_parameters(1, n_districts)
    p_incr = n_parameters(3, n_districts)
    per_parameter = f"{EVENTS_PER_PARAMETER} offences per estimated parameter"
    rows = [
        MinimumData(
            "spearman",
            "areas",
            areas_for_correlation(),
            n_areas,
            "Areas with enough audited yards to detect rho = 0.3 at 80% power, "
            "two-sided alpha 0.05 (Fisher z).",
        ),
        MinimumData(
            "spearman",
            "districts",
            MIN_BLOCKS,
            n_districts,
            "Districts for the block bootstrap to have distinct resamples; "
            f"under {ROUGH_BLOCKS} its interval is rough.",
        ),
    ]
    for key, share in (("5", 0.05), ("10", 0.10), ("20", 0.20)):
        rows += [
            MinimumData(
                f"pai_{key}",
                "areas",
                areas_for_pai(share),
                n_areas,
                f"At least {PAI_MIN_TOP_AREAS} areas in the top {key}%.",
            ),
            MinimumData(
                f"pai_{key}",
                "offences",
                offences_for_pai(share),
                offences,
                f"At least {PAI_MIN_EXPECTED_IN_TOP} offences expected in the top {key}% by "
                "chance, so that a random ranking's PAI rarely passes 2.",
            ),
        ]
    rows += [
        MinimumData(
            "model",
            "offences",
            offences_for_model(p_main),
            offences,
            f"{per_parameter} ({p_main}).",
        ),
        MinimumData(
            "model",
            "areas",
            areas_for_model(p_main),
            n_areas,
            f"{MIN_RESIDUAL_DF} areas more than parameters ({p_main}).",
        ),
        MinimumData(
            "incremental",
            "offences",
            offences_for_model(p_incr),
            offences,
            f"{per_parameter} ({p_incr}).",
        ),
        MinimumData(
            "calibration",
            "areas",
            areas_for_calibration(),
            n_areas,
            f"{MIN_BINS} bins of at least {AREAS_PER_BIN} areas.",
        ),
        MinimumData(
            "negative_control",
            "areas",
            areas_for_correlation(),
            n_areas,
            "As for rho: the control must be able to show an association to clear the index.",
        ),
        MinimumData(
            "negative_control",
            "offences",
            offences_for_model(p_main),
            control_offences,
            f"{EVENTS_PER_PARAMETER} control offences per estimated parameter ({p_main}).",
        ),
    ]
    return tuple(rows)
