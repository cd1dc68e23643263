"""Map and export APIs of area figures: inspectors and admins only.

Area figures are aggregates and cover the whole city for every inspector; the yards export
holds only the yards of the inspector's scope (README, "For inspectors")."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.areas import exports, gzip_parts, service
from app.areas.figures import AreaFigures
from app.areas.kept import AreaKeeper
from app.areas.shapes import ATTRIBUTION, LICENSE, area_name, district_names_ru
from app.audit.service import AuditAction, export_target
from app.channels.api import area_reasons, offences_schema, outcomes_schema
from app.channels.staff import access
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth_deps import AreaAggregatesScope, InspectorScope
from app.channels.web.context import AreaShapesDep, ContextDep, MonthsQuery
from app.channels.web.formatting import Formatter
from app.districts.models import District
from app.platform import translations
from app.platform.body_cache import CachedBody
from app.platform.db import SessionDep, utcnow
from app.platform.errors import Invalid, NotFound
from app.platform.security.openapi import CHOICES, SECTIONS

router = APIRouter(prefix="/api/v1", tags=["areas"])

GEOJSON = "application/geo+json"
# Features per separately compressed part of the map's gzip body (~16 KB): a feature
# changed by a write costs two such parts (it and the next, whose dictionary it is).
GZIP_PART_FEATURES = 16


def _cached(
    keeper: AreaKeeper,
    session: Session,
    key: tuple[Any, ...],
    build: Callable[[], bytes],
    tables: service.TableState | None = None,
) -> CachedBody:
    """The body for ``key``, rebuilt only when the yard tables changed (or the hour turned).

    Building the micro-district map re-reads only the areas whose yards changed (see
    ``KeptSums``); a check of the tables' state costs about a millisecond
    (docs/PERFORMANCE.md).
    """
    # The yard tables' state (a submission rewrites its yard's row), and the hour: flags
    # and ?months= move with time.
    state = (*(tables or service.table_state(session)), utcnow().strftime("%Y%m%d%H"))
    return keeper.bodies.get(state, key, build)


def _dump(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _geojson(body: dict[str, Any]) -> Response:
    return Response(_dump(body), media_type=GEOJSON)


@router.get("/micro-districts.geojson", response_class=Response)
def micro_districts_geojson(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    shapes: AreaShapesDep,
    _scope: AreaAggregatesScope,
    district: Annotated[str | None, Query(description="Only this district's id.")] = None,
    section: Annotated[
        str | None,
        Query(
            description="Make `value` the share of yards failing this section.",
            json_schema_extra={CHOICES: SECTIONS},
        ),
    ] = None,
    months: MonthsQuery = None,
) -> Response:
    """Micro-districts with their figures and flags as properties. ``value`` is the
    coverage-aware risk, or with ``?section=`` the share of audited yards failing it; it is
    null where no yard was audited (``yards_known`` 0: no yard known there; otherwise the
    known yards are unchecked). Flag reasons are in the request's language."""
    sections = context.checklists.current.scoring.sections
    keeper = context.area_keeper
    lang = translations.current_lang.get()
    reason = area_reasons.reasons(lang)
    if section is not None and section not in sections:
        raise Invalid(
            f"No section {section!r} in the scores; choose one of: {', '.join(sections)}",
            details=[{"field": "section", "message": "unknown section"}],
        )

    def build() -> bytes:
        report = service.micro_district_figures(
            session,
            settings=context.settings,
            neighbours=shapes.neighbours,
            sections=sections,
            months=months,
            kept=keeper.sums("micro_district_id", sections),
            state=tables,
            every_area=False,
        )
        geometry = keeper.geometry_json(shapes, _dump)
        # Each feature's text from the last build, reused when its figures as shown (rounded)
        # and name are the same: after a submission most areas' are (the audited ones'
        # estimates move with the city mean, but mostly below the shown digits), and
        # comparing them skips making their properties, whose flag reasons were a third of
        # a rebuild (docs/PERFORMANCE.md, "The map at city scale").
        made = keeper.feature_texts
        names = keeper.area_names(shapes, lambda: district_names_ru(session))
        areas = report.areas
        features = []
        for shape in shapes.micro_districts.values():
            if district is not None and shape.district_id != district:
                continue
            figures = areas.get(shape.id)
            name = names[shape.id]
            key = (lang, section, shape.id)
            # No yard in the cell (most): its figures are AreaFigures(id) in every build.
            shown = (None if figures is None else figures.shown(reason), name)
            before = made.get(key)
            if before is not None and before[1] is geometry[shape.id] and before[0] == shown:
                features.append(before[2])
                continue
            if figures is None:
                figures = AreaFigures(shape.id)
            properties = figures.as_dict(reason)
            properties.update(name=name, kind=shape.kind, district_id=shape.district_id)
            properties["value"] = (
                properties["section_fail_share"].get(section)
                if section
                else properties["coverage_risk"]
            )
            # The geometry's JSON text is spliced in, not serialised again per request.
            text = (
                f'{{"type":"Feature","id":{_dump(shape.id).decode()},'
                f'"geometry":{geometry[shape.id]},"properties":{_dump(properties).decode()}}}'
            )
            made[key] = (shown, geometry[shape.id], text)
            features.append(text)
        city_mean = report.city_mean
        head = _dump(
            {
                "type": "FeatureCollection",
                "attribution": ATTRIBUTION,
                "license": LICENSE,
                "city_mean_risk": None if city_mean is None else round(city_mean, 1),
                "value": f"section_fail_share.{section}" if section else "coverage_risk",
            }
        )
        # Compressed ~16 features at a time, each part with the text before it as its
        # dictionary, and only the parts with a changed feature and those right after them
        # (gzip of the whole 1 MB was a tenth of a rebuild).
        opening = head[:-1] + b',"features":['
        parts = [(opening, gzip_parts.deflate_part(opening))]
        for n in range(0, len(features), GZIP_PART_FEATURES):
            parts.append(
                keeper.gzip_parts.part(
                    (*body_key, n),
                    features[n : n + GZIP_PART_FEATURES],
                    separator=",",
                    lead="," if n else "",
                    before=parts[-1][0],
                )
            )
        parts.append((b"]}", gzip_parts.deflate_part(b"]}")))
        built.append(keeper.gzip_parts.member(body_key, parts))
        return built[-1][0]

    # Read once: the cached body's key and, on a rebuild, the kept sums' check.
    tables = service.table_state(session)
    body_key = ("micro", lang, district, section, months)
    built: list[tuple[bytes, bytes]] = []  # the body this request built, and its gzip
    body = _cached(keeper, session, body_key, build, tables)
    if built and body.raw is built[0][0] and body.gzipped is None:
        body.gzipped = built[0][1]
    return body.response(request, GEOJSON)


@router.get(
    "/districts",
    response_class=Response,
    responses={200: {"model": offences_schema.DistrictsAnswer, "description": "The districts."}},
)
def districts(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    _scope: AreaAggregatesScope,
    months: MonthsQuery = None,
) -> Response:
    """Figures and flags of every district, with audited yards per 10,000 residents (flag
    reasons in the request's language; no figure where no yard was audited), and the
    outcomes of its findings this month and last (``outcomes``), and registered offences per
    10,000 residents over the last 12 full months imported (``offences``). Inspectors and admins, as
    every area figure."""
    sections = context.checklists.current.scoring.sections
    lang = translations.current_lang.get()
    reason = Formatter(lang).flag_reason

    def build() -> bytes:
        rows = service.district_figures(
            session,
            settings=context.settings,
            sections=sections,
            months=months,
            kept=context.area_keeper.sums("district_id", sections),
        )
        found = outcomes_schema.district_outcomes(
            session, district_ids=[d.figures.id for d in rows]
        )
        rates = offences_schema.district_offences(session)
        return _dump(
            {
                "districts": [
                    {
                        **d.as_dict(reason),
                        "outcomes": found[d.figures.id],
                        "offences": rates.get(d.figures.id),
                    }
                    for d in rows
                ]
            }
        )

    # The findings move without the yard tables (a fix reported): their state is in the key.
    state = outcomes_schema.findings_state(session)
    offences = offences_schema.offences_state(session)
    body = _cached(
        context.area_keeper, session, ("districts", lang, months, state, offences), build
    )
    return body.response(request, "application/json")


@router.get(
    "/districts/{district_id}/areas",
    response_model=outcomes_schema.DistrictAreasAnswer,
    responses={
        403: {"description": "The district is outside the account's scope."},
        404: {"description": "No such district."},
    },
)
def district_areas(
    district_id: str, session: SessionDep, shapes: AreaShapesDep, scope: InspectorScope
) -> dict[str, Any]:
    """The district's micro-districts with the outcomes of their findings this month and
    last (``outcomes``, as in ``/api/v1/districts``). Admins and the district's own inspectors:
    an area's findings come close to its yards' details, which stay within an account's scope."""
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(f"There is no district {district_id[:40]!r}.")
    access.require_district(scope, district)
    names = {
        shape.id: area_name(shape)
        for shape in shapes.micro_districts.values()
        if shape.district_id == district_id
    }
    return {
        "district_id": district_id,
        "areas": outcomes_schema.area_outcomes(session, district_id=district_id, names=names),
    }


CSV_COLUMNS = (
    "level",
    "id",
    "name",
    "district_id",
    "data_state",
    "yards_known",
    "yards_audited",
    "yards_inspected",
    "yards_resident_reported",
    "coverage",
    "mean_risk",
    "coverage_risk",
    "risk_low",
    "risk_high",
    "p_problem",
    "ops_centre_yards",
    "panic_button_yards",
    "disagreeing_yards",
    "gi_z",
    "flags",
)


@router.get("/exports/areas.csv", response_class=Response)
def areas_csv(
    context: ContextDep,
    session: SessionDep,
    shapes: AreaShapesDep,
    _scope: AreaAggregatesScope,
    audit: AuditDep,
) -> Response:
    """Every district and micro-district's figures, one row each (no personal data); empty
    risk cells where no yard was audited, flag reasons in the request's language. ``name``
    is the Russian name: a district's, or a micro-district's from the OSM place names (its
    district and id when the data names nothing near it)."""
    settings = context.settings
    sections = context.checklists.current.scoring.sections
    reason = Formatter(translations.current_lang.get()).flag_reason
    out = io.StringIO()
    out.write(f"# {ATTRIBUTION}; {LICENSE}\n")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    district_names: dict[str, str] = {}
    for d in service.district_figures(session, settings=settings, sections=sections):
        district_names[d.figures.id] = d.name_ru
        writer.writerow(_csv_row("district", d.figures.as_dict(reason), d.figures.id, d.name_ru))
    report = service.micro_district_figures(
        session, settings=settings, neighbours=shapes.neighbours, sections=sections
    )
    for shape in shapes.micro_districts.values():
        name = area_name(shape, district_names)
        writer.writerow(
            _csv_row(
                "micro_district", report.areas[shape.id].as_dict(reason), shape.district_id, name
            )
        )
    audit(AuditAction.export_downloaded, export_target("areas.csv"))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="areas.csv"'},
    )


def _csv_row(
    level: str, figures: dict[str, Any], district_id: str | None, name: str
) -> dict[str, Any]:
    return {
        **figures,
        "level": level,
        "name": name,
        "district_id": district_id,
        "flags": "; ".join(f"{f['code']}: {f['reason']}" for f in figures["flags"]),
    }


@router.get("/exports/yards.geojson", response_class=Response)
def yards_geojson(session: SessionDep, scope: InspectorScope, audit: AuditDep) -> Response:
    """Every scored yard's current figures in the inspector's scope (admins: the city): no
    comments, submission ids or addresses; coordinates rounded to about 10 m."""
    audit(AuditAction.export_downloaded, export_target("yards.geojson"))
    return _geojson(
        {
            "type": "FeatureCollection",
            "attribution": ATTRIBUTION,
            "license": LICENSE,
            "features": list(exports.yard_features(session, scope=scope)),
        }
    )
