"""Pure statistics for validating the index against offences: rank correlation with a
spatial block bootstrap, the prediction accuracy index, a negative binomial model,
calibration, power. Arrays in, frozen results out; no app, web or database imports."""
