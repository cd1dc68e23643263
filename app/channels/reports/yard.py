"""What a yard report shows, gathered into one frozen dataclass (also the cache key).

Two kinds share the shape: the yard's current risk (``kind="yard"``, for its cooperative and
inspectors) and one submission's own result (``kind="submission"``, for the resident who
holds its id). Every text is already in the report's language; nothing here renders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlmodel import Session

from app.areas.trend import ALMATY, MonthPoint, month_of, monthly_trend
from app.channels.reports import compare, yard_items
from app.channels.reports.lang import language
from app.channels.reports.links import checklist_url, methodology_url, telegram_url
from app.channels.reports.yard_models import (
    FailingItem,
    MonthValue,
    PlanStep,
    SectionLine,
    YardReport,
)
from app.checklists.loader import ChecklistRegistry
from app.districts import naming as area_naming
from app.districts.models import District, MicroDistrict
from app.photos import moderation as photo_moderation
from app.platform.config import Settings
from app.platform.db import utcnow
from app.platform.errors import Unavailable
from app.platform.languages import Lang
from app.scoring import ScoreResult, score_answers
from app.submissions.models import Submission
from app.yards import naming
from app.yards.models import Yard
from app.yards.risk import kept_risk

__all__ = ["YardReport", "almaty_date", "yard_report"]

TREND_MONTHS = 12


def almaty_date(moment: datetime) -> date:
    return moment.astimezone(ALMATY).date()


def _trend(points: Sequence[MonthPoint]) -> tuple[MonthValue, ...]:
    return tuple(
        MonthValue(
            p.month, round(p.mean_risk, 1) if p.mean_risk is not None else None, p.submissions
        )
        for p in points
    )


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
        photo_from = yard_items.window_photo_sources(
            session, yard_id=yard.id, since=kept.window_start, basis=found.basis
        )

    sections: tuple[SectionLine, ...] = ()
    failing: tuple[FailingItem, ...] = ()
    plan: tuple[PlanStep, ...] = ()
    critical: tuple[str, ...] = ()
    if score is not None and loaded is not None:
        photos = yard_items.photos_of(
            session,
            settings,
            submission_ids=photo_from,
            item_ids={f.item_id for f in score.factors},
            # The sender's own result shows theirs at once; the yard's report, approved only.
            states=photo_moderation.sender_states()
            if submission is not None
            else photo_moderation.public_states(),
        )
        sections, failing, plan, critical = yard_items.explain(loaded, score, answers, lang, photos)
    compared, riskier, _own = compare.comparisons(
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
        area_name=area_naming.area_name(micro, lang) if micro is not None else None,
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
        risk_low=found.risk_low if submission is None else None,
        risk_high=found.risk_high if submission is None else None,
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
        checklist_url=checklist_url(settings, yard_id=yard.id),
        methodology_url=methodology_url(settings),
        telegram_url=telegram_url(settings, yard_id=yard.id),
    )
