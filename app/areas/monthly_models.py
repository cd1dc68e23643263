"""The shapes of a district's monthly summary (``app.areas.monthly``): one dataclass read by
the HTML page, the JSON API and the PDF report alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.areas.figures import AreaFigures, FlagReason, flag_dicts, rounded
from app.areas.trend import MonthPoint, month_of
from app.platform.db import utcnow
from app.scoring import Flag
from app.yards import naming


@dataclass(frozen=True)
class YardLine:
    """A yard with its current risk (``yard_risk``)."""

    yard_id: int
    public_name: str | None  # set by staff; the address a sender typed is never read here
    micro_district_id: str | None
    risk_index: float
    band: str | None
    basis: str
    last_submission_at: datetime | None

    @property
    def name(self) -> str:
        """The yard's public name, in the current language."""
        return naming.public_title(yard_id=self.yard_id, public_name=self.public_name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "yard_id": self.yard_id,
            "url": f"/yards/{self.yard_id}",
            "name": self.name,
            "micro_district_id": self.micro_district_id,
            "risk_index": round(self.risk_index, 1),
            "band": self.band,
            "basis": self.basis,
            "last_submission_at": self.last_submission_at.isoformat()
            if self.last_submission_at
            else None,
        }


@dataclass(frozen=True)
class AreaMonth:
    """A micro-district in one month: yards checked, their mean index, and the area's risk
    estimated with the district's other areas that month (empirical Bayes) with its 80%
    interval and the probability that its true mean is at or above the problem line."""

    micro_district_id: str
    name: str | None
    yards: int  # distinct yards with a scored submission in the month
    submissions: int
    mean_risk: float  # mean over yards of each yard's mean index that month
    coverage_risk: float  # the posterior mean
    problem: bool  # enough yards and P(true mean >= line) >= problem_area_probability
    names: dict[str, str] = field(default_factory=dict)  # ru, kk, en
    risk_low: float | None = None
    risk_high: float | None = None
    p_problem: float | None = None

    def as_dict(self, lang: str = "ru") -> dict[str, Any]:
        return {
            "micro_district_id": self.micro_district_id,
            "name": self.names.get(lang, self.name),
            "yards": self.yards,
            "submissions": self.submissions,
            "mean_risk": round(self.mean_risk, 1),
            "coverage_risk": round(self.coverage_risk, 1),
            "risk_low": rounded(self.risk_low),
            "risk_high": rounded(self.risk_high),
            "p_problem": rounded(self.p_problem, 3),
            "problem": self.problem,
        }


@dataclass(frozen=True)
class FlaggedArea:
    """A micro-district with a flag today, with the figures that raised it."""

    micro_district_id: str
    name: str | None
    figures: AreaFigures
    names: dict[str, str] = field(default_factory=dict)  # ru, kk, en

    @property
    def flags(self) -> list[Flag]:
        return self.figures.flags

    def as_dict(self, reason: FlagReason | None = None, lang: str = "ru") -> dict[str, Any]:
        return {
            "micro_district_id": self.micro_district_id,
            "name": self.names.get(lang, self.name),
            "coverage_risk": rounded(self.figures.coverage_risk),
            "risk_low": rounded(self.figures.risk_low),
            "risk_high": rounded(self.figures.risk_high),
            "yards_known": self.figures.yards_known,
            "yards_audited": self.figures.yards_audited,
            "yards_inspected": self.figures.yards_inspected,
            "yards_resident_reported": self.figures.yards_resident_reported,
            "flags": flag_dicts(self.flags, reason),
        }


@dataclass(frozen=True)
class MonthlySummary:
    district_id: str
    district_names: dict[str, str]  # ru, kk, en
    month: str  # "YYYY-MM"
    previous_month: str
    current: MonthPoint  # submissions, inspector audits, yards, mean index of the month
    previous: MonthPoint
    city_mean_risk: float | None  # mean over the city's yards checked that month
    areas: list[AreaMonth]  # micro-districts with a check that month, riskiest first
    problem_areas: list[AreaMonth]
    worst_yards: list[YardLine]  # yards checked that month, by current risk, worst first
    flagged_areas: list[FlaggedArea]  # today's flags of the district's micro-districts
    district_figures: AreaFigures  # today's figures and flags of the whole district
    never_checked_areas: int  # the district's micro-districts with no known yard at all
    trend: list[MonthPoint]  # the 12 months ending with ``month``, oldest first
    generated_at: datetime = field(default_factory=utcnow)
    unchecked_areas: int = 0  # micro-districts with known yards, none audited, no flag

    def district_name(self, lang: str) -> str:
        return self.district_names.get(lang) or self.district_names["ru"]

    @property
    def mean_risk_change(self) -> float | None:
        """This month's mean index minus the previous month's (None if either is missing)."""
        if self.current.mean_risk is None or self.previous.mean_risk is None:
            return None
        return self.current.mean_risk - self.previous.mean_risk

    @property
    def submissions_change(self) -> int:
        return self.current.submissions - self.previous.submissions

    @property
    def month_complete(self) -> bool:
        """False for the month in progress: its figures run to ``generated_at`` only."""
        return self.month < month_of(self.generated_at)

    def as_dict(self, reason: FlagReason | None = None, lang: str = "ru") -> dict[str, Any]:
        """JSON summary; ``reason`` writes each flag's reason (default: English), area names
        in ``lang``."""
        change = self.mean_risk_change
        return {
            "district_id": self.district_id,
            "district_names": self.district_names,
            "month": self.month,
            "month_complete": self.month_complete,
            "previous_month": self.previous_month,
            "current": self.current.as_dict(),
            "previous": self.previous.as_dict(),
            "mean_risk_change": None if change is None else round(change, 1),
            "submissions_change": self.submissions_change,
            "city_mean_risk": None
            if self.city_mean_risk is None
            else round(self.city_mean_risk, 1),
            "areas": [a.as_dict(lang) for a in self.areas],
            "problem_areas": [a.as_dict(lang) for a in self.problem_areas],
            "worst_yards": [y.as_dict() for y in self.worst_yards],
            "flagged_areas": [a.as_dict(reason, lang) for a in self.flagged_areas],
            "district_flags": flag_dicts(self.district_figures.flags, reason),
            "never_checked_areas": self.never_checked_areas,
            "unchecked_areas": self.unchecked_areas,
            "trend": [p.as_dict() for p in self.trend],
            "generated_at": self.generated_at.isoformat(),
        }
