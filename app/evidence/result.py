"""What a validation found, as frozen dataclasses and one plain-JSON shape.

``Evaluation.as_dict()`` is what ``safeyard validate`` stores (``validation_run.result``) and
what the HTML report and the evidence panel render. Every key is always present; a figure
that was not computed has ``None`` in its number keys. Floats are rounded to 4 significant
digits (p- and q-values keep their small magnitudes that way).

A **figure** (the building block, ``Figure.as_dict()``) is::

    {"status": "ok" | "not_enough_data" | "not_ok",
     "reason": code or None,        # why not ok; a key of app.evidence.reasons.REASONS
     "reason_text": str or None,    # REASONS[reason], the English msgid a renderer translates
     "needed": int or None,         # not_enough_data: how much data the figure needs ...
     "have": int or None,           # ... and how much there is (units in the reason)
     "value": float or None,        # ok: the estimate
     "ci": [lo, hi] or None,        # ok: its 95% interval
     "p": float or None,            # ok, where a test applies: two-sided p-value
     "n": int or None}              # ok: the number of areas it rests on

``not_ok`` means the data were enough but the computation failed (a model that did not
converge, perfect separation); the figure is then not reported.

Top-level keys of ``Evaluation.as_dict()``:

- ``method_version``: "1"; bump when a figure's definition changes (docs/VALIDATION.md).
- ``n_areas``: areas that entered (>= ``min_audited`` audited yards);
  ``n_areas_total``: areas given; ``n_areas_left_out``: the difference; ``min_audited``.
- ``n_districts``: districts among the areas that entered (the bootstrap's blocks).
- ``offences``, ``offences_before``, ``control_offences``: totals over the areas that
  entered (outcome window; the 12 months before; the negative control in the outcome window).
- ``synthetic``: any offence behind the figures is synthetic (label it everywhere).
- ``seed``, ``n_boot``: the bootstrap's seed and resamples (rerunning reproduces the figures).
- ``spearman``: a figure (rho between area risk and offences per 10,000 residents, district
  block bootstrap percentile CI widened for few blocks; ``p`` is None: a rank test would
  ignore the districts' clustering) plus ``n_blocks``
  (districts resampled) and ``ci_rough`` (true when n_blocks < 20: a CI from so few blocks
  is rough).
- ``pai``: ``{"5": ..., "10": ..., "20": ...}``, the top 5/10/20 % of areas by risk. Each is a
  figure (the index's PAI, bootstrap CI) plus ``top_share`` (0.05...), ``n_top_areas``,
  ``hit_rate`` (share of all offences in the top areas), ``area_share`` (their share of
  land), ``baselines``: ``{"offences_before": PAI or None, "population": PAI or None,
  "random": {"value": 1.0, "range": [lo, hi]}}`` (random: expected PAI of a random ranking
  and the 2.5-97.5 percentiles of random rankings' PAI).
- ``model``: a figure (negative binomial rate ratio per 10 points of risk, log population
  offset, district fixed effects; Wald CI and p) plus ``alpha`` (NB dispersion),
  ``n_parameters``, ``events`` (offences), ``incremental`` and ``items``:
  - ``incremental``: a figure (rate ratio per 10 points of risk once log(offences_before+1)
    is in the model) plus ``lr_statistic``, ``lr_df``, ``lr_p`` (likelihood-ratio test of
    adding risk to the baselines), ``aic_without``, ``aic_with``, ``aic_difference``
    (without - with; > 2 favours adding risk).
  - ``items``: list of ``{"item": code, **figure, "q": BH-adjusted q-value or None}``, the rate
    ratio per 10 percentage points of yards failing the item (one model per item, adjusted
    for district): CANDIDATE weights for review, not weights to adopt. ``items_label``:
    "candidate weights".
- ``calibration``: a figure (Spearman rho of the bins' mean risk vs their observed rate: the
  monotonicity) plus ``bins``: list of ``{"bin", "n_areas", "risk_min", "risk_max",
  "mean_risk", "offences", "observed_rate", "expected_rate"}`` (rates per 10,000 residents;
  expected from the model, None when the model is not ok).
- ``negative_control``: ``status``/``reason``/``reason_text`` (of the control's rho),
  ``spearman`` and ``rate_ratio_per_10`` (figures, the same methods on the control offences),
  ``flag`` (true: the index tracks something else too; read the main figures with that
  warning), ``flag_reason``/``flag_text`` (why; None when not flagged).
- ``minimum_data``: list of ``{"figure", "unit", "needed", "have", "met", "why"}``: the
  minimum data for each figure to mean anything and whether it is there.
- ``verdict``: ``{"correlation", "pai_10", "adds_to_baselines"}`` each ``{"goal", "status":
  "met" | "not_met" | "cannot_say", "reason", "reason_text"}``; ``warning``: a reason code
  or None (the negative control flag).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from app.evidence.reasons import REASONS

METHOD_VERSION = "1"

Status = Literal["ok", "not_enough_data", "not_ok"]
GoalStatus = Literal["met", "not_met", "cannot_say"]


def _round(x: float | None, digits: int = 4) -> float | None:
    """Round to ``digits`` significant digits; None for None, NaN and infinities."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    if x == 0:
        return 0.0
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def _pair(ci: tuple[float, float] | None) -> list[float | None] | None:
    return None if ci is None else [_round(ci[0]), _round(ci[1])]


def _reason_text(reason: str | None) -> str | None:
    return None if reason is None else REASONS.get(reason, reason)


@dataclass(frozen=True)
class Figure:
    """One number with its interval, or why there is none."""

    status: Status
    value: float | None = None
    ci: tuple[float, float] | None = None
    n: int | None = None
    p: float | None = None
    reason: str | None = None
    needed: int | None = None
    have: int | None = None

    @classmethod
    def ok(
        cls, value: float, ci: tuple[float, float] | None, n: int, p: float | None = None
    ) -> Figure:
        return cls("ok", value=value, ci=ci, n=n, p=p)

    @classmethod
    def not_enough(cls, reason: str, *, needed: int, have: int) -> Figure:
        return cls("not_enough_data", reason=reason, needed=needed, have=have)

    @classmethod
    def failed(cls, reason: str) -> Figure:
        return cls("not_ok", reason=reason)

    @property
    def is_ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "reason_text": _reason_text(self.reason),
            "needed": self.needed,
            "have": self.have,
            "value": _round(self.value),
            "ci": _pair(self.ci),
            "p": _round(self.p),
            "n": self.n,
        }


@dataclass(frozen=True)
class Correlation:
    figure: Figure
    n_blocks: int

    def as_dict(self) -> dict[str, Any]:
        return {**self.figure.as_dict(), "n_blocks": self.n_blocks, "ci_rough": self.n_blocks < 20}


@dataclass(frozen=True)
class PaiAt:
    top_share: float
    figure: Figure
    n_top_areas: int | None = None
    hit_rate: float | None = None
    area_share: float | None = None
    baseline_offences_before: float | None = None
    baseline_population: float | None = None
    random_range: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.figure.as_dict(),
            "top_share": self.top_share,
            "n_top_areas": self.n_top_areas,
            "hit_rate": _round(self.hit_rate),
            "area_share": _round(self.area_share),
            "baselines": {
                "offences_before": _round(self.baseline_offences_before),
                "population": _round(self.baseline_population),
                "random": {
                    "value": 1.0 if self.figure.is_ok else None,
                    "range": _pair(self.random_range),
                },
            },
        }


@dataclass(frozen=True)
class Incremental:
    figure: Figure
    lr_statistic: float | None = None
    lr_df: int | None = None
    lr_p: float | None = None
    aic_without: float | None = None
    aic_with: float | None = None

    def as_dict(self) -> dict[str, Any]:
        diff = None
        if self.aic_with is not None and self.aic_without is not None:
            diff = self.aic_without - self.aic_with
        return {
            **self.figure.as_dict(),
            "lr_statistic": _round(self.lr_statistic),
            "lr_df": self.lr_df,
            "lr_p": _round(self.lr_p),
            "aic_without": _round(self.aic_without, 6),
            "aic_with": _round(self.aic_with, 6),
            "aic_difference": _round(diff),
        }


@dataclass(frozen=True)
class ItemRate:
    item: str
    figure: Figure
    q: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, **self.figure.as_dict(), "q": _round(self.q)}


@dataclass(frozen=True)
class Model:
    figure: Figure
    incremental: Incremental
    items: tuple[ItemRate, ...] = ()
    alpha: float | None = None
    n_parameters: int | None = None
    events: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.figure.as_dict(),
            "alpha": _round(self.alpha),
            "n_parameters": self.n_parameters,
            "events": self.events,
            "incremental": self.incremental.as_dict(),
            "items": [item.as_dict() for item in self.items],
            "items_label": "candidate weights",
        }


@dataclass(frozen=True)
class CalibrationBin:
    bin: int
    n_areas: int
    risk_min: float
    risk_max: float
    mean_risk: float
    offences: int
    observed_rate: float
    expected_rate: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "bin": self.bin,
            "n_areas": self.n_areas,
            "risk_min": _round(self.risk_min),
            "risk_max": _round(self.risk_max),
            "mean_risk": _round(self.mean_risk),
            "offences": self.offences,
            "observed_rate": _round(self.observed_rate),
            "expected_rate": _round(self.expected_rate),
        }


@dataclass(frozen=True)
class Calibration:
    figure: Figure  # monotonicity: Spearman rho of bin mean risk vs observed rate
    bins: tuple[CalibrationBin, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**self.figure.as_dict(), "bins": [b.as_dict() for b in self.bins]}


@dataclass(frozen=True)
class NegativeControl:
    spearman: Figure
    rate_ratio: Figure
    flag: bool = False
    flag_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.spearman.status,
            "reason": self.spearman.reason,
            "reason_text": _reason_text(self.spearman.reason),
            "spearman": self.spearman.as_dict(),
            "rate_ratio_per_10": self.rate_ratio.as_dict(),
            "flag": self.flag,
            "flag_reason": self.flag_reason,
            "flag_text": _reason_text(self.flag_reason),
        }


@dataclass(frozen=True)
class MinimumData:
    figure: str  # "spearman", "pai", "model", "items", "calibration", "negative_control"
    unit: str  # "areas", "offences", "districts", "offences per parameter"
    needed: int
    have: int
    why: str  # English, one sentence: where the number comes from

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "unit": self.unit,
            "needed": self.needed,
            "have": self.have,
            "met": self.have >= self.needed,
            "why": self.why,
        }


@dataclass(frozen=True)
class Goal:
    goal: str  # English statement of the goal
    status: GoalStatus
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "status": self.status,
            "reason": self.reason,
            "reason_text": _reason_text(self.reason),
        }


@dataclass(frozen=True)
class Verdict:
    correlation: Goal
    pai_10: Goal
    adds_to_baselines: Goal
    warning: str | None = None  # a reason code (the negative control flag) or None

    def as_dict(self) -> dict[str, Any]:
        return {
            "correlation": self.correlation.as_dict(),
            "pai_10": self.pai_10.as_dict(),
            "adds_to_baselines": self.adds_to_baselines.as_dict(),
            "warning": self.warning,
            "warning_text": _reason_text(self.warning),
        }


@dataclass(frozen=True)
class Evaluation:
    n_areas: int
    n_areas_total: int
    min_audited: int
    n_districts: int
    offences: int
    offences_before: int
    control_offences: int
    synthetic: bool
    seed: int
    n_boot: int
    spearman: Correlation
    pai: dict[str, PaiAt]
    model: Model
    calibration: Calibration
    negative_control: NegativeControl
    minimum_data: tuple[MinimumData, ...]
    verdict: Verdict
    method_version: str = field(default=METHOD_VERSION)

    def as_dict(self) -> dict[str, Any]:
        """The plain-JSON shape documented in this module's docstring."""
        return {
            "method_version": self.method_version,
            "n_areas": self.n_areas,
            "n_areas_total": self.n_areas_total,
            "n_areas_left_out": self.n_areas_total - self.n_areas,
            "min_audited": self.min_audited,
            "n_districts": self.n_districts,
            "offences": self.offences,
            "offences_before": self.offences_before,
            "control_offences": self.control_offences,
            "synthetic": self.synthetic,
            "seed": self.seed,
            "n_boot": self.n_boot,
            "spearman": self.spearman.as_dict(),
            "pai": {key: pai.as_dict() for key, pai in self.pai.items()},
            "model": self.model.as_dict(),
            "calibration": self.calibration.as_dict(),
            "negative_control": self.negative_control.as_dict(),
            "minimum_data": [m.as_dict() for m in self.minimum_data],
            "verdict": self.verdict.as_dict(),
        }
