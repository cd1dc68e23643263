"""The inspectors' pages: the map with the district dashboard, an area's panel, a district's
monthly summary. Inspectors and admins only (others: the login page or 403)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.areas import monthly
from app.areas import service as areas_service
from app.areas.shapes import area_name
from app.areas.trend import month_start, shift_month
from app.audit import service as audit_service
from app.channels.staff import access, charts, labels, legend, outcome_views, rate_views
from app.channels.staff import map_views as service
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth_deps import InspectorScope, RequireInspector
from app.channels.web.context import AreaShapesDep, ContextDep, context_of
from app.channels.web.formatting import Formatter
from app.checklists.schemas import checklist_public
from app.districts.models import District
from app.findings import outcome_report
from app.findings import queue as queue_service
from app.platform import translations
from app.platform.db import SessionDep
from app.platform.errors import Invalid, NotFound
from app.platform.templating import render
from app.platform.translations import gettext
from app.scoring import band_for

router = APIRouter(include_in_schema=False)

ATTENTION_AREAS = 12
# The inspector's own district on the dashboard: its areas and yards by the queue's priority.
DASHBOARD_AREAS = 8
DASHBOARD_YARDS = 6


def _months(text: str | None) -> int | None:
    """?months= of a page: empty for the current risk, else 1-120."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 120:
        raise Invalid(gettext("The period must be a number of months from 1 to 120."))
    return int(text)


def _section_titles(request: Request) -> dict[str, str]:
    loaded = context_of(request.scope).checklists.current
    public = checklist_public(loaded, translations.current_lang.get())
    titles = {s.id: s.title for s in public.sections}
    return {
        s: titles.get(s, s) for s in context_of(request.scope).checklists.current.scoring.sections
    }


def _page(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    fmt = Formatter(translations.current_lang.get())
    return render(request, template, {"fmt": fmt, **context})


def _query(**values: Any) -> str:
    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


def district_pdf_url(district_id: str, month: str, lang: str) -> str:
    """The district's monthly PDF (app/channels/reports/downloads.py) in the page's language."""
    return f"/inspector/reports/districts/{district_id}.pdf" + _query(month=month, lang=lang)


def area_pdf_url(micro_district_id: str, month: str, lang: str) -> str:
    """A micro-district's monthly PDF in the page's language."""
    return f"/inspector/reports/micro-districts/{micro_district_id}.pdf" + _query(
        month=month, lang=lang
    )


def _tile_host(url: str) -> str:
    return urlsplit(url.replace("{s}", "a")).netloc


@router.get("/inspector", response_class=HTMLResponse)
def inspector_map(
    app_context: ContextDep,
    request: Request,
    session: SessionDep,
    shapes: AreaShapesDep,
    user: RequireInspector,
    scope: InspectorScope,
    months: str | None = None,
    section: str | None = None,
    sort: str | None = None,
) -> HTMLResponse:
    """The map (choropleth by coverage-aware risk or by a section), the district table, and
    the micro-districts that need attention (the map's content without JavaScript)."""
    settings = app_context.settings
    lang = translations.current_lang.get()
    fmt = Formatter(lang)
    period = _months(months)
    titles = _section_titles(request)
    if section is not None and section != "" and section not in titles:
        raise Invalid(gettext("There is no such section in the checklist."))
    section = section or None
    sort = sort if sort in service.SORT_KEYS else "risk"
    sections = tuple(titles)
    offences = rate_views.dashboard(session, month_label=lambda m: labels.month_label(m, lang))
    rows = service.sorted_districts(
        areas_service.district_figures(
            session,
            settings=settings,
            sections=sections,
            months=period,
            kept=app_context.area_keeper.sums("district_id", sections) if period is None else None,
        ),
        sort=sort,
        lang=lang,
        offences={d: offences.per_10k(d) for d in offences.rates.districts}
        if offences.rates
        else None,
    )
    report = areas_service.micro_district_figures(
        session,
        settings=settings,
        neighbours=shapes.neighbours,
        sections=sections,
        months=period,
        kept=app_context.area_keeper.sums("micro_district_id", sections)
        if period is None
        else None,
    )
    # Only areas with a figure rank: an area without audited yards has nothing to rank by.
    # The city's list for the city-wide; a district inspector gets their own district first.
    attention = (
        sorted(
            (
                (shapes.micro_districts[i], f, f.coverage_risk)
                for i, f in report.areas.items()
                if i in shapes.micro_districts
                and f.coverage_risk is not None
                and any(flag.code in ("problem_area", "cluster") for flag in f.flags)
            ),
            key=lambda row: (-row[2], row[0].id),
        )[:ATTENTION_AREAS]
        if scope.city_wide
        else []
    )
    my_district = (
        None
        if scope.city_wide
        else queue_service.queue(
            session,
            scope=scope,
            filters=queue_service.QueueFilters(),
            lang=lang,
            page_size=DASHBOARD_YARDS,
        )
    )
    data_query = _query(months=period, section=section)
    names = {d.figures.id: {"kk": d.name_kk, "en": d.name_en}.get(lang, d.name_ru) for d in rows}
    scope_names = [names.get(i, i) for i in sorted(scope.district_ids)] + sorted(
        scope.micro_district_ids
    )
    context = {
        "user": user,
        "scope": scope,
        "scope_names": scope_names,
        "months": period,
        "section": section,
        "sort": sort,
        "sections": titles,
        "periods": labels.PERIODS,
        "period_label": labels.period_label,
        "districts": [
            {
                "row": d,
                "name": {"kk": d.name_kk, "en": d.name_en}.get(lang, d.name_ru),
                "per_10k": d.figures.yards_audited / d.population * 10_000
                if d.population
                else None,
                "flags": labels.flag_texts(d.figures, fmt=fmt),
                "mine": scope.may_see_district(d.figures.id),
            }
            for d in rows
        ],
        "sort_url": lambda key: _query(months=period, section=section, sort=key),
        "attention": [
            {
                "shape": shape,
                "name": area_name(shape),
                "figures": figures,
                "flags": labels.flag_texts(figures, fmt=fmt),
                "mine": scope.may_see_area(
                    district_id=shape.district_id, micro_district_id=shape.id
                ),
            }
            for shape, figures, _risk in attention
        ],
        "my_district": my_district,
        "my_areas": my_district.places[:DASHBOARD_AREAS] if my_district else [],
        "city_mean": report.city_mean,
        "legend_risk": legend.classes(legend.RISK_BOUNDS, share=False, fmt=fmt),
        "legend_share": legend.classes(legend.SHARE_BOUNDS, share=True, fmt=fmt),
        "legend_no_data": legend.NO_DATA,
        "outlines": legend.outlines(),
        "map_config": json.dumps(legend.map_config(fmt), ensure_ascii=False),
        "geojson_url": f"/api/v1/micro-districts.geojson{data_query}",
        "tile_url": settings.map_tile_url,
        "tile_attribution": settings.map_tile_attribution,
        "tile_host": _tile_host(settings.map_tile_url),
        "this_month": monthly.checked_month(None),
        "outcomes": outcome_views.dashboard(
            session, scope=scope, cache=app_context.area_keeper.months
        ),
        "month_label": lambda m: labels.month_label(m, lang),
        "offences": offences,
    }
    return _page(request, "inspectors/map.html", context)


@router.get("/inspector/areas/{micro_district_id}", response_class=HTMLResponse)
def area_page(
    app_context: ContextDep,
    micro_district_id: str,
    request: Request,
    session: SessionDep,
    shapes: AreaShapesDep,
    scope: InspectorScope,
    audit: AuditDep,
    months: str | None = None,
) -> HTMLResponse:
    """A micro-district's panel as a page (the map loads its ``#area-panel`` beside it)."""
    shape = shapes.micro_districts.get(micro_district_id)
    if shape is None:
        raise NotFound(gettext("There is no micro-district %(id)s.", id=micro_district_id[:40]))
    access.require_area(scope, district_id=shape.district_id, micro_district_id=shape.id)
    settings = app_context.settings
    fmt = Formatter(translations.current_lang.get())
    titles = _section_titles(request)
    panel = service.area_panel(
        session,
        micro_district_id=shape.id,
        settings=settings,
        shapes=shapes,
        sections=tuple(titles),
        months=_months(months),
        kept=app_context.area_keeper.sums("micro_district_id", tuple(titles)),
    )
    district = session.get(District, shape.district_id) if shape.district_id else None
    audit(audit_service.AuditAction.area_viewed, audit_service.area_target(shape.id))
    lang = translations.current_lang.get()
    this_month = monthly.checked_month(None)
    # The district's pages only for those who may open them (an inspector of one area may not).
    whole_district = shape.district_id is not None and scope.may_see_district(shape.district_id)
    context = {
        "panel": panel,
        "district": district,
        "district_name": district.name(translations.current_lang.get()) if district else None,
        "sections": titles,
        "flags": labels.flag_texts(panel.figures, fmt=fmt),
        "chart": charts.trend_chart(panel.trend),
        "period_label": labels.period_label(panel.months),
        "basis_label": labels.basis_label,
        "band_of": band_for,
        "problem_risk": settings.problem_area_risk,
        "this_month": this_month,
        "back_url": "/inspector" + _query(months=panel.months),
        "area_pdf_url": area_pdf_url(shape.id, this_month, lang),
        "queue_url": "/inspector/queue" + _query(area=shape.id),
        "monthly_url": f"/inspector/districts/{shape.district_id}/monthly"
        + _query(month=this_month)
        if whole_district
        else None,
        "district_pdf_url": district_pdf_url(shape.district_id, this_month, lang)
        if whole_district and shape.district_id
        else None,
    }
    return _page(request, "inspectors/area.html", context)


@router.get("/inspector/districts/{district_id}/monthly", response_class=HTMLResponse)
def monthly_page(
    app_context: ContextDep,
    district_id: str,
    request: Request,
    session: SessionDep,
    shapes: AreaShapesDep,
    scope: InspectorScope,
    audit: AuditDep,
    month: str | None = None,
) -> HTMLResponse:
    """A district's monthly summary (``?month=YYYY-MM``, default this month)."""
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(gettext("There is no district %(id)s.", id=district_id[:40]))
    access.require_district(scope, district)
    try:
        chosen = monthly.checked_month(month)
    except Invalid:
        raise Invalid(
            gettext(
                "“%(month)s” is not a month that has begun. Write it as YYYY-MM, for example "
                "%(example)s.",
                month=(month or "")[:20],
                example=monthly.checked_month(None),
            )
        ) from None
    settings = app_context.settings
    lang = translations.current_lang.get()
    fmt = Formatter(lang)
    summary = app_context.area_keeper.monthly_summary(
        session,
        district_id=district_id,
        month=chosen,
        settings=app_context.settings,
        shapes=shapes,
        sections=app_context.checklists.current.scoring.sections,
    )
    audit(
        audit_service.AuditAction.district_month_viewed,
        audit_service.district_target(district_id, chosen),
    )
    this_month = monthly.checked_month(None)
    context = {
        "summary": summary,
        "district_name": summary.district_name(translations.current_lang.get()),
        "chart": charts.trend_chart(summary.trend),
        "district_flags": labels.flag_texts(summary.district_figures, fmt=fmt),
        "flagged": [(a, labels.flag_texts(a.figures, fmt=fmt)) for a in summary.flagged_areas],
        "basis_label": labels.basis_label,
        "previous_url": _query(month=shift_month(chosen, -1)),
        "next_url": _query(month=shift_month(chosen, 1)) if chosen < this_month else None,
        "month_label": lambda m: labels.month_label(m, lang),
        "month_days": fmt.day_range(month_start(chosen), summary.generated_at),
        "problem_risk": settings.problem_area_risk,
        "problem_probability": settings.problem_area_probability,
        "min_audited": settings.area_min_audited,
        "district_pdf_url": district_pdf_url(district_id, chosen, lang),
        "outcomes": outcome_report.district_month(session, district_id=district_id, month=chosen),
        "offences": rate_views.district_month(
            session,
            district_id=district_id,
            month=chosen,
            audited={a.micro_district_id: a.yards for a in summary.areas},
            min_audited=settings.area_min_audited,
            month_label=lambda m: labels.month_label(m, lang),
        ),
        "yard_findings_url": lambda yard_id: f"/inspector/yards/{yard_id}/findings",
        "area_pdf_url": lambda area_id: (
            area_pdf_url(area_id, chosen, lang)
            if scope.may_see_area(district_id=district_id, micro_district_id=area_id)
            else None
        ),
        # The summary is kept once for every language: each area's name in the page's.
        "area_name": lambda area_id, kept: (
            area_name(shapes.micro_districts[area_id])
            if area_id in shapes.micro_districts
            else kept
        ),
    }
    return _page(request, "inspectors/monthly.html", context)
