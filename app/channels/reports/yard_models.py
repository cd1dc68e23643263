"""The shape of a yard report (``app.channels.reports.yard``): frozen dataclasses, also the
report's cache key. Every text is already in the report's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.platform.languages import Lang


@dataclass(frozen=True)
class SectionLine:
    title: str
    index: float | None
    band: str | None


@dataclass(frozen=True)
class FailingItem:
    """An answer that adds risk: what was answered, what to do and who does it."""

    item_id: str
    section: str
    question: str
    answer: str
    weight: float
    risk: float  # 0..1 share of the item's risk
    critical: bool
    points: float  # index points it adds
    index_if_fixed: float
    remedy: str
    responsible: tuple[str, ...]
    photos: tuple[str, ...]  # thumbnail files (named by the server, never changed)


@dataclass(frozen=True)
class PlanStep:
    question: str
    index_after: float
    band_after: str


@dataclass(frozen=True)
class Comparison:
    level: str  # micro_district, district, city
    name: str
    audited: int  # yards with a current index
    mean_risk: float | None
    coverage_risk: float | None  # shrunk toward the city mean (the map's figure)


@dataclass(frozen=True)
class MonthValue:
    month: str  # YYYY-MM
    mean_risk: float | None
    submissions: int


@dataclass(frozen=True)
class YardReport:
    kind: str  # "yard" or "submission"
    lang: Lang
    report_date: date  # Almaty date the figures were read
    yard_id: int
    name: str  # the yard's public name (app.yards.naming), never an address a sender typed
    named: bool  # staff gave it a name (else the name is "Yard no. N")
    district_id: str
    district_name: str
    micro_district_id: str | None
    area_name: str | None  # the micro-district's human name (OSM place names)
    # The yard's stored (~10 m rounded) point, where it lies ("yard near ул. X, ~40 m") and
    # links that open the spot in 2GIS and OpenStreetMap (app.yards.naming.yard_place).
    lat: float
    lon: float
    near: str | None
    twogis_url: str
    osm_url: str
    synthetic: bool
    basis: str  # inspector_audit, residents_median, submission, none
    basis_date: date | None  # the audit's or the submission's date
    submission_id: str | None
    submitted_by: str | None  # the submission's role (kind "submission")
    window_days: int
    checklist_version: str | None
    scoring_version: str | None
    risk_index: float | None
    # The yard's 80% interval (app.yards.consensus), from 2+ checks; None for one submission.
    risk_low: float | None
    risk_high: float | None
    band: str | None
    completeness: float | None
    sections: tuple[SectionLine, ...]
    failing: tuple[FailingItem, ...]
    critical_failed: tuple[str, ...]  # questions
    fix_plan: tuple[PlanStep, ...]
    comparison: tuple[Comparison, ...]
    safer_than_share: float | None  # share of the district's scored yards riskier than this one
    trend: tuple[MonthValue, ...]
    residents: int  # resident checks in the window
    inspector_audits: int  # inspector audits in the window
    total_checks: int  # every check ever made of the yard
    checklist_url: str  # where the QR code points: the yard's checklist
    methodology_url: str  # the service's own page on the method (/methodology)
    # The bot at this yard (t.me/<bot>?start=yard_<id>), when the service has a bot.
    telegram_url: str | None = None
