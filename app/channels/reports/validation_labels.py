"""The validation's reason codes, units and figure names in the page's language (the
statistics' JSON carries codes and English text; these are the texts a reader sees)."""

from __future__ import annotations

from app.platform.translations import gettext as _


def reason_text(code: str | None, fallback: str | None = None) -> str:
    """A reason code of the statistics in the page's language (the English text the JSON
    carries for a code added later)."""
    texts = {
        "too_few_areas": _("Too few areas with enough audited yards."),
        "too_few_districts": _("Too few districts to resample."),
        "too_few_offences": _("Too few registered offences."),
        "too_few_events_per_parameter": _("Too few offences for the number of terms in the model."),
        "no_variation_in_risk": _("Every area has the same risk: there is nothing to rank."),
        "no_variation_in_outcome": _(
            "Every area has the same offence rate: there is nothing to rank."
        ),
        "no_variation_in_item": _("Every area has the same share of yards failing this item."),
        "model_did_not_converge": _("The model did not converge: no figure is reported."),
        "model_failed": _("The model could not be fitted to these data: no figure is reported."),
        "not_computed": _("Not computed: a figure it depends on is missing."),
        "control_significant": _(
            "The index is also linked to fraud, which yard conditions should not affect: it "
            "may be tracking how many people live or report there rather than the yards."
        ),
        "control_as_strong": _(
            "The index predicts fraud almost as well as the offences it is meant for: it may "
            "be tracking how many people live or report there rather than the yards."
        ),
        "goal_met": _("The goal is met."),
        "rho_below_goal": _("The rank correlation is below 0.3."),
        "rho_ci_includes_zero": _("The correlation's 95% interval includes zero."),
        "pai_below_goal": _("The prediction accuracy index at the top 10% is below 3."),
        "pai_within_random_range": _(
            "The top 10% do no better than a random choice of areas could."
        ),
        "risk_adds_nothing": _(
            "Risk adds nothing to last year's offences and population as predictors."
        ),
        "figure_missing": _("There is not enough data to say."),
    }
    if code is None:
        return ""
    return texts.get(code) or fallback or code


def unit_label(unit: str) -> str:
    return {
        "areas": _("areas"),
        "offences": _("offences"),
        "districts": _("districts"),
        "offences per parameter": _("offences per parameter"),
    }.get(unit, unit)


def figure_label(name: str) -> str:
    names = {
        "spearman": _("Rank correlation"),
        "model": _("Rate ratio (model)"),
        "incremental": _("Beyond last year's offences"),
        "items": _("Candidate item weights"),
        "calibration": _("Calibration"),
        "negative_control": _("Negative control (fraud)"),
    }
    if name.startswith("pai_"):
        return _("PAI at the top %(share)s%%", share=name.removeprefix("pai_"))
    return names.get(name, name)
