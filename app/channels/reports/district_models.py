"""The shapes of the inspectors' monthly report (``app.channels.reports.district``): one frozen
dataclass, also the report's cache key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.channels.reports.district_outcomes import ReportOutcomes
from app.channels.reports.district_rates import ReportRates
from app.platform.languages import Lang


# MonthFigures and YardRow copy trend.MonthPoint and monthly.YardLine rounded as printed and
# without timestamps: the cache key hashes what the report shows, so unprinted precision or a
# later submission time must not make an unchanged report render again.
@dataclass(frozen=True)
class MonthFigures:
    month: str
    submissions: int
    inspector_audits: int
    yards: int
    mean_risk: float | None
    high_risk_share: float | None


@dataclass(frozen=True)
class FlagLine:
    area: str  # micro-district id, or "" for the report's own area
    area_name: str  # its human name in the report's language
    number: int | None  # its number on the report's map
    code: str
    reason: str  # in the report's language (Formatter.flag_reason)


@dataclass(frozen=True)
class AreaLine:
    micro_district_id: str
    name: str
    number: int | None  # on the report's map
    yards: int
    submissions: int
    mean_risk: float
    coverage_risk: float
    problem: bool


@dataclass(frozen=True)
class YardRow:
    yard_id: int
    name: str  # public name (app.yards.naming), in the report's language
    micro_district_id: str | None
    area_name: str | None
    area_number: int | None  # its micro-district's number on the report's map
    risk_index: float
    band: str | None
    basis: str


@dataclass(frozen=True)
class CommonItem:
    question: str
    section: str
    yards: int  # yards checked this month whose latest answer fails the item
    share: float  # of the yards checked this month
    responsible: tuple[str, ...]


@dataclass(frozen=True)
class MapValue:
    id: str
    value: float | None  # the month's coverage-aware risk
    highlight: bool
    number: int | None  # drawn on the area; the tables give the same number


@dataclass(frozen=True)
class AreaReport:
    level: str  # "district" or "micro_district"
    lang: Lang
    area_id: str
    area_name: str
    district_id: str
    district_name: str
    month: str
    month_complete: bool
    report_date: date
    window_days: int  # a yard's current index rests on this many days (methodology note)
    min_audited: int  # fewer audited yards: "not enough data"
    current: MonthFigures
    previous: MonthFigures
    city_mean_risk: float | None
    yards_known: int
    yards_audited: int
    coverage_risk: float | None  # today's (the yards' current index), not the month's
    yards_inspected: int  # of yards_audited, those with an inspector audit in the window
    month_coverage_risk: float | None  # the month's, as the map colours the area
    own_flags: tuple[FlagLine, ...]
    flagged_areas: tuple[FlagLine, ...]
    areas: tuple[AreaLine, ...]  # the riskiest AREAS_LISTED of the month
    areas_checked: int  # micro-districts with a check in the month
    worst_yards: tuple[YardRow, ...]
    common_failing: tuple[CommonItem, ...]
    checked_yards: int  # yards whose latest check this month the common items count over
    trend: tuple[MonthFigures, ...]
    map_values: tuple[MapValue, ...]
    # Micro-districts with too few audited yards for a figure: their names, and how many.
    thin_areas: tuple[str, ...]
    methodology_url: str  # the service's own page on the method (/methodology)
    map_shapes: str  # digest of the drawn outlines: a re-imported boundary is a new report
    # What became of the district's findings (the district's report only).
    outcomes: ReportOutcomes | None = None
    # Registered offences per 10,000 residents, 12 months to the month's end (district_rates).
    offences: ReportRates | None = None
