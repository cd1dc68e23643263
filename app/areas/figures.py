"""An area's figures and flags as the map, panels, exports and reports show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.areas.sums import section_shown
from app.scoring import AreaEstimate, Flag

# Writes a flag's reason for a reader (the channels pass one in the request's language).
FlagReason = Callable[[Flag], str]


def flag_dicts(flags: list[Flag], reason: FlagReason | None = None) -> list[dict[str, Any]]:
    """Flags as JSON: code, the reason (``reason(flag)``, else the English one) and values."""
    return [
        {
            "code": f.code,
            "reason": reason(f) if reason else f.reason,
            "values": {k: rounded(v, 2) for k, v in f.values},
        }
        for f in flags
    ]


@dataclass
class AreaFigures:
    """One area's figures. With no audited yard (``has_data`` false) there is no figure:
    ``mean_risk``, ``coverage_risk`` and its interval are None, never the city mean.

    ``coverage_risk`` is the area's risk as estimated (empirical Bayes posterior mean, see
    docs/METHODOLOGY.md "Area figures"); ``estimate`` carries its SD, interval and the
    probability that the true mean reaches the problem line. ``yards_audited`` counts yards
    with a current figure: ``yards_inspected`` (an inspector audit in the window) plus
    ``yards_resident_reported`` (residents only)."""

    id: str
    yards_known: int = 0
    yards_audited: int = 0
    yards_inspected: int = 0
    mean_risk: float | None = None
    coverage_risk: float | None = None
    estimate: AreaEstimate | None = None
    sum_squares: float = 0.0  # yards' squared deviations from mean_risk
    district_id: str | None = None
    section_fail_share: dict[str, float] = field(default_factory=dict)
    section_mean_risk: dict[str, float] = field(default_factory=dict)
    ops_centre_yards: int = 0
    panic_button_yards: int = 0
    disagreeing_yards: int = 0
    last_submission_at: datetime | None = None
    gi_z: float | None = None
    flags: list[Flag] = field(default_factory=list)
    # The sections as ``shown`` writes them, when the sums made them once for all builds
    # (``AreaSums.section_view``): rounding them was a third of ``shown`` after a write.
    shown_sections: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def has_data(self) -> bool:
        return self.yards_audited > 0 and self.coverage_risk is not None

    @property
    def data_state(self) -> str:
        """ "no_yards" (no yard known here), "not_checked" (yards known, none audited in the
        period) or "audited"."""
        if self.has_data:
            return "audited"
        return "not_checked" if self.yards_known else "no_yards"

    @property
    def yards_resident_reported(self) -> int:
        return self.yards_audited - self.yards_inspected

    @property
    def coverage(self) -> float | None:
        """Yards with a figure over yards known to SafeYard. A yard is known only once
        someone submits for it, so this is not coverage of the area's yards."""
        return self.yards_audited / self.yards_known if self.yards_known else None

    @property
    def risk_low(self) -> float | None:
        return self.estimate.low if self.estimate is not None else None

    @property
    def risk_high(self) -> float | None:
        return self.estimate.high if self.estimate is not None else None

    @property
    def p_problem(self) -> float | None:
        return self.estimate.p_exceed if self.estimate is not None else None

    def shown(self, reason: FlagReason | None = None) -> tuple[Any, ...]:
        """What ``as_dict(reason)`` shows, rounded as there: equal for two figures only when
        their ``as_dict`` are, so a map rebuilt after a write reuses the text of every area
        whose shown figures did not move (most: a write moves the city mean by a little)."""
        estimate = self.estimate
        # As flag_dicts writes them; repr tells 3 from 3.0 and -0.0 from 0.0, as JSON does.
        flags = (
            tuple(
                (
                    f.code,
                    reason(f) if reason else f.reason,
                    tuple((k, repr(rounded(v, 2))) for k, v in f.values),
                )
                for f in self.flags
            )
            if self.flags
            else ()
        )
        counts = (
            self.id,
            self.yards_known,
            self.yards_audited,
            self.yards_inspected,
            self.ops_centre_yards,
            self.panic_button_yards,
            self.disagreeing_yards,
            self.last_submission_at,
        )
        if (
            estimate is None
            and self.mean_risk is None
            and self.coverage_risk is None
            and self.gi_z is None
            and not self.section_fail_share
            and not self.section_mean_risk
        ):
            # No figure (most areas): nothing to round.
            return (*counts, flags)
        return (
            *counts,
            rounded(self.mean_risk),
            rounded(self.coverage_risk),
            estimate and (round(estimate.low, 1), round(estimate.high, 1), round(estimate.sd, 2)),
            estimate and round(estimate.p_exceed, 3),
            *(
                self.shown_sections
                or section_shown(self.section_fail_share, self.section_mean_risk)
            ),
            # The text: -0.0 equals 0.0 but is written "-0.0" (the one figure with a sign;
            # risks and shares are sums and clamps of values >= 0, never -0.0).
            None if self.gi_z is None else repr(round(self.gi_z, 2)),
            flags,
        )

    def as_dict(self, reason: FlagReason | None = None) -> dict[str, Any]:
        """JSON figures; ``reason`` writes each flag's reason (default: English)."""
        return {
            "id": self.id,
            "data_state": self.data_state,
            "yards_known": self.yards_known,
            "yards_audited": self.yards_audited,
            "yards_inspected": self.yards_inspected,
            "yards_resident_reported": self.yards_resident_reported,
            "coverage": rounded(self.coverage, 3),
            "mean_risk": rounded(self.mean_risk),
            "coverage_risk": rounded(self.coverage_risk),
            "risk_low": rounded(self.risk_low),
            "risk_high": rounded(self.risk_high),
            "risk_sd": rounded(self.estimate.sd, 2) if self.estimate else None,
            "p_problem": rounded(self.p_problem, 3),
            "section_fail_share": {k: rounded(v, 3) for k, v in self.section_fail_share.items()},
            "section_mean_risk": {k: rounded(v) for k, v in self.section_mean_risk.items()},
            "ops_centre_yards": self.ops_centre_yards,
            "panic_button_yards": self.panic_button_yards,
            "disagreeing_yards": self.disagreeing_yards,
            "last_submission_at": self.last_submission_at.isoformat()
            if self.last_submission_at
            else None,
            "gi_z": rounded(self.gi_z, 2),
            "flags": flag_dicts(self.flags, reason),
        }


def rounded(value: float | None, digits: int = 1) -> float | None:
    """``value`` rounded for display (None stays None)."""
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class AreaReport:
    areas: dict[str, AreaFigures]
    city_mean: float | None
    sections: tuple[str, ...]
