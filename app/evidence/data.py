"""The validation's input: one row per area (micro-district), arrays aligned by position.

Built from the database by ``app.validation.dataset``; made up in the tests' simulated
worlds. Every array has one entry per area; counts are whole numbers >= 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class AreaData:
    area_ids: tuple[str, ...]
    district_ids: tuple[str, ...]  # the spatial blocks the bootstrap resamples
    risk: NDArray[np.float64]  # the area's index from its audits, 0-100, higher = riskier
    audited_yards: NDArray[np.int64]  # yards with an audit before the cut-off
    population: NDArray[np.float64]  # estimated residents (> 0)
    size_km2: NDArray[np.float64]  # the area's land size, for the PAI's denominator
    offences: NDArray[np.int64]  # the outcome: offences in the 12 months after the cut-off
    offences_before: NDArray[np.int64]  # the 12 months up to the cut-off (a baseline)
    control: NDArray[np.int64]  # negative control (fraud, art. 190) in the outcome window
    # Per checklist item: the share of the area's audited yards failing it (candidate weights).
    item_fail_share: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    synthetic: bool = False  # any offence behind it is synthetic

    def __post_init__(self) -> None:
        n = len(self.area_ids)
        arrays = [
            self.risk,
            self.audited_yards,
            self.population,
            self.size_km2,
            self.offences,
            self.offences_before,
            self.control,
            *self.item_fail_share.values(),
        ]
        if len(self.district_ids) != n or any(len(a) != n for a in arrays):
            raise ValueError("every array of AreaData needs one entry per area")

    @property
    def n_areas(self) -> int:
        return len(self.area_ids)
