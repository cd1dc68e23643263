"""The validation's data set: one row per area (micro-district) at a cut-off date.

The index side rests on inspector audits only (``role == "inspector"``: the trained
instrument that answers every item; residents' checks are lay and self-selected, and residents
may report more where they already feel unsafe). Each yard counts with its latest audit
received before the cut-off (midnight of ``as_of`` in Almaty); an audit after it never counts,
so the index is fixed before the offences it is held against happen. An area's risk is the
plain mean of its audited yards' indices: the area figures' empirical-Bayes estimate
(``coverage_risk``) pulls thin areas toward their district's mean, which would feed district
into the index while the model adjusts for district on its own; the evaluation leaves areas
with too few audited yards out instead (``min_audited``).

Offences come from ``app.offences.queries``: the outcome is the 12 months from ``as_of``
without the negative control (fraud, art. 190), the baseline the 12 months before it, the
control art. 190 in the outcome window. Residents and land from ``app.offences.population``.

Three queries whatever the size (the latest audit per yard with a window function, offences
grouped per area three times) plus the population estimate, cached per process.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session

from app.areas.trend import ALMATY
from app.checklists.loader import ChecklistError, LoadedChecklist, parse_checklist
from app.checklists.models import ChecklistVersion
from app.evidence.data import AreaData
from app.offences import population as population_service
from app.offences import queries as offence_queries
from app.platform.db import table_of
from app.scoring import NOT_APPLICABLE
from app.submissions.models import Submission
from app.yards.models import Yard

# The negative control: fraud, which a yard's lighting or sightlines should not predict.
CONTROL_ARTICLE = "190"
# The role whose checklists are audits (app/submissions/models.py).
AUDIT_ROLE = "inspector"
# An item fails at a yard when its answer's risk is at least this: the findings' line
# (SAFEYARD_FINDING_RISK's default, "halfway between safe and worst").
FAIL_RISK = 0.5
# The outcome window and the baseline window, in calendar months.
WINDOW_MONTHS = 12
# The first offence of a year's file seldom falls on its first day: this many days of
# slack before saying the data does not cover the outcome window.
COVERAGE_SLACK_DAYS = 7

_SUBMISSION = table_of(Submission)
_YARD = table_of(Yard)
_VERSION = table_of(ChecklistVersion)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    days_in_month = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, days_in_month))


def cutoff_moment(as_of: date) -> datetime:
    """The cut-off as a moment: midnight at the start of ``as_of`` in Almaty, in UTC."""
    return datetime(as_of.year, as_of.month, as_of.day, tzinfo=ALMATY).astimezone(UTC)


@dataclass(frozen=True)
class Windows:
    as_of: date
    outcome: tuple[date, date]  # [start, end): offences the index is held against
    before: tuple[date, date]  # [start, end): last year's offences, a baseline

    @classmethod
    def of(cls, as_of: date) -> Windows:
        return cls(
            as_of=as_of,
            outcome=(as_of, add_months(as_of, WINDOW_MONTHS)),
            before=(add_months(as_of, -WINDOW_MONTHS), as_of),
        )


@dataclass(frozen=True)
class Dataset:
    """The areas' rows (``data``) and what they rest on, for the report's "data" section."""

    data: AreaData
    windows: Windows
    areas_known: int  # micro-districts with a district (the population estimate's areas)
    areas_with_audits: int  # of them, with an audited yard before the cut-off
    left_out_no_population: int  # audited, but no residents estimated (no district figure)
    audits_used: int  # yards with an audit before the cut-off (the latest of each)
    audits_outside_areas: int  # of them, yards in no micro-district (not used)
    audits_synthetic: bool
    offences_outcome_all: int  # city-wide in the outcome window (without art. 190)
    offences_before_all: int
    control_all: int
    population_methods: dict[str, int] = field(default_factory=dict)  # used areas per method
    first_audit: date | None = None  # of the audits used (Almaty dates)
    last_audit: date | None = None


@dataclass
class _AreaAudits:
    district_id: str
    risks: list[float] = field(default_factory=list)
    answered: Counter[str] = field(default_factory=Counter)
    failing: Counter[str] = field(default_factory=Counter)


def _checklists(session: Session, versions: set[str]) -> dict[str, LoadedChecklist]:
    """The checklist versions the audits used, from the files stored in the database (a
    version whose file has left the repository still tells its failing answers)."""
    out: dict[str, LoadedChecklist] = {}
    rows = session.execute(
        select(_VERSION.c.version, _VERSION.c.source).where(_VERSION.c.version.in_(versions))
    )
    for version, source in rows:
        try:
            out[version] = parse_checklist(source, name=f"checklist {version}")
        except ChecklistError:  # pragma: no cover - a stored version was valid when loaded
            continue
    return out


def _latest_audits(session: Session, cutoff: datetime) -> list[Any]:
    """Each yard's latest audit (with an index) received before ``cutoff``: one row per yard
    with the yard's current area, the index, checklist version, answers and when."""
    s = _SUBMISSION.c
    # Ranked on narrow columns, the answers read only for the one row per yard kept: the
    # window sorts every audit before the cut-off, and an audit's answers are its bulk.
    ranked = (
        select(
            s.id,
            func.row_number()
            .over(partition_by=s.yard_id, order_by=(s.received_at.desc(), s.id.desc()))
            .label("rank"),
        )
        .where(s.role == AUDIT_ROLE, s.received_at < cutoff, s.risk_index.is_not(None))
        .subquery()
    )
    query = (
        select(
            _YARD.c.micro_district_id,
            _YARD.c.district_id,
            s.risk_index,
            s.checklist_version,
            s.answers,
            s.received_at,
            s.synthetic,
        )
        .select_from(ranked)
        .join(_SUBMISSION, _SUBMISSION.c.id == ranked.c.id)
        .join(_YARD, _YARD.c.id == s.yard_id)
        .where(ranked.c.rank == 1)
    )
    return list(session.execute(query).all())


def _as_almaty_date(value: Any) -> date:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(ALMATY).date()


def build_dataset(session: Session, *, as_of: date, fail_risk: float = FAIL_RISK) -> Dataset:
    """The areas with at least one audited yard before ``as_of`` and residents estimated,
    ordered by id, with their offences in the windows of ``Windows.of(as_of)``."""
    windows = Windows.of(as_of)
    audits = _latest_audits(session, cutoff_moment(as_of))
    checklists = _checklists(session, {row.checklist_version for row in audits})
    areas: dict[str, _AreaAudits] = {}
    outside = 0
    for row in audits:
        if row.micro_district_id is None:
            outside += 1
            continue
        area = areas.setdefault(row.micro_district_id, _AreaAudits(row.district_id))
        area.risks.append(float(row.risk_index))
        loaded = checklists.get(row.checklist_version)
        if loaded is None:  # pragma: no cover - every submission names a stored version
            continue
        for item in loaded.scoring.items:
            answer = (row.answers or {}).get(item.id)
            risk = None if answer in (None, NOT_APPLICABLE) else item.risk_of(str(answer))
            if risk is not None:
                area.answered[item.id] += 1
                area.failing[item.id] += risk >= fail_risk

    people = population_service.area_population(session)
    used = sorted(i for i in areas if i in people and people[i].residents > 0)
    counts = _offence_counts(session, windows)
    items = sorted({item for i in used for item in areas[i].answered})
    shares = {
        item: np.array(
            [
                areas[i].failing[item] / areas[i].answered[item]
                if areas[i].answered[item]
                # No audited yard answered it ("does not apply" everywhere, e.g. no
                # playground): nothing there fails it. The models take no missing values.
                else 0.0
                for i in used
            ],
            dtype=np.float64,
        )
        for item in items
    }
    coverage = offence_queries.coverage(session)
    audits_synthetic = any(bool(row.synthetic) for row in audits)
    data = AreaData(
        area_ids=tuple(used),
        district_ids=tuple(people[i].district_id for i in used),
        risk=np.array([sum(areas[i].risks) / len(areas[i].risks) for i in used], dtype=np.float64),
        audited_yards=np.array([len(areas[i].risks) for i in used], dtype=np.int64),
        population=np.array([people[i].residents for i in used], dtype=np.float64),
        size_km2=np.array([people[i].size_km2 for i in used], dtype=np.float64),
        offences=np.array([counts["outcome"].get(i, 0) for i in used], dtype=np.int64),
        offences_before=np.array([counts["before"].get(i, 0) for i in used], dtype=np.int64),
        control=np.array([counts["control"].get(i, 0) for i in used], dtype=np.int64),
        item_fail_share=shares,
        synthetic=coverage.synthetic or audits_synthetic,
    )
    days = [_as_almaty_date(row.received_at) for row in audits]
    return Dataset(
        data=data,
        windows=windows,
        areas_known=len(people),
        areas_with_audits=len(areas),
        left_out_no_population=len(areas) - len(used),
        audits_used=len(audits),
        audits_outside_areas=outside,
        audits_synthetic=audits_synthetic,
        offences_outcome_all=sum(counts["outcome"].values()),
        offences_before_all=sum(counts["before"].values()),
        control_all=sum(counts["control"].values()),
        population_methods=dict(Counter(people[i].method for i in used)),
        first_audit=min(days) if days else None,
        last_audit=max(days) if days else None,
    )


def _offence_counts(session: Session, windows: Windows) -> dict[str, dict[str | None, int]]:
    outcome_start, outcome_end = windows.outcome
    before_start, before_end = windows.before
    return {
        "outcome": offence_queries.count_by_area(
            session, start=outcome_start, end=outcome_end, exclude_articles=[CONTROL_ARTICLE]
        ),
        "before": offence_queries.count_by_area(
            session, start=before_start, end=before_end, exclude_articles=[CONTROL_ARTICLE]
        ),
        "control": offence_queries.count_by_area(
            session, start=outcome_start, end=outcome_end, articles=[CONTROL_ARTICLE]
        ),
    }


def build_area_data(session: Session, *, as_of: date) -> AreaData:
    """The evaluation's input at the cut-off ``as_of`` (see ``build_dataset``)."""
    return build_dataset(session, as_of=as_of).data


def default_as_of(session: Session) -> date | None:
    """The latest cut-off whose 12 months after are covered by the stored offences (the last
    offence's date minus 12 months plus a day); None when no offences cover 12 months or no
    audit was received before that date."""
    coverage = offence_queries.coverage(session)
    if coverage.date_from is None or coverage.date_to is None:
        return None
    candidate = add_months(coverage.date_to, -WINDOW_MONTHS) + timedelta(days=1)
    if coverage.date_from > candidate + timedelta(days=COVERAGE_SLACK_DAYS):
        return None
    return candidate if first_audit_before(session, candidate) else None


def first_audit_before(session: Session, as_of: date | None = None) -> bool:
    """Whether any audit with an index was received before the cut-off ``as_of`` (None: at
    all)."""
    s = _SUBMISSION.c
    query = select(s.id).where(s.role == AUDIT_ROLE, s.risk_index.is_not(None))
    if as_of is not None:
        query = query.where(s.received_at < cutoff_moment(as_of))
    return session.execute(query.limit(1)).first() is not None
