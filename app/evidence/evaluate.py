"""``evaluate``: every figure of the validation from one ``AreaData``, and the verdict."""

from __future__ import annotations

import numpy as np

from app.evidence import power
from app.evidence.calibration import calibration
from app.evidence.correlation import correlation
from app.evidence.data import AreaData
from app.evidence.model import model, rate_ratio_model
from app.evidence.pai import TOP_SHARES, pai_at
from app.evidence.result import (
    Correlation,
    Evaluation,
    Figure,
    Goal,
    Model,
    NegativeControl,
    PaiAt,
    Verdict,
)

# The control is "nearly as strong" as the outcome when its effect reaches this share of
# the outcome's (on the rho and log rate ratio scales).
AS_STRONG_SHARE = 0.8


def subset(data: AreaData, keep: np.ndarray) -> AreaData:
    """The areas where ``keep`` is true."""
    return AreaData(
        area_ids=tuple(a for a, k in zip(data.area_ids, keep, strict=True) if k),
        district_ids=tuple(d for d, k in zip(data.district_ids, keep, strict=True) if k),
        risk=np.asarray(data.risk, dtype=float)[keep],
        audited_yards=np.asarray(data.audited_yards)[keep],
        population=np.asarray(data.population, dtype=float)[keep],
        size_km2=np.asarray(data.size_km2, dtype=float)[keep],
        offences=np.asarray(data.offences, dtype=np.int64)[keep],
        offences_before=np.asarray(data.offences_before, dtype=np.int64)[keep],
        control=np.asarray(data.control, dtype=np.int64)[keep],
        item_fail_share={
            k: np.asarray(v, dtype=float)[keep] for k, v in data.item_fail_share.items()
        },
        synthetic=data.synthetic,
    )


def negative_control(
    data: AreaData,
    outcome: Correlation,
    outcome_rr: Figure,
    *,
    rng: np.random.Generator,
    n_boot: int,
) -> NegativeControl:
    """The same rho and rate ratio on the control offences, flagged when they speak.

    Flagged when the control's rate ratio interval (the district-adjusted model) excludes 1
    (either direction: a link to fraud means the index carries something besides yard
    conditions), or when the outcome's association is real and the control's reaches 80% of
    it. The rho interval is reported but does not flag on its own: two 5% tests would raise
    the flag in about 1 clean city in 10 (measured: 9 of 100, and 3 of 12 demo worlds).
    """
    blocks = list(data.district_ids)
    rho = correlation(data.risk, data.control, data.population, blocks, rng=rng, n_boot=n_boot)
    rr = rate_ratio_model(data.control, data.risk, data.population, blocks)[0]
    reason = None
    if _excludes(rr, 1.0):
        reason = "control_significant"
    elif _as_strong(rho.figure, outcome.figure, 0.0) or _as_strong(rr, outcome_rr, 1.0):
        reason = "control_as_strong"
    return NegativeControl(rho.figure, rr, flag=reason is not None, flag_reason=reason)


def _excludes(figure: Figure, null: float) -> bool:
    """The figure's 95% interval lies wholly on one side of ``null``."""
    return figure.is_ok and figure.ci is not None and (figure.ci[0] > null or figure.ci[1] < null)


def _as_strong(control: Figure, outcome: Figure, null: float) -> bool:
    """The outcome's association is real (interval above ``null``) and the control's
    reaches ``AS_STRONG_SHARE`` of it (on the rho scale, or the log scale for ratios)."""
    if not (control.is_ok and outcome.is_ok and outcome.ci is not None and outcome.ci[0] > null):
        return False
    if control.value is None or outcome.value is None:
        return False
    if null == 1.0:
        return bool(np.log(control.value) >= AS_STRONG_SHARE * np.log(outcome.value))
    return control.value >= AS_STRONG_SHARE * outcome.value


def verdict(
    spearman: Correlation, pai10: PaiAt, fitted: Model, control: NegativeControl
) -> Verdict:
    """Met, not met or cannot say, for each of the city's three goals."""
    rho = spearman.figure
    if not rho.is_ok or rho.value is None or rho.ci is None:
        corr = Goal("rho >= 0.3 with its 95% interval above 0", "cannot_say", "figure_missing")
    elif rho.value < power.RHO_GOAL:
        corr = Goal("rho >= 0.3 with its 95% interval above 0", "not_met", "rho_below_goal")
    elif rho.ci[0] <= 0:
        corr = Goal("rho >= 0.3 with its 95% interval above 0", "not_met", "rho_ci_includes_zero")
    else:
        corr = Goal("rho >= 0.3 with its 95% interval above 0", "met", "goal_met")
    pai = pai10.figure
    goal = "PAI at the top 10% >= 3, beyond a random ranking's 95% range"
    if not pai.is_ok or pai.value is None:
        pai_goal = Goal(goal, "cannot_say", "figure_missing")
    elif pai.value < power.PAI_GOAL:
        pai_goal = Goal(goal, "not_met", "pai_below_goal")
    elif pai10.random_range is not None and pai.value <= pai10.random_range[1]:
        pai_goal = Goal(goal, "not_met", "pai_within_random_range")
    else:
        pai_goal = Goal(goal, "met", "goal_met")
    inc = fitted.incremental
    goal = (
        "risk adds to last year's offences and population"
        " (likelihood-ratio p < 0.05, rate ratio > 1)"
    )
    if not inc.figure.is_ok or inc.lr_p is None or inc.figure.value is None:
        adds = Goal(goal, "cannot_say", "figure_missing")
    elif inc.lr_p < power.ALPHA and inc.figure.value > 1:
        adds = Goal(goal, "met", "goal_met")
    else:
        adds = Goal(goal, "not_met", "risk_adds_nothing")
    return Verdict(corr, pai_goal, adds, warning=control.flag_reason)


def evaluate(
    data: AreaData, *, seed: int = 0, n_boot: int = 1000, min_audited: int = 3
) -> Evaluation:
    """Every figure for the areas with at least ``min_audited`` audited yards.

    Never raises on odd data: a figure that cannot be computed says why. The same
    ``seed`` gives the same figures.
    """
    rng = np.random.default_rng(seed)
    keep = np.asarray(data.audited_yards) >= min_audited
    used = subset(data, keep)
    blocks = list(used.district_ids)
    spearman = correlation(
        used.risk, used.offences, used.population, blocks, rng=rng, n_boot=n_boot
    )
    pai = {
        key: pai_at(
            used.risk,
            used.offences,
            used.offences_before,
            used.population,
            used.size_km2,
            blocks,
            top_share=share,
            rng=rng,
            n_boot=n_boot,
        )
        for key, share in TOP_SHARES.items()
    }
    fitted, expected = model(
        used.offences,
        used.risk,
        used.offences_before,
        used.population,
        blocks,
        used.item_fail_share,
    )
    control = negative_control(used, spearman, fitted.figure, rng=rng, n_boot=n_boot)
    return Evaluation(
        n_areas=used.n_areas,
        n_areas_total=data.n_areas,
        min_audited=min_audited,
        n_districts=len(set(blocks)),
        offences=int(used.offences.sum()),
        offences_before=int(used.offences_before.sum()),
        control_offences=int(used.control.sum()),
        synthetic=data.synthetic,
        seed=seed,
        n_boot=n_boot,
        spearman=spearman,
        pai=pai,
        model=fitted,
        calibration=calibration(used.risk, used.offences, used.population, expected),
        negative_control=control,
        minimum_data=power.minimum_data(
            n_areas=used.n_areas,
            n_districts=len(set(blocks)),
            offences=int(used.offences.sum()),
            control_offences=int(used.control.sum()),
        ),
        verdict=verdict(spearman, pai["10"], fitted, control),
    )
