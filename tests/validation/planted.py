"""A stored run's result with real figures: ``evaluate`` on a simulated city where offences
follow risk (a planted rate ratio), plus the data section the service adds."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from app.evidence.data import AreaData
from app.evidence.evaluate import evaluate

DATA_SECTION: dict[str, Any] = {
    "as_of": "2025-06-01",
    "windows": {
        "outcome": ["2025-06-01", "2026-06-01"],
        "before": ["2024-06-01", "2025-06-01"],
        "end_exclusive": True,
    },
    "offences": {
        "sources": ["SafeYard demo (synthetic)"],
        "date_from": "2024-06-01",
        "date_to": "2026-05-31",
        "total_stored": 9000,
        "synthetic": True,
        "last_import_at": None,
        "outcome_covered": True,
        "before_covered": True,
        "control_article": "190",
        "outcome_city_wide": 5000,
        "before_city_wide": 4800,
        "control_city_wide": 400,
        "outcome_in_areas_given": 4500,
    },
    "audits": {
        "role": "inspector",
        "yards": 600,
        "yards_outside_areas": 0,
        "first": "2024-06-03",
        "last": "2025-05-30",
        "synthetic": True,
    },
    "areas": {
        "known": 1400,
        "with_audits": 160,
        "given": 160,
        "left_out_no_population": 0,
        "left_out_no_audit": 1240,
    },
    "population": {"method": "street length", "methods": {"street_length": 160}},
    "synthetic": True,
}


@cache
def planted_result(n_areas: int = 160, rate_ratio_per_10: float = 1.25) -> dict[str, Any]:
    rng = np.random.default_rng(11)
    districts = tuple(f"d{n % 8}" for n in range(n_areas))
    risk = rng.uniform(10, 90, n_areas)
    population = rng.uniform(3000, 12000, n_areas)
    base = population / 10_000 * 3.0 * np.exp(np.log(rate_ratio_per_10) * (risk - 50) / 10)
    fail = np.clip((risk + rng.normal(0, 10, n_areas)) / 100, 0, 1)
    data = AreaData(
        area_ids=tuple(f"a{n}" for n in range(n_areas)),
        district_ids=districts,
        risk=risk,
        audited_yards=np.full(n_areas, 4, dtype=np.int64),
        population=population,
        size_km2=np.full(n_areas, 0.74),
        offences=rng.poisson(base).astype(np.int64),
        offences_before=rng.poisson(base).astype(np.int64),
        control=rng.poisson(population / 10_000).astype(np.int64),
        item_fail_share={
            "lighting.entrances": fail,
            "sightlines.bushes": rng.uniform(0, 1, n_areas),
        },
        synthetic=True,
    )
    result = evaluate(data, seed=0, n_boot=200).as_dict()
    result["data"] = DATA_SECTION
    return result
