"""The inspectors' map's own base layer as GeoJSON: district borders and names, named streets.

Public OpenStreetMap data (ODbL), the same for everyone: cacheable by browsers and proxies,
revalidated by ETag. Built once per process and language (``app.geo.basemap``)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from app.districts.models import District
from app.geo import basemap
from app.platform.body_cache import CachedBody
from app.platform.db import SessionDep, table_of
from app.platform.i18n import LangDep

router = APIRouter(prefix="/api/v1/map", tags=["map"])

GEOJSON = "application/geo+json"
# A day, then a revalidation (a 304 while the data and the names are the same).
CACHE_CONTROL = "public, max-age=86400"
_DISTRICT = table_of(District)


@functools.lru_cache(maxsize=8)
def _body(districts: tuple[basemap.DistrictOutline, ...], detail: bool) -> tuple[CachedBody, str]:
    layer = basemap.base_layer(districts, detail=detail)
    raw = json.dumps(layer, ensure_ascii=False, separators=(",", ":")).encode()
    # Weak: the same entity whether it goes gzip-compressed or not.
    # Built once per process and language: worth the best compression (detail: 204 -> 160 KB).
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    return CachedBody(raw, packed), f'W/"{hashlib.sha256(raw).hexdigest()[:32]}"'


@router.get(
    "/base",
    response_class=Response,
    responses={
        200: {"content": {GEOJSON: {}}, "description": "GeoJSON lines and polygons."},
        304: {"description": "Not modified (If-None-Match)."},
    },
)
def base_layer(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    detail: Annotated[
        bool,
        Query(description="false: district borders and major streets; true: the other streets."),
    ] = False,
) -> Response:
    """The map's base layer, drawn without any tile server: district borders with their
    names in ``lang``, and the named streets (OpenStreetMap, mostly Russian names)."""
    rows = session.execute(
        select(
            _DISTRICT.c.id,
            _DISTRICT.c.name_ru,
            _DISTRICT.c.name_kk,
            _DISTRICT.c.name_en,
            _DISTRICT.c.geometry,
        ).order_by(_DISTRICT.c.id)
    ).all()
    names = {"kk": "name_kk", "en": "name_en"}
    districts = tuple(
        basemap.DistrictOutline(r.id, getattr(r, names.get(lang, "name_ru")), r.geometry)
        for r in rows
    )
    body, etag = _body(districts, detail)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    response = body.response(request, GEOJSON)
    response.headers.update(headers)
    return response
