"""What the inspectors' monthly report shows, for a district or one micro-district.

The month's figures, flags, worst yards and trend come from ``app.areas.monthly`` (the same
summary the inspectors' HTML page reads); this module adds what only the report shows: the
most common failing items with their responsible parties, flag reasons in the reader's
language, and the map's values. One frozen dataclass, also the cache key.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from app.areas import monthly
from app.areas.figures import AreaFigures
from app.areas.monthly_models import YardLine
from app.areas.shapes import AreaShapes
from app.areas.trend import MonthPoint, month_of, month_start, monthly_trend, shift_month
from app.channels.reports import yard as yard_report_module
from app.channels.reports.district_models import (
    AreaLine,
    AreaReport,
    CommonItem,
    FlagLine,
    MapValue,
    MonthFigures,
    YardRow,
)
from app.channels.reports.lang import language
from app.channels.reports.yard import almaty_date
from app.checklists.loader import ChecklistRegistry
from app.checklists.schemas import parties
from app.districts.models import District, MicroDistrict
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.platform.errors import NotFound
from app.platform.languages import Lang
from app.platform.translations import gettext
from app.scoring import shrunk_risk
from app.submissions.models import Submission
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

COMMON_ITEMS = 10
# An answer at or above this share of its item's risk counts the item as failing in the yard.
FAILING_RISK = 0.5

_SUBMISSION = table_of(Submission)
_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)


def _figures(point: MonthPoint) -> MonthFigures:
    def r(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return MonthFigures(
        point.month,
        point.submissions,
        point.inspector_audits,
        point.yards,
        r(point.mean_risk, 1),
        r(point.high_risk_share, 3),
    )


def flag_reason(code: str, figures: AreaFigures, *, settings: Settings, now: datetime) -> str:
    """The numbers behind a flag, in the current language (``Flag.reason`` is English)."""
    if code == "not_enough_data":
        return gettext(
            "%(audited)s audited yards, at least %(needed)s needed",
            audited=figures.yards_audited,
            needed=settings.area_min_audited,
        )
    if code == "problem_area":
        return gettext(
            "coverage-aware risk %(risk)s ≥ %(limit)s with %(audited)s audited yards",
            risk=f"{figures.coverage_risk:.0f}",
            limit=f"{settings.problem_area_risk:.0f}",
            audited=figures.yards_audited,
        )
    if code == "hotspot":
        return gettext(
            "Gi* z %(z)s > %(limit)s together with the neighbouring areas",
            z=f"{figures.gi_z or 0.0:.2f}",
            limit=f"{settings.hotspot_z:.2f}",
        )
    if figures.last_submission_at is None:
        return gettext("no check yet")
    return gettext(
        "no check for %(days)s days (limit %(limit)s)",
        days=(now - figures.last_submission_at).days,
        limit=settings.area_stale_days,
    )


def _flag_lines(
    area: str, figures: AreaFigures, *, settings: Settings, now: datetime
) -> list[FlagLine]:
    return [
        FlagLine(area, f.code, flag_reason(f.code, figures, settings=settings, now=now))
        for f in figures.flags
    ]


def common_failing(
    session: Session,
    *,
    registry: ChecklistRegistry,
    month: str,
    lang: Lang,
    district_id: str | None = None,
    micro_district_id: str | None = None,
    limit: int = COMMON_ITEMS,
) -> tuple[tuple[CommonItem, ...], int]:
    """The items most often failing among the yards checked in the month (each yard's latest
    check of the month counts once), with who is responsible; and how many yards were read."""
    s = _SUBMISSION.c
    query = (
        select(s.yard_id, s.checklist_version, s.answers)
        .where(
            s.received_at >= month_start(month),
            s.received_at < month_start(shift_month(month, 1)),
        )
        .order_by(s.yard_id, s.received_at.desc())
    )
    if district_id is not None:
        query = query.where(s.district_id == district_id)
    if micro_district_id is not None:
        query = query.where(s.micro_district_id == micro_district_id)
    seen: set[int] = set()
    failing: Counter[tuple[str, str]] = Counter()  # (checklist version, item id)
    for yard_id, version, answers in session.execute(query):
        if yard_id in seen:
            continue
        seen.add(yard_id)
        loaded = registry.get(version)
        if loaded is None:  # pragma: no cover - every stored version is registered
            continue
        for scored in loaded.scoring.items:
            risk = scored.risk_of(answers.get(scored.id, ""))
            if risk is not None and risk >= FAILING_RISK:
                failing[(version, scored.id)] += 1
    # The same item in two checklist versions counts as one (its id is stable).
    by_item: Counter[str] = Counter()
    version_of: dict[str, str] = {}
    for (version, item_id), count in failing.items():
        by_item[item_id] += count
        version_of.setdefault(item_id, version)
    out = []
    for item_id, count in sorted(by_item.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]:
        loaded = registry.get(version_of[item_id])
        assert loaded is not None
        item = loaded.items_by_id[item_id]
        section = next(
            s for s in loaded.checklist.sections if any(i.id == item_id for i in s.items)
        )
        out.append(
            CommonItem(
                question=item.question.get(lang),
                section=section.title.get(lang),
                yards=count,
                share=count / len(seen),
                responsible=tuple(p.label for p in parties(list(item.responsible), lang)),
            )
        )
    return tuple(out), len(seen)


_SHAPE_DIGESTS: dict[int, tuple[AreaShapes, dict[str, str]]] = {}


def _shape_digest(shapes: AreaShapes, ids: Iterable[str]) -> str:
    """A digest of the outlines drawn (each outline hashed once per loaded ``AreaShapes``)."""
    cached = _SHAPE_DIGESTS.get(id(shapes))
    if cached is None or cached[0] is not shapes:
        cached = (shapes, {})
        _SHAPE_DIGESTS.clear()
        _SHAPE_DIGESTS[id(shapes)] = cached
    digests = cached[1]
    combined = hashlib.sha256()
    for area_id in sorted(ids):
        if area_id not in digests:
            geometry = shapes.micro_districts[area_id].geometry
            digests[area_id] = hashlib.sha256(
                json.dumps(geometry, sort_keys=True).encode()
            ).hexdigest()
        combined.update(digests[area_id].encode())
    return combined.hexdigest()[:16]


def _micro_figures(session: Session, *, micro_district_id: str, settings: Settings) -> AreaFigures:
    """A micro-district's figures today, as the map computes them (without the whole map)."""
    known = session.execute(
        select(func.count()).where(_YARD.c.micro_district_id == micro_district_id)
    ).scalar_one()
    audited, mean = yard_report_module.area_mean(
        session, _YARD_RISK.c.micro_district_id == micro_district_id
    )
    _n, city_mean = yard_report_module.area_mean(session)
    return AreaFigures(
        micro_district_id,
        yards_known=int(known),
        yards_audited=audited,
        mean_risk=mean,
        coverage_risk=shrunk_risk(audited, mean, city_mean or 0.0, settings.area_shrinkage_k),
    )


def _rows(lines: Sequence[YardLine]) -> tuple[YardRow, ...]:
    return tuple(
        YardRow(y.yard_id, y.name, y.micro_district_id, round(y.risk_index, 1), y.band, y.basis)
        for y in lines
    )


def area_report(
    session: Session,
    *,
    registry: ChecklistRegistry,
    settings: Settings,
    shapes: AreaShapes,
    lang: Lang,
    month: str,
    district_id: str | None = None,
    micro_district_id: str | None = None,
    now: datetime | None = None,
) -> AreaReport:
    """The month of a district, or (``micro_district_id``) of one micro-district seen within
    its district, with its texts in ``lang``. ``NotFound`` for an unknown area."""
    with language(lang):
        return _area_report(
            session,
            registry=registry,
            settings=settings,
            shapes=shapes,
            lang=lang,
            month=month,
            district_id=district_id,
            micro_district_id=micro_district_id,
            now=now,
        )


def _area_report(
    session: Session,
    *,
    registry: ChecklistRegistry,
    settings: Settings,
    shapes: AreaShapes,
    lang: Lang,
    month: str,
    district_id: str | None = None,
    micro_district_id: str | None = None,
    now: datetime | None = None,
) -> AreaReport:
    now = now or utcnow()
    micro = None
    if micro_district_id is not None:
        micro = session.get(MicroDistrict, micro_district_id)
        if micro is None or micro.district_id is None:
            raise NotFound(gettext("There is no such micro-district."))
        district_id = micro.district_id
    assert district_id is not None
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(gettext("There is no such district."))
    summary = monthly.monthly_summary(
        session, district_id=district_id, month=month, settings=settings, shapes=shapes, now=now
    )
    district_name = district.name(lang)
    month_lines = {a.micro_district_id: a for a in summary.areas}
    flagged = [
        line
        for area in summary.flagged_areas
        if micro_district_id is None or area.micro_district_id == micro_district_id
        for line in _flag_lines(area.micro_district_id, area.figures, settings=settings, now=now)
    ]
    in_district = [s.id for s in shapes.micro_districts.values() if s.district_id == district_id]
    if micro is not None:
        assert micro_district_id is not None
        trend = monthly_trend(
            session, micro_district_id=micro_district_id, months=monthly.TREND_MONTHS, until=month
        )
        (previous,) = monthly_trend(
            session, micro_district_id=micro_district_id, months=1, until=shift_month(month, -1)
        )
        worst = monthly.worst_yards(session, micro_district_id=micro_district_id, month=month)
        own = _micro_figures(session, micro_district_id=micro_district_id, settings=settings)
        own_flags, flagged = flagged, []
        area_name = micro.name or f"{district_name} · {micro_district_id}"
        areas = [month_lines[micro_district_id]] if micro_district_id in month_lines else []
    else:
        trend, previous, worst = summary.trend, summary.previous, summary.worst_yards
        own = summary.district_figures
        own_flags = _flag_lines("", own, settings=settings, now=now)
        area_name = district_name
        areas = list(summary.areas)
    common, checked = common_failing(
        session,
        registry=registry,
        month=month,
        lang=lang,
        district_id=district_id if micro is None else None,
        micro_district_id=micro_district_id,
    )
    map_values = tuple(
        MapValue(
            i,
            round(month_lines[i].coverage_risk, 1) if i in month_lines else None,
            i == micro_district_id,
        )
        for i in sorted(in_district)
    )
    return AreaReport(
        level="micro_district" if micro is not None else "district",
        lang=lang,
        area_id=micro_district_id or district_id,
        area_name=area_name,
        district_id=district_id,
        district_name=district_name,
        month=month,
        month_complete=month < month_of(now),
        window_days=settings.current_risk_window_days,
        min_audited=settings.area_min_audited,
        report_date=almaty_date(now),
        current=_figures(trend[-1]),
        previous=_figures(previous),
        city_mean_risk=round(summary.city_mean_risk, 1)
        if summary.city_mean_risk is not None
        else None,
        yards_known=own.yards_known if own else 0,
        yards_audited=own.yards_audited if own else 0,
        coverage_risk=round(own.coverage_risk, 1) if own else None,
        own_flags=tuple(own_flags),
        flagged_areas=tuple(flagged),
        areas=tuple(
            AreaLine(
                a.micro_district_id,
                a.yards,
                a.submissions,
                round(a.mean_risk, 1),
                round(a.coverage_risk, 1),
                a.problem,
            )
            for a in areas
        ),
        worst_yards=_rows(worst),
        common_failing=common,
        checked_yards=checked,
        trend=tuple(_figures(p) for p in trend),
        map_values=map_values,
        # The report is of one district: its name is not repeated after every area's.
        area_names=tuple(
            (i, (shapes.micro_districts[i].name or i).removesuffix(f" · {district.name_ru}"))
            for i in sorted(in_district)
        ),
        map_shapes=_shape_digest(shapes, in_district),
    )
