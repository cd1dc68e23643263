"""Reason codes a figure carries when it is not reported, with their English plain words.

The codes go into the stored JSON; the English text is the msgid a renderer translates.
"""

# Reason codes and their English plain words (the msgids a renderer translates).
REASONS: dict[str, str] = {
    "too_few_areas": "Too few areas with enough audited yards.",
    "too_few_districts": "Too few districts to resample.",
    "too_few_offences": "Too few registered offences.",
    "too_few_events_per_parameter": "Too few offences for the number of terms in the model.",
    "no_variation_in_risk": "Every area has the same risk, so there is nothing to rank.",
    "no_variation_in_outcome": "Every area has the same offence rate, so there is nothing to rank.",
    "no_variation_in_item": "Every area has the same share of yards failing this item.",
    "model_did_not_converge": "The model did not converge; its figures are not reported.",
    "model_failed": "The model could not be fitted to these data; its figures are not reported.",
    "not_computed": "Not computed because a figure it depends on is missing.",
    # Negative control flags.
    "control_significant": (
        "The index is also associated with fraud, which yard conditions should not affect: "
        "it may be tracking population density or reporting rather than yard conditions."
    ),
    "control_as_strong": (
        "The index predicts fraud almost as strongly as the offences it targets: "
        "it may be tracking population density or reporting rather than yard conditions."
    ),
    # Verdicts.
    "goal_met": "The goal is met.",
    "rho_below_goal": "The rank correlation is below 0.3.",
    "rho_ci_includes_zero": "The correlation's 95% interval includes zero.",
    "pai_below_goal": "The prediction accuracy index at the top 10% is below 3.",
    "pai_within_random_range": "The top 10% do no better than a random choice of areas could.",
    "risk_adds_nothing": (
        "Risk does not improve on last year's offences and population as predictors."
    ),
    "figure_missing": "There is not enough data to say.",
}
