"""What a yard report shows, gathered into one frozen dataclass (also the cache key).

Two kinds share the shape: the yard's current risk (``kind="yard"``, for its cooperative and
inspectors) and one submission's own result (``kind="submission"``, for the resident who
holds its id). Every text is already in the report's language; nothing here renders.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from app.areas.trend import ALMATY, MonthPoint, month_of, monthly_trend
from app.channels.reports.lang import language
from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schemas import parties
from app.districts.models import District, MicroDistrict
from app.photos import moderation as photo_moderation
from app.photos import service as photos_service
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.platform.errors import Unavailable
from app.platform.languages import Lang
from app.scoring import ScoreResult, band_for, score_answers, shrunk_risk
from app.submissions.models import Submission
from app.yards import naming
from app.yards.models import Yard
from app.yards.risk import kept_risk
from app.yards.risk_models import YardRisk

TREND_MONTHS = 12
FIX_PLAN_STEPS = 3
PHOTOS_PER_ITEM = 3
PHOTOS_PER_REPORT = 24

_SUBMISSION = table_of(Submission)
_YARD_RISK = table_of(YardRisk)


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


def almaty_date(moment: datetime) -> date:
    return moment.astimezone(ALMATY).date()


def _explain(
    loaded: LoadedChecklist,
    score: ScoreResult,
    answers: Mapping[str, str],
    lang: Lang,
    photos: Mapping[str, tuple[str, ...]],
) -> tuple[tuple[SectionLine, ...], tuple[FailingItem, ...], tuple[PlanStep, ...], tuple[str, ...]]:
    """Sections, every failing item (not only the top five of the result page), the plan."""
    items = loaded.items_by_id
    titles = {s.id: s.title.get(lang) for s in loaded.checklist.sections}
    sections = tuple(
        SectionLine(
            titles[s.section],
            s.risk_index,
            band_for(s.risk_index) if s.risk_index is not None else None,
        )
        for s in score.sections
    )
    failing = []
    for f in score.factors:
        item = items[f.item_id]
        option = item.option(answers[f.item_id])
        failing.append(
            FailingItem(
                item_id=f.item_id,
                section=titles[f.section],
                question=item.question.get(lang),
                answer=option.label.get(lang) if option else answers[f.item_id],
                weight=f.weight,
                risk=f.risk,
                critical=f.critical,
                points=f.points,
                index_if_fixed=f.index_if_fixed,
                remedy=item.remedy.get(lang) if item.remedy else "",
                responsible=tuple(p.label for p in parties(list(item.responsible), lang)),
                photos=photos.get(f.item_id, ()),
            )
        )
    plan = tuple(
        PlanStep(items[s.item_id].question.get(lang), s.index_after, s.band_after)
        for s in score.fix_plan(FIX_PLAN_STEPS)
    )
    critical = tuple(items[i].question.get(lang) for i in score.critical_failed)
    return sections, tuple(failing), plan, critical


def _photos(
    session: Session,
    settings: Settings,
    *,
    submission_ids: Sequence[uuid.UUID],
    item_ids: set[str],
    states: Sequence[str],
) -> dict[str, tuple[str, ...]]:
    """Thumbnails per failing item, newest first, a few per item; files that exist only;
    photos in ``states`` only (approved ones in anything given beyond the sender)."""
    if not submission_ids or not item_ids:
        return {}
    found = session.exec(
        sqlmodel_select(Photo)
        .where(
            col(Photo.submission_id).in_(list(submission_ids)),
            col(Photo.item_id).in_(item_ids),
            col(Photo.state).in_(list(states)),
        )
        .order_by(col(Photo.created_at).desc(), col(Photo.id))
    ).all()
    out: dict[str, list[str]] = defaultdict(list)
    total = 0
    for photo in found:
        if total >= PHOTOS_PER_REPORT or len(out[photo.item_id]) >= PHOTOS_PER_ITEM:
            continue
        path = photos_service.file_path(settings, photo, thumb=True)
        if path.is_file():
            out[photo.item_id].append(str(path))
            total += 1
    return {k: tuple(v) for k, v in out.items()}


def area_mean(session: Session, *conditions: Any) -> tuple[int, float | None]:
    r = _YARD_RISK.c
    count, mean = session.execute(
        select(func.count(), func.avg(r.risk_index)).where(r.risk_index.is_not(None), *conditions)
    ).one()
    return int(count), float(mean) if mean is not None else None


def comparisons(
    session: Session, *, yard: Yard, district_name: str, settings: Settings
) -> tuple[tuple[Comparison, ...], float | None, float | None]:
    """The yard's micro-district, district and city: audited yards, mean and coverage-aware
    risk (as the map computes it); and the share of the district's yards riskier than it.

    Three small aggregates over ``yard_risk`` (indexed by area), not the whole area report.
    """
    r = _YARD_RISK.c
    city_n, city_mean = area_mean(session)
    k = settings.area_shrinkage_k

    def line(level: str, name: str, n: int, mean: float | None) -> Comparison:
        shrunk = shrunk_risk(n, mean, city_mean, k) if city_mean is not None else None
        return Comparison(level, name, n, mean, shrunk)

    out = []
    if yard.micro_district_id is not None:
        n, mean = area_mean(session, r.micro_district_id == yard.micro_district_id)
        out.append(line("micro_district", yard.micro_district_id, n, mean))
    n, mean = area_mean(session, r.district_id == yard.district_id)
    out.append(line("district", district_name, n, mean))
    out.append(Comparison("city", "", city_n, city_mean, city_mean))
    own = session.execute(select(r.risk_index).where(r.yard_id == yard.id)).scalar_one_or_none()
    riskier = None
    if own is not None and n > 1:
        worse = session.execute(
            select(func.count()).where(
                r.district_id == yard.district_id, r.risk_index > own, r.yard_id != yard.id
            )
        ).scalar_one()
        riskier = worse / (n - 1)
    return tuple(out), riskier, own


def _trend(points: Sequence[MonthPoint]) -> tuple[MonthValue, ...]:
    return tuple(
        MonthValue(
            p.month, round(p.mean_risk, 1) if p.mean_risk is not None else None, p.submissions
        )
        for p in points
    )


def _window_photo_sources(
    session: Session, *, yard_id: int, since: datetime | None, basis: str
) -> list[uuid.UUID]:
    """The submissions of the kept row's window whose photos show its consensus: the audit
    it comes from, or the residents' checks."""
    if since is None:
        return []
    s = _SUBMISSION.c
    rows = session.execute(
        select(s.id, s.role)
        .where(s.yard_id == yard_id, s.received_at >= since)
        .order_by(s.received_at.desc())
    ).all()
    if basis == "inspector_audit":
        return [r.id for r in rows if r.role == "inspector"][:1]
    return [r.id for r in rows if r.role != "inspector"]


def yard_report(
    session: Session,
    *,
    yard: Yard,
    registry: ChecklistRegistry,
    settings: Settings,
    lang: Lang,
    submission: Submission | None = None,
    now: datetime | None = None,
) -> YardReport:
    """The report of a yard's current risk, or (``submission``) of one submission's result
    with its yard's comparisons, trend and participation."""
    assert yard.id is not None
    now = now or utcnow()
    # The yard's current risk is its kept row (the one source the page, API and maps read).
    kept = kept_risk(
        session, yard_id=yard.id, registry=registry, window_days=settings.current_risk_window_days
    )
    found, window = kept.found, kept.window_days
    district = session.get(District, yard.district_id)
    district_name = district.name(lang) if district else yard.district_id

    if submission is not None:
        loaded = registry.get(submission.checklist_version)
        if loaded is None:  # pragma: no cover - every stored version is registered
            raise Unavailable(f"Checklist version {submission.checklist_version} is not loaded.")
        answers: Mapping[str, str] = submission.answers
        basis_at: datetime | None
        score: ScoreResult | None = score_answers(loaded.scoring, answers, role=submission.role)
        basis, basis_at, photo_from = "submission", submission.received_at, [submission.id]
    else:
        loaded, answers, score = found.loaded, found.answers, found.score
        basis, basis_at = found.basis, found.last_audit_at
        photo_from = _window_photo_sources(
            session, yard_id=yard.id, since=kept.window_start, basis=found.basis
        )

    sections: tuple[SectionLine, ...] = ()
    failing: tuple[FailingItem, ...] = ()
    plan: tuple[PlanStep, ...] = ()
    critical: tuple[str, ...] = ()
    if score is not None and loaded is not None:
        photos = _photos(
            session,
            settings,
            submission_ids=photo_from,
            item_ids={f.item_id for f in score.factors},
            # The sender's own result shows theirs at once; the yard's report, approved only.
            states=photo_moderation.sender_states()
            if submission is not None
            else photo_moderation.public_states(),
        )
        sections, failing, plan, critical = _explain(loaded, score, answers, lang, photos)
    compared, riskier, _own = comparisons(
        session, yard=yard, district_name=district_name, settings=settings
    )
    trend = monthly_trend(session, yard_id=yard.id, months=TREND_MONTHS, until=month_of(now))
    micro = session.get(MicroDistrict, yard.micro_district_id) if yard.micro_district_id else None
    with language(lang):
        spot = naming.yard_place(lat=yard.lat, lon=yard.lon)
    return YardReport(
        kind="submission" if submission is not None else "yard",
        lang=lang,
        report_date=almaty_date(now),
        yard_id=yard.id,
        name=naming.public_title(yard_id=yard.id, public_name=yard.public_name),
        named=bool(yard.public_name),
        district_id=yard.district_id,
        district_name=district_name,
        micro_district_id=yard.micro_district_id,
        area_name=micro.name if micro is not None else None,
        lat=spot.lat,
        lon=spot.lon,
        near=spot.near,
        twogis_url=spot.twogis_url,
        osm_url=spot.osm_url,
        synthetic=yard.synthetic,
        basis=basis,
        basis_date=almaty_date(basis_at) if basis_at else None,
        submission_id=str(submission.id) if submission is not None else None,
        submitted_by=submission.role if submission is not None else None,
        window_days=window,
        checklist_version=score.checklist_version if score else None,
        scoring_version=score.scoring_version if score else None,
        risk_index=score.risk_index if score else None,
        band=score.band if score else None,
        completeness=score.completeness if score else None,
        sections=sections,
        failing=failing,
        critical_failed=critical,
        fix_plan=plan,
        comparison=compared,
        safer_than_share=riskier,
        trend=_trend(trend),
        residents=found.residents,
        inspector_audits=found.audits,
        total_checks=yard.submission_count,
        checklist_url=f"{settings.public_base_url.rstrip('/')}/checklist?yard_id={yard.id}",
    )
