"""Map and export APIs of area figures. No authentication yet: accounts will protect them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlmodel import Session

from app.areas import service
from app.areas.shapes import AreaShapes, load_area_shapes
from app.db import SessionDep, table_of, utcnow
from app.errors import Invalid
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

router = APIRouter(prefix="/api/v1", tags=["areas"])

ATTRIBUTION = "© OpenStreetMap contributors"
LICENSE = "ODbL-1.0 (https://opendatacommons.org/licenses/odbl/)"
GEOJSON = "application/geo+json"

MonthsQuery = Annotated[
    int | None,
    Query(ge=1, le=120, description="Count only yards with a submission in this many months."),
]


def get_area_shapes(request: Request, session: SessionDep) -> AreaShapes:
    """Micro-district outlines and neighbours, read once per process (restart after an
    import of new micro-districts)."""
    shapes: AreaShapes | None = getattr(request.app.state, "area_shapes", None)
    if shapes is None:
        shapes = load_area_shapes(session)
        request.app.state.area_shapes = shapes
    return shapes


AreaShapesDep = Annotated[AreaShapes, Depends(get_area_shapes)]


_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)
# Changes whenever a submission refreshes a yard row or a yard is added: answers built from an
# older state are stale. The hour is in it too, since flags and ?months= move with time.
_STATE = select(
    select(func.count()).select_from(_YARD).scalar_subquery().label("yards"),
    select(func.count()).select_from(_YARD_RISK).scalar_subquery().label("rows"),
    select(func.max(_YARD_RISK.c.updated_at)).scalar_subquery().label("updated"),
)


def _cached(
    request: Request, session: Session, key: tuple[Any, ...], build: Callable[[], bytes]
) -> bytes:
    """The body for ``key``, rebuilt only when the yard tables changed (or the hour turned).

    Building the micro-district map costs ~0.1-0.5 s (section shares are read from JSON);
    a check of the tables' state costs a few milliseconds.
    """
    state = (*session.execute(_STATE).one(), utcnow().strftime("%Y%m%d%H"))
    cache: dict[str, Any] | None = getattr(request.app.state, "area_cache", None)
    if cache is None or cache["state"] != state:
        cache = {"state": state, "bodies": {}}
        request.app.state.area_cache = cache
    bodies: dict[tuple[Any, ...], bytes] = cache["bodies"]
    if key not in bodies:
        bodies[key] = build()
    return bodies[key]


def _sections(request: Request) -> tuple[str, ...]:
    """The current checklist's sections: the ones area figures report."""
    sections: tuple[str, ...] = request.app.state.checklists.current.scoring.sections
    return sections


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _geojson(body: dict[str, Any]) -> Response:
    return Response(_dump(body), media_type=GEOJSON)


@router.get("/micro-districts.geojson", response_class=Response)
def micro_districts_geojson(
    request: Request,
    session: SessionDep,
    shapes: AreaShapesDep,
    district: Annotated[str | None, Query(description="Only this district's id.")] = None,
    section: Annotated[
        str | None, Query(description="Make `value` the share of yards failing this section.")
    ] = None,
    months: MonthsQuery = None,
) -> Response:
    """Micro-districts with their figures and flags as properties. ``value`` is the
    coverage-aware risk, or with ``?section=`` the share of audited yards failing it."""
    sections = _sections(request)
    if section is not None and section not in sections:
        raise Invalid(
            f"No section {section!r} in the scores; choose one of: {', '.join(sections)}",
            details=[{"field": "section", "message": "unknown section"}],
        )

    def build() -> bytes:
        report = service.micro_district_figures(
            session,
            settings=request.app.state.settings,
            neighbours=shapes.neighbours,
            sections=sections,
            months=months,
        )
        features = []
        for shape in shapes.micro_districts.values():
            if district is not None and shape.district_id != district:
                continue
            properties = report.areas[shape.id].as_dict()
            properties.update(name=shape.name, kind=shape.kind, district_id=shape.district_id)
            properties["value"] = (
                properties["section_fail_share"].get(section)
                if section
                else properties["coverage_risk"]
            )
            features.append(
                {
                    "type": "Feature",
                    "id": shape.id,
                    "geometry": shape.geometry,
                    "properties": properties,
                }
            )
        city_mean = report.city_mean
        return _dump(
            {
                "type": "FeatureCollection",
                "attribution": ATTRIBUTION,
                "license": LICENSE,
                "city_mean_risk": None if city_mean is None else round(city_mean, 1),
                "value": f"section_fail_share.{section}" if section else "coverage_risk",
                "features": features,
            }
        )

    body = _cached(request, session, ("micro", district, section, months), build)
    return Response(body, media_type=GEOJSON)


@router.get("/districts", response_class=Response)
def districts(request: Request, session: SessionDep, months: MonthsQuery = None) -> Response:
    """Figures and flags of every district, with audited yards per 10,000 residents."""

    def build() -> bytes:
        rows = service.district_figures(
            session, settings=request.app.state.settings, sections=_sections(request), months=months
        )
        return _dump({"districts": [d.as_dict() for d in rows]})

    body = _cached(request, session, ("districts", months), build)
    return Response(body, media_type="application/json")


CSV_COLUMNS = (
    "level",
    "id",
    "district_id",
    "yards_known",
    "yards_audited",
    "coverage",
    "mean_risk",
    "coverage_risk",
    "ops_centre_yards",
    "panic_button_yards",
    "disagreeing_yards",
    "gi_z",
    "flags",
)


@router.get("/exports/areas.csv", response_class=Response)
def areas_csv(request: Request, session: SessionDep, shapes: AreaShapesDep) -> Response:
    """Every district and micro-district's figures, one row each (no personal data)."""
    settings = request.app.state.settings
    out = io.StringIO()
    out.write(f"# {ATTRIBUTION}; {LICENSE}\n")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for d in service.district_figures(session, settings=settings, sections=_sections(request)):
        writer.writerow(_csv_row("district", d.figures.as_dict(), d.figures.id))
    report = service.micro_district_figures(
        session, settings=settings, neighbours=shapes.neighbours, sections=_sections(request)
    )
    for shape in shapes.micro_districts.values():
        writer.writerow(
            _csv_row("micro_district", report.areas[shape.id].as_dict(), shape.district_id)
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="areas.csv"'},
    )


def _csv_row(level: str, figures: dict[str, Any], district_id: str | None) -> dict[str, Any]:
    return {
        **figures,
        "level": level,
        "district_id": district_id,
        "flags": "; ".join(f"{f['code']}: {f['reason']}" for f in figures["flags"]),
    }


@router.get("/exports/yards.geojson", response_class=Response)
def yards_geojson(session: SessionDep) -> Response:
    """Every scored yard's current figures: no comments, submission ids or addresses;
    coordinates rounded to about 10 m."""
    return _geojson(
        {
            "type": "FeatureCollection",
            "attribution": ATTRIBUTION,
            "license": LICENSE,
            "features": list(service.yard_features(session)),
        }
    )
