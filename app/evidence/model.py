"""Negative binomial models of offences: the index's rate ratio, what it adds, item ratios.

Offence counts are overdispersed (a few areas hold many), so a Poisson model would give
intervals too narrow; the NB2 model estimates the dispersion alpha. Every model has
log(population) as offset (a rate per resident) and district fixed effects (what differs
between districts - policing, reporting - is held apart). Fits that fail or do not
converge come back as a reason, never an exception.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial, Poisson
from statsmodels.stats.multitest import multipletests

from app.evidence import power
from app.evidence.result import Figure, Incremental, ItemRate, Model

FloatArray = NDArray[np.float64]

Z95 = float(stats.norm.ppf(0.975))
# Below this the dispersion is at its boundary: no overdispersion, the Poisson model.
ALPHA_BOUNDARY = 1e-4
# A standard error this large (on the log scale) means a coefficient ran off (separation).
MAX_SE = 50.0


@dataclass(frozen=True)
class Fit:
    """A converged fit: coefficients, standard errors and p of each column, and the fit."""

    params: FloatArray
    bse: FloatArray
    pvalues: FloatArray
    llf: float
    aic: float
    alpha: float
    fitted: FloatArray  # expected counts per area

    def rate_ratio(self, column: int, n: int) -> Figure:
        """exp(coefficient) of ``column`` with its Wald 95% CI and p."""
        b, se = float(self.params[column]), float(self.bse[column])
        ci = (math.exp(b - Z95 * se), math.exp(b + Z95 * se))
        return Figure.ok(math.exp(b), ci, n, float(self.pvalues[column]))


def district_dummies(blocks: Sequence[str]) -> FloatArray:
    """Indicator columns for every district but the first (the reference)."""
    labels = np.asarray(blocks)
    unique = np.unique(labels)
    return (
        np.column_stack([(labels == u).astype(float) for u in unique[1:]])
        if len(unique) > 1
        else np.empty((len(labels), 0))
    )


def fit_nb(y: NDArray[np.int64], covariates: FloatArray, offset: FloatArray) -> Fit | str:
    """Fit NB2 with an intercept; a reason code when it fails or does not converge.

    When the data show no overdispersion the NB2 estimate of alpha runs to its boundary 0
    and the optimiser reports no convergence; the maximum is then the Poisson model's
    (alpha = 0), fitted instead and counted with alpha's parameter for the AIC.
    """
    X = np.column_stack([np.ones(len(y)), covariates])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return "model_failed"
    at_boundary = False
    for method in ("newton", "bfgs"):
        res = _fit(NegativeBinomial(y, X, offset=offset), method)
        if res is None:
            continue
        params = np.asarray(res.params, dtype=float)
        if np.all(np.isfinite(params)) and params[-1] < ALPHA_BOUNDARY:
            at_boundary = True
        if _usable(res):
            bse = np.asarray(res.bse, dtype=float)
            return Fit(
                params=params[:-1],
                bse=bse[:-1],
                pvalues=np.asarray(res.pvalues, dtype=float)[:-1],
                llf=float(res.llf),
                aic=float(res.aic),
                alpha=float(params[-1]),
                fitted=np.exp(X @ params[:-1] + offset),
            )
    if at_boundary:
        res = _fit(Poisson(y, X, offset=offset), "newton")
        if res is not None and _usable(res):
            params = np.asarray(res.params, dtype=float)
            return Fit(
                params=params,
                bse=np.asarray(res.bse, dtype=float),
                pvalues=np.asarray(res.pvalues, dtype=float),
                llf=float(res.llf),
                aic=float(res.aic) + 2,
                alpha=0.0,
                fitted=np.exp(X @ params + offset),
            )
    return "model_did_not_converge"


def _fit(m: NegativeBinomial | Poisson, method: str) -> Any:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return m.fit(method=method, maxiter=300, disp=0)
    except Exception:  # noqa: BLE001 - singular Hessians, overflow: all mean "failed"
        return None


def _usable(res: Any) -> bool:
    """Converged, finite, and no standard error so large that a coefficient ran away."""
    params = np.asarray(res.params, dtype=float)
    bse = np.asarray(res.bse, dtype=float)
    return (
        bool(res.mle_retvals.get("converged", False))
        and bool(np.all(np.isfinite(params)))
        and bool(np.all(np.isfinite(bse)))
        and bool(np.all(bse < MAX_SE))
    )


def _enough(y: NDArray[np.int64], n_params: int) -> Figure | None:
    """``not_enough_data`` when the events-per-parameter or residual-df rule fails."""
    needed_areas = power.areas_for_model(n_params)
    if len(y) < needed_areas:
        return Figure.not_enough("too_few_areas", needed=needed_areas, have=len(y))
    needed = power.offences_for_model(n_params)
    if int(y.sum()) < needed:
        return Figure.not_enough("too_few_events_per_parameter", needed=needed, have=int(y.sum()))
    return None


def informative(y: NDArray[np.int64], blocks: Sequence[str]) -> NDArray[np.bool_]:
    """Areas in districts with at least one offence.

    A district with none has a fixed effect of minus infinity (perfect separation) and
    tells nothing about the within-district association, so its areas are set aside.
    """
    labels = np.asarray(blocks)
    keep = np.zeros(len(y), dtype=bool)
    for b in np.unique(labels):
        members = labels == b
        keep[members] = y[members].sum() > 0
    return keep


def rate_ratio_model(
    y: NDArray[np.int64], risk: FloatArray, population: FloatArray, blocks: Sequence[str]
) -> tuple[Figure, Fit | None, int]:
    """NB rate ratio per 10 points of risk; (figure, fit, parameters)."""
    keep = informative(y, blocks)
    kept_blocks = [b for b, k in zip(blocks, keep, strict=True) if k]
    n_params = power.n_parameters(1, len(set(kept_blocks)))
    short = _enough(y[keep], n_params)
    if short is not None:
        return short, None, n_params
    if np.ptp(risk[keep]) == 0:
        return Figure.failed("no_variation_in_risk"), None, n_params
    covariates = np.column_stack([risk[keep] / 10.0, district_dummies(kept_blocks)])
    fit = fit_nb(y[keep], covariates, np.log(population[keep]))
    if isinstance(fit, str):
        return Figure.failed(fit), None, n_params
    return fit.rate_ratio(1, int(keep.sum())), fit, n_params


def incremental(
    y: NDArray[np.int64],
    risk: FloatArray,
    offences_before: NDArray[np.int64],
    population: FloatArray,
    blocks: Sequence[str],
) -> Incremental:
    """Does risk add to last year's offences and population? Likelihood-ratio test.

    Both models carry log(offences_before + 1) and log(population) as covariates (besides
    the offset, so population's coefficient is free) and district effects; the larger
    one adds risk. The figure is risk's rate ratio per 10 points in the larger model.
    """
    keep = informative(y, blocks)
    kept_blocks = [b for b, k in zip(blocks, keep, strict=True) if k]
    n_params = power.n_parameters(3, len(set(kept_blocks)))
    short = _enough(y[keep], n_params)
    if short is not None:
        return Incremental(short)
    if np.ptp(risk[keep]) == 0:
        return Incremental(Figure.failed("no_variation_in_risk"))
    log_pop = np.log(population[keep])
    base = np.column_stack(
        [np.log(offences_before[keep] + 1.0), log_pop, district_dummies(kept_blocks)]
    )
    without = fit_nb(y[keep], base, log_pop)
    with_risk = fit_nb(y[keep], np.column_stack([risk[keep] / 10.0, base]), log_pop)
    if isinstance(without, str):
        return Incremental(Figure.failed(without))
    if isinstance(with_risk, str):
        return Incremental(Figure.failed(with_risk))
    lr = max(0.0, 2 * (with_risk.llf - without.llf))
    return Incremental(
        with_risk.rate_ratio(1, int(keep.sum())),
        lr_statistic=lr,
        lr_df=1,
        lr_p=float(stats.chi2.sf(lr, 1)),
        aic_without=without.aic,
        aic_with=with_risk.aic,
    )


def item_rates(
    y: NDArray[np.int64],
    item_fail_share: dict[str, FloatArray],
    population: FloatArray,
    blocks: Sequence[str],
) -> tuple[ItemRate, ...]:
    """Rate ratio per 10 percentage points of yards failing each item, BH q-values.

    One model per item, adjusted for district: candidate weights for experts to weigh,
    not weights to adopt (items are correlated; each ratio also carries what it stands
    in for).
    """
    keep = informative(y, blocks)
    kept_blocks = [b for b, k in zip(blocks, keep, strict=True) if k]
    n_params = power.n_parameters(1, len(set(kept_blocks)))
    dummies = district_dummies(kept_blocks)
    log_pop = np.log(population[keep])
    figures: dict[str, Figure] = {}
    for item, share in sorted(item_fail_share.items()):
        short = _enough(y[keep], n_params)
        if short is not None:
            figures[item] = short
        elif np.ptp(share[keep]) == 0:
            figures[item] = Figure.failed("no_variation_in_item")
        else:
            fit = fit_nb(y[keep], np.column_stack([share[keep] * 10.0, dummies]), log_pop)
            figures[item] = (
                Figure.failed(fit) if isinstance(fit, str) else fit.rate_ratio(1, int(keep.sum()))
            )
    tested = [item for item, f in figures.items() if f.is_ok and f.p is not None]
    qs: dict[str, float] = {}
    if tested:
        adjusted = multipletests([figures[i].p for i in tested], method="fdr_bh")[1]
        qs = {item: float(q) for item, q in zip(tested, adjusted, strict=True)}
    return tuple(ItemRate(item, figure, qs.get(item)) for item, figure in figures.items())


def model(
    y: NDArray[np.int64],
    risk: FloatArray,
    offences_before: NDArray[np.int64],
    population: FloatArray,
    blocks: Sequence[str],
    item_fail_share: dict[str, FloatArray],
) -> tuple[Model, FloatArray | None]:
    """The three models; also the expected counts per area (None when the fit failed).

    Areas set aside (districts with no offence) expect 0: the limit of their district's
    fixed effect.
    """
    figure, fit, n_params = rate_ratio_model(y, risk, population, blocks)
    expected: FloatArray | None = None
    if fit is not None:
        expected = np.zeros(len(y))
        expected[informative(y, blocks)] = fit.fitted
    result = Model(
        figure,
        incremental(y, risk, offences_before, population, blocks),
        item_rates(y, item_fail_share, population, blocks),
        alpha=None if fit is None else fit.alpha,
        n_parameters=n_params,
        events=int(y.sum()),
    )
    return result, expected
