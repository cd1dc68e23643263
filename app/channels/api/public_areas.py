"""The residents' map API: micro-districts with public aggregates, yards with their public
state. Anyone may read it; it holds nothing a stranger may not see (``app.areas.public_map``,
``app.findings.public_yards``): no answers, no submission or finding ids, no typed addresses,
no figure for an area under the inspectors' "not enough data" line."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.areas import public_map, service
from app.areas.shapes import ATTRIBUTION, LICENSE, AreaShapes
from app.channels.staff.map_views import BBox
from app.channels.web.context import AreaShapesDep, ContextDep
from app.context import AppContext
from app.districts.naming import district_names
from app.findings import public_yards
from app.platform import translations
from app.platform.db import SessionDep, utcnow
from app.platform.errors import Invalid
from app.platform.security.openapi import BBOX_PATTERN

router = APIRouter(prefix="/api/v1/public", tags=["public map"])

GEOJSON = "application/geo+json"
# The same for every reader of a language: shared caches may keep it a few minutes (area
# figures move with submissions, yards' states with findings).
AREAS_CACHE = "public, max-age=300"
YARDS_CACHE = "public, max-age=60"
# Names are in the reader's language, chosen by cookie or Accept-Language.
VARY = "Accept-Encoding, Accept-Language, Cookie"
NEAR_RADIUS_M = 600.0


def _dump(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def current_public_areas(
    context: AppContext, session: Session, shapes: AreaShapes
) -> list[public_map.PublicArea]:
    """Every area's public view in the request's language, with this process's kept sums."""
    sections = context.checklists.current.scoring.sections
    return public_map.public_areas(
        session,
        settings=context.settings,
        shapes=shapes,
        sections=sections,
        district_names=district_names(session, translations.current_lang.get()),
        kept=context.area_keeper.sums("micro_district_id", sections),
    )


@functools.lru_cache(maxsize=16)
def _etag(raw: bytes) -> str:
    # Keyed by the cached body itself: bytes keep their hash, so a hit costs no hashing.
    return f'W/"{hashlib.sha256(raw).hexdigest()[:32]}"'


@router.get(
    "/areas.geojson",
    response_class=Response,
    responses={
        200: {"content": {GEOJSON: {}}, "description": "GeoJSON polygons."},
        304: {"description": "Not modified (If-None-Match)."},
    },
)
def public_areas_geojson(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    shapes: AreaShapesDep,
    known: Annotated[
        bool,
        Query(
            description="true: only the areas with a known yard (state other than "
            "``no_yards``), all the residents' map draws: a quarter of the body."
        ),
    ] = False,
) -> Response:
    """Every micro-district with its public state (``no_yards``, ``not_checked``,
    ``too_few``: fewer audited yards than the inspectors' "not enough data" line, or
    ``shown``) and, only when ``shown``, its estimated risk, interval, band and audited
    yards. Names in the request's language."""
    keeper = context.area_keeper
    lang = translations.current_lang.get()

    def build() -> bytes:
        geometry = keeper.geometry_json(shapes, _dump)
        features = [
            f'{{"type":"Feature","id":{_dump(a.id).decode()},"geometry":{geometry[a.id]},'
            f'"properties":{_dump(a.as_properties()).decode()}}}'
            for a in current_public_areas(context, session, shapes)
            if not known or a.state != public_map.NO_YARDS
        ]
        head = _dump(
            {
                "type": "FeatureCollection",
                "attribution": ATTRIBUTION,
                "license": LICENSE,
                "min_audited": service.flag_rules(context.settings).min_audited,
            }
        )
        return head[:-1] + b',"features":[' + ",".join(features).encode() + b"]}"

    state = (*service.table_state(session), utcnow().strftime("%Y%m%d%H"))
    body = keeper.bodies.get(state, ("public-areas", lang, known), build)
    etag = _etag(body.raw)
    headers = {"Cache-Control": AREAS_CACHE, "Vary": VARY, "ETag": etag}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    response = body.response(request, GEOJSON)
    response.headers.update(headers)
    return response


def _point(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(p) for p in text.split(","))
    except ValueError:
        raise Invalid(
            "near must be lat,lon in degrees, e.g. 43.24,76.92",
            details=[{"field": "near", "message": "invalid"}],
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid("near is outside the globe", details=[{"field": "near", "message": "range"}])
    return lat, lon


@router.get(
    "/yards",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "GeoJSON points."}},
)
def public_yards_geojson(
    session: SessionDep,
    bbox: Annotated[
        str | None,
        Query(
            description="west,south,east,north in degrees (the map's view)",
            examples=["76.90,43.23,76.95,43.26"],
            pattern=BBOX_PATTERN,
        ),
    ] = None,
    near: Annotated[
        str | None,
        Query(
            description="lat,lon: the yards within 600 m, nearest first",
            examples=["43.2389,76.8897"],
            max_length=40,
        ),
    ] = None,
) -> Response:
    """Known yards in the view (``bbox``) or near a point (``near``) with what their public
    pages show: the current index and band, and counts of the confirmed findings by how far
    they got. Over 300: none, and ``truncated``."""
    if (bbox is None) == (near is None):
        raise Invalid(
            "Give either bbox=west,south,east,north or near=lat,lon.",
            details=[{"field": "bbox", "message": "one of bbox or near"}],
        )
    point = _point(near) if near is not None else None
    if point is not None:
        box = public_yards.Box.around(*point, NEAR_RADIUS_M)
    else:
        try:
            parsed = BBox.parse(bbox or "")
        except ValueError as error:
            raise Invalid(str(error), details=[{"field": "bbox", "message": "invalid"}]) from None
        box = public_yards.Box(parsed.west, parsed.south, parsed.east, parsed.north)
    yards, truncated = public_yards.public_yards(session, box=box, near=point)
    if point is not None:
        yards = [y for y in yards if (y.distance_m or 0.0) <= NEAR_RADIUS_M]
    body = {
        "type": "FeatureCollection",
        "truncated": truncated,
        "limit": public_yards.MAX_PUBLIC_YARDS,
        "features": [y.as_feature() for y in yards],
    }
    return Response(
        _dump(body), media_type=GEOJSON, headers={"Cache-Control": YARDS_CACHE, "Vary": VARY}
    )
