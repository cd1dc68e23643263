"""Micro-district outlines and who touches whom, built once and kept in memory."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shapely import STRtree
from shapely.geometry import shape
from sqlalchemy import select
from sqlmodel import Session

from app.districts import naming as area_naming
from app.districts.models import District, MicroDistrict
from app.platform.db import table_of
from app.platform.translations import current_lang

_MICRO = table_of(MicroDistrict)


# The micro-district outlines are OpenStreetMap's (data/geo/SOURCES.md).
ATTRIBUTION = "© OpenStreetMap contributors"
LICENSE = "ODbL-1.0 (https://opendatacommons.org/licenses/odbl/)"


@dataclass(frozen=True)
class MicroDistrictShape:
    id: str
    name: str | None
    kind: str
    district_id: str | None
    geometry: dict[str, Any]  # GeoJSON, parsed once
    # The name in Kazakh and English (``name`` is Russian): read through ``area_name``.
    name_kk: str | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class AreaShapes:
    micro_districts: dict[str, MicroDistrictShape]
    # Queen contiguity: polygons sharing a border or only a corner are neighbours.
    neighbours: dict[str, frozenset[str]]


def queen_neighbours(geometries: dict[str, dict[str, Any]]) -> dict[str, frozenset[str]]:
    """Which polygons touch or overlap which (a shared corner is enough)."""
    ids = list(geometries)
    polygons = [shape(geometries[i]) for i in ids]
    tree = STRtree(polygons)
    out: dict[str, set[str]] = {i: set() for i in ids}
    left, right = tree.query(polygons, predicate="intersects")
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a != b:
            out[ids[a]].add(ids[b])
    return {i: frozenset(n) for i, n in out.items()}


def load_area_shapes(session: Session) -> AreaShapes:
    """Read every micro-district once: parsed GeoJSON for the map and its neighbours."""
    rows = session.execute(
        select(
            _MICRO.c.id,
            _MICRO.c.name,
            _MICRO.c.kind,
            _MICRO.c.district_id,
            _MICRO.c.geometry,
            _MICRO.c.name_kk,
            _MICRO.c.name_en,
        ).order_by(_MICRO.c.id)
    ).all()
    shapes = {
        r.id: MicroDistrictShape(
            r.id, r.name, r.kind, r.district_id, json.loads(r.geometry), r.name_kk, r.name_en
        )
        for r in rows
    }
    return AreaShapes(shapes, queen_neighbours({i: s.geometry for i, s in shapes.items()}))


# Made once: read on every map build, where making the select cost more than running it.
_DISTRICT_NAMES_RU = select(table_of(District).c.id, table_of(District).c.name_ru)


def district_names_ru(session: Session) -> dict[str, str]:
    """District id -> its Russian name (the language of the OSM place names)."""
    return {row.id: row.name_ru for row in session.execute(_DISTRICT_NAMES_RU)}


def area_name(shape: MicroDistrictShape, district_names: Mapping[str, str] | None = None) -> str:
    """A micro-district's human name in the request's language (``app.districts.naming``):
    imported with it (``data/geo/names``), else "<district> · <code>"."""
    if shape.name:
        return area_naming.area_name(shape, current_lang.get())
    district = (district_names or {}).get(shape.district_id or "")
    return f"{district} · {shape.id}" if district else shape.id
