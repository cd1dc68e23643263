"""Demo data: real Almaty districts with synthetic (clearly marked) yards and submissions."""
