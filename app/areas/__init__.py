"""Area figures: micro-districts and districts from the yard_risk table, flags and exports."""
