"""Simulated cities where the truth is known, for testing the validation statistics.

Each area has a population density (a latent confounder), a risk index, a district and
offences drawn from a negative binomial with mean

    population x base x rate_ratio_per_10 ** (risk / 10) x district effect
               x product of item_effects[item] ** (10 x fail share of item)

Risk leans on density (``risk_density_corr``) as a real index would (dense areas have
more neglected yards). The control offences (fraud) have mean
population x control_base x district effect x control_effect ** density_z, so
``control_effect`` > 1 makes fraud track density, and through it risk, although yards do
not cause fraud.
"""

from __future__ import annotations

import numpy as np

from app.evidence.data import AreaData


def neg_bin(rng: np.random.Generator, mean: np.ndarray, alpha: float) -> np.ndarray:
    """Draws with the given means and NB2 dispersion alpha (variance mean + alpha mean^2)."""
    if alpha <= 0:
        return rng.poisson(mean).astype(np.int64)
    size = 1.0 / alpha
    return rng.negative_binomial(size, size / (size + mean)).astype(np.int64)


def simulate_world(
    n_areas: int = 160,
    n_districts: int = 8,
    rate_ratio_per_10: float = 1.15,
    control_effect: float = 1.0,
    seed: int = 0,
    *,
    base_per_10k: float = 40.0,
    control_per_10k: float = 15.0,
    alpha: float = 0.3,
    district_sd: float = 0.3,
    risk_density_corr: float = 0.5,
    item_effects: dict[str, float] | None = None,
    n_null_items: int = 0,
    audited: tuple[int, int] = (3, 12),
    synthetic: bool = True,
) -> AreaData:
    """Build an ``AreaData`` world; same seed, same world.

    ``item_effects`` plants a rate ratio per 10 percentage points of yards failing each
    named item; ``n_null_items`` adds items (``null_1``...) with no effect.
    """
    rng = np.random.default_rng(seed)
    district = rng.integers(0, n_districts, size=n_areas)
    district[:n_districts] = np.arange(min(n_districts, n_areas))  # every district present
    district_effect = np.exp(rng.normal(0, district_sd, size=n_districts))[district]
    density_z = rng.normal(size=n_areas)
    yard_z = rng.normal(size=n_areas)
    latent = risk_density_corr * density_z + np.sqrt(1 - risk_density_corr**2) * yard_z
    risk = np.clip(50 + 15 * latent, 0, 100)
    population = np.round(2300 * np.exp(0.4 * density_z + rng.normal(0, 0.3, n_areas)))
    size_km2 = rng.uniform(0.6, 0.9, size=n_areas)  # H3 res-8 cells clipped to the city
    audited_yards = rng.integers(audited[0], audited[1] + 1, size=n_areas)

    items: dict[str, np.ndarray] = {}
    item_factor = np.ones(n_areas)
    names = list((item_effects or {}).items()) + [
        (f"null_{i + 1}", 1.0) for i in range(n_null_items)
    ]
    for name, effect in names:
        p = rng.beta(2, 3, size=n_areas)
        share = rng.binomial(audited_yards, p) / audited_yards
        items[name] = share.astype(float)
        item_factor *= effect ** (10 * share)

    mean = population / 10_000 * base_per_10k * rate_ratio_per_10 ** (risk / 10) * district_effect
    offences = neg_bin(rng, mean * item_factor, alpha)
    offences_before = neg_bin(rng, mean * item_factor, alpha)
    control_mean = (
        population / 10_000 * control_per_10k * district_effect * control_effect**density_z
    )
    control = neg_bin(rng, control_mean, alpha)
    return AreaData(
        area_ids=tuple(f"a{i}" for i in range(n_areas)),
        district_ids=tuple(f"d{d}" for d in district),
        risk=risk.astype(float),
        audited_yards=audited_yards.astype(np.int64),
        population=population.astype(float),
        size_km2=size_km2,
        offences=offences,
        offences_before=offences_before,
        control=control,
        item_fail_share=items,
        synthetic=synthetic,
    )
