"""The inspectors' API: an area's panel, a district's monthly summary, yards (or clusters) in a box.

Inspectors and admins only; yard-level details only within the inspector's scope (see
``app.channels.staff.access``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.areas import monthly
from app.areas.shapes import ATTRIBUTION, LICENSE
from app.audit import service as audit_service
from app.channels.staff import access, map_clusters
from app.channels.staff import map_views as service
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth_deps import InspectorScope
from app.channels.web.context import AreaShapesDep, ContextDep, MonthsQuery
from app.channels.web.formatting import Formatter
from app.districts.models import District
from app.platform import translations
from app.platform.body_cache import CachedBody
from app.platform.db import SessionDep
from app.platform.errors import Invalid, NotFound
from app.platform.security.openapi import BBOX_PATTERN, MONTH_PATTERN

router = APIRouter(prefix="/api/v1", tags=["inspectors"])


@router.get(
    "/micro-districts/{micro_district_id}",
    responses={404: {"description": "No such micro-district."}},
)
def micro_district_panel(
    micro_district_id: str,
    context: ContextDep,
    session: SessionDep,
    shapes: AreaShapesDep,
    scope: InspectorScope,
    audit: AuditDep,
    months: MonthsQuery = None,
) -> dict[str, Any]:
    """A micro-district's figures and flags with reasons (as on the map for the same
    ``months``), its worst yards by current risk (with links) and its 12-month trend."""
    shape = shapes.micro_districts.get(micro_district_id)
    if shape is None:
        raise NotFound(f"There is no micro-district {micro_district_id!r}.")
    access.require_area(scope, district_id=shape.district_id, micro_district_id=shape.id)
    panel = service.area_panel(
        session,
        micro_district_id=shape.id,
        settings=context.settings,
        shapes=shapes,
        sections=context.checklists.current.scoring.sections,
        months=months,
        kept=context.area_keeper.sums(
            "micro_district_id", context.checklists.current.scoring.sections
        ),
    )
    audit(audit_service.AuditAction.area_viewed, audit_service.area_target(shape.id))
    return panel.as_dict(Formatter(translations.current_lang.get()).flag_reason)


@router.get(
    "/districts/{district_id}/monthly",
    responses={404: {"description": "No such district."}},
)
def district_monthly(
    district_id: str,
    context: ContextDep,
    session: SessionDep,
    shapes: AreaShapesDep,
    scope: InspectorScope,
    audit: AuditDep,
    month: Annotated[
        str | None,
        Query(
            description="YYYY-MM (Almaty time), a month that has begun; default: this month.",
            examples=["2026-10"],
            pattern=MONTH_PATTERN,
        ),
    ] = None,
) -> dict[str, Any]:
    """A district's month: submissions, audits, yards checked and mean index against the
    previous month, problem areas of the month, worst yards checked, today's flags, trend."""
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(f"There is no district {district_id!r}.")
    access.require_district(scope, district)
    summary = context.area_keeper.monthly_summary(
        session,
        district_id=district_id,
        month=monthly.checked_month(month),
        settings=context.settings,
        shapes=shapes,
        sections=context.checklists.current.scoring.sections,
    )
    audit(
        audit_service.AuditAction.district_month_viewed,
        audit_service.district_target(district_id, summary.month),
    )
    lang = translations.current_lang.get()
    return summary.as_dict(Formatter(lang).flag_reason, lang)


@router.get(
    "/map/yards",
    response_class=JSONResponse,
    responses={200: {"content": {"application/geo+json": {}}, "description": "GeoJSON points."}},
)
def map_yards(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    shapes: AreaShapesDep,
    scope: InspectorScope,
    audit: AuditDep,
    bbox: Annotated[
        str,
        Query(
            description="west,south,east,north in degrees, west < east and south < north",
            examples=["76.90,43.23,76.95,43.26"],
            pattern=BBOX_PATTERN,
        ),
    ],
) -> Response:
    """The yards in the box (the map's view) that this inspector may see, as GeoJSON points
    linking to their yard pages (``mode`` "yards"); over 1,500 in the box, one point per
    area instead (``mode`` "clusters": yard count, mean risk of those with one, the extent
    to zoom to). ``truncated`` stays false (kept for older clients)."""
    try:
        box = service.BBox.parse(bbox)
    except ValueError as error:
        raise Invalid(str(error), details=[{"field": "bbox", "message": "invalid"}]) from None
    layer = map_clusters.yard_layer(
        context.area_keeper.yard_points.current(session),
        bbox=box,
        scope=scope,
        shapes=shapes,
        min_audited=context.settings.area_min_audited,
        limit=service.MAX_MARKERS,
    )
    audit(audit_service.AuditAction.map_yards_viewed, f"bbox:{bbox[:120]}")
    body = {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "license": LICENSE,
        "mode": layer.mode,
        "yards_in_box": layer.yards_in_box,
        "truncated": False,
        "limit": service.MAX_MARKERS,
        "features": layer.features,
    }
    # Compressed here at gzip level 1: the GZip middleware's level 9 took ~3.5 ms of the
    # city's 120 KB of clusters, level 1 ~0.4 ms (docs/PERFORMANCE.md, "The map at city scale").
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return CachedBody(text.encode()).response(request, "application/geo+json")
