"""Map and export APIs of area figures: inspectors and admins only.

Area figures are aggregates and cover the whole city for every inspector; the yards export
holds only the yards of the inspector's scope (README, "For inspectors")."""

from __future__ import annotations

import csv
import gc
import gzip
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.areas import exports, service
from app.areas.shapes import AreaShapes, load_area_shapes
from app.audit.service import AuditAction, export_target
from app.channels.web.audit_deps import AuditDep
from app.channels.web.auth_deps import InspectorScope, RequireInspector
from app.platform.db import SessionDep, utcnow
from app.platform.errors import Invalid
from app.platform.security.openapi import CHOICES, SECTIONS

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
        # Everything alive now (the app, the outlines' hundreds of thousands of coordinates)
        # lives as long as the process: out of the cyclic collector's full passes, which
        # otherwise walked it all while a map was built (measured: 5x the build's time).
        gc.freeze()
    return shapes


AreaShapesDep = Annotated[AreaShapes, Depends(get_area_shapes)]


# On PostgreSQL two submissions may commit in the other order than they stamped updated_at,
# so a body built between the two commits would not see the state change: bodies are also
# rebuilt after this many seconds.
CACHE_MAX_AGE_S = 60.0
# Bodies are gzip-compressed once, when first asked for compressed (the map is ~0.7 MB of
# JSON; the GZip middleware compressed it on every request at level 9, ~40 ms). Level 1:
# a body rebuilt after a write is compressed in a few milliseconds, ~30% larger than at 6.
GZIP_LEVEL = 1
GZIP_MIN_SIZE = 500


@dataclass
class CachedBody:
    raw: bytes
    gzipped: bytes | None = None

    def response(self, request: Request, media_type: str) -> Response:
        """The body, gzip-compressed when the client accepts it (the GZip middleware leaves a
        response that has a Content-Encoding alone)."""
        headers = {"Vary": "Accept-Encoding"}
        if len(self.raw) < GZIP_MIN_SIZE or "gzip" not in request.headers.get(
            "accept-encoding", ""
        ):
            return Response(self.raw, media_type=media_type, headers=headers)
        if self.gzipped is None:
            self.gzipped = gzip.compress(self.raw, compresslevel=GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
        return Response(self.gzipped, media_type=media_type, headers=headers)


def _cached(
    request: Request, session: Session, key: tuple[Any, ...], build: Callable[[], bytes]
) -> CachedBody:
    """The body for ``key``, rebuilt only when the yard tables changed (or the hour turned).

    Building the micro-district map re-reads only the areas whose yards changed (see
    ``kept_sums``); a check of the tables' state costs about a millisecond
    (docs/PERFORMANCE.md).
    """
    # The yard tables' state (a submission rewrites its yard's row), and the hour: flags
    # and ?months= move with time.
    state = (*service.table_state(session), utcnow().strftime("%Y%m%d%H"))
    now = time.monotonic()
    cache: dict[str, Any] | None = getattr(request.app.state, "area_cache", None)
    if cache is None or cache["state"] != state or now - cache["built"] > CACHE_MAX_AGE_S:
        cache = {"state": state, "built": now, "bodies": {}}
        request.app.state.area_cache = cache
    bodies: dict[tuple[Any, ...], CachedBody] = cache["bodies"]
    if key not in bodies:
        bodies[key] = CachedBody(build())
    return bodies[key]


def kept_sums(request: Request, area_column: str, sections: tuple[str, ...]) -> service.KeptSums:
    """This process's per-area sums of one area level, kept between requests."""
    kept: dict[tuple[str, tuple[str, ...]], service.KeptSums] | None = getattr(
        request.app.state, "area_sums", None
    )
    if kept is None:
        kept = request.app.state.area_sums = {}
    key = (area_column, sections)
    if key not in kept:
        kept[key] = service.KeptSums(area_column, sections)
    return kept[key]


FeatureTexts = dict[tuple[str | None, str], tuple[dict[str, Any], str, str]]


def _feature_texts(request: Request) -> FeatureTexts:
    """(section, micro-district id) -> (properties, geometry text, feature text) of the
    features last built in this process."""
    made: FeatureTexts | None = getattr(request.app.state, "area_feature_texts", None)
    if made is None:
        made = request.app.state.area_feature_texts = {}
    return made


def _rounded(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, list | tuple):
        return [_rounded(v, digits) for v in value]
    return value


def _geometry_json(request: Request, shapes: AreaShapes) -> dict[str, str]:
    """Each micro-district's geometry as JSON text, coordinates to 6 decimals (~0.1 m),
    made once per process: most of the map's bytes, and they never change."""
    made: tuple[AreaShapes, dict[str, str]] | None = getattr(
        request.app.state, "area_geometry_json", None
    )
    if made is None or made[0] is not shapes:
        texts = {
            shape.id: _dump(
                {
                    "type": shape.geometry["type"],
                    "coordinates": _rounded(shape.geometry["coordinates"], 6),
                }
            ).decode()
            for shape in shapes.micro_districts.values()
        }
        made = (shapes, texts)
        request.app.state.area_geometry_json = made
    return made[1]


def _sections(request: Request) -> tuple[str, ...]:
    """The current checklist's sections: the ones area figures report."""
    sections: tuple[str, ...] = request.app.state.checklists.current.scoring.sections
    return sections


def _dump(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _geojson(body: dict[str, Any]) -> Response:
    return Response(_dump(body), media_type=GEOJSON)


@router.get("/micro-districts.geojson", response_class=Response)
def micro_districts_geojson(
    request: Request,
    session: SessionDep,
    shapes: AreaShapesDep,
    _user: RequireInspector,
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
            kept=kept_sums(request, "micro_district_id", sections),
        )
        geometry = _geometry_json(request, shapes)
        # Each feature's text from the last build, reused when its properties are the same
        # (after a submission most areas' rounded figures are): serialising 916 features
        # was most of a rebuild.
        made = _feature_texts(request)
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
            key = (section, shape.id)
            before = made.get(key)
            if before is not None and before[0] == properties and before[1] is geometry[shape.id]:
                features.append(before[2])
                continue
            # The geometry's JSON text is spliced in, not serialised again per request.
            text = (
                f'{{"type":"Feature","id":{_dump(shape.id).decode()},'
                f'"geometry":{geometry[shape.id]},"properties":{_dump(properties).decode()}}}'
            )
            made[key] = (properties, geometry[shape.id], text)
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
        return head[:-1] + b',"features":[' + ",".join(features).encode() + b"]}"

    body = _cached(request, session, ("micro", district, section, months), build)
    return body.response(request, GEOJSON)


@router.get("/districts", response_class=Response)
def districts(
    request: Request, session: SessionDep, _user: RequireInspector, months: MonthsQuery = None
) -> Response:
    """Figures and flags of every district, with audited yards per 10,000 residents."""

    def build() -> bytes:
        rows = service.district_figures(
            session,
            settings=request.app.state.settings,
            sections=_sections(request),
            months=months,
            kept=kept_sums(request, "district_id", _sections(request)),
        )
        return _dump({"districts": [d.as_dict() for d in rows]})

    body = _cached(request, session, ("districts", months), build)
    return body.response(request, "application/json")


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
def areas_csv(
    request: Request,
    session: SessionDep,
    shapes: AreaShapesDep,
    _user: RequireInspector,
    audit: AuditDep,
) -> Response:
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
    audit(AuditAction.export_downloaded, export_target("areas.csv"))
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
def yards_geojson(session: SessionDep, scope: InspectorScope, audit: AuditDep) -> Response:
    """Every scored yard's current figures in the inspector's scope (admins: the city): no
    comments, submission ids or addresses; coordinates rounded to about 10 m."""
    audit(AuditAction.export_downloaded, export_target("yards.geojson"))
    return _geojson(
        {
            "type": "FeatureCollection",
            "attribution": ATTRIBUTION,
            "license": LICENSE,
            "features": [
                f
                for f in exports.yard_features(session)
                if scope.city_wide
                or f["properties"]["district_id"] in scope.district_ids
                or f["properties"]["micro_district_id"] in scope.micro_district_ids
            ],
        }
    )
