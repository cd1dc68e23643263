"""The inspectors' map's own base layer: district borders with their names and the named
streets, drawn by SafeYard itself so the map reads without any tile server.

Pure: district outlines come in as arguments (the database holds them); the streets are read
from ``data/geo/names/almaty_streets_osm.geojson`` (OpenStreetMap, ODbL; see its SOURCES.md),
merged by name, simplified to about 5 m and split in two: the major streets (drawn at every
zoom) and the rest (fetched only when the map is zoomed in). Street names are as mapped in
OSM, mostly Russian; the data holds no Kazakh or English forms.
"""

from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString, MultiLineString, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from app.geo.names import DEFAULT_NAMES_DIR, STREETS_FILE

ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
LICENSE_URL = "https://www.openstreetmap.org/copyright"
# Road classes drawn at every zoom (Geofabrik `fclass`); the others only when zoomed in.
MAJOR_CLASSES = frozenset(
    {"motorway", "trunk", "primary", "secondary", "tertiary"}
    | {"motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link"}
)
# Degrees. 0.00005° is ~5 m across Almaty: invisible at street zoom, a third of the vertices.
STREET_TOLERANCE = 0.00005
DISTRICT_TOLERANCE = 0.0002
# Five decimals of a degree: about a metre.
PRECISION = 5
# A street's name is placed along it about this often, so a long street is named in any view.
LABEL_SPACING_M = 900.0
_M_PER_DEG_LAT = 111_200.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(43.25))


@dataclass(frozen=True)
class DistrictOutline:
    id: str
    name: str  # in the page's language
    geometry: str  # GeoJSON text, as stored


def _rounded(geometry: BaseGeometry) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(shapely.to_geojson(geometry, indent=None))

    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, PRECISION)
        return [walk(v) for v in value]

    parsed["coordinates"] = walk(parsed["coordinates"])
    return parsed


def _length_m(line: LineString) -> float:
    coords = list(line.coords)
    total = 0.0
    for (x1, y1), (x2, y2) in zip(coords, coords[1:], strict=False):
        total += math.hypot((x2 - x1) * _M_PER_DEG_LON, (y2 - y1) * _M_PER_DEG_LAT)
    return total


def _label_points(parts: Iterable[LineString]) -> list[list[float]]:
    """Where to write a street's name: the middle of each part, and every ~900 m on long ones."""
    points: list[list[float]] = []
    for part in parts:
        count = max(1, int(_length_m(part) // LABEL_SPACING_M))
        for k in range(count):
            at = part.interpolate((k + 0.5) / count, normalized=True)
            points.append([round(at.x, PRECISION), round(at.y, PRECISION)])
    return points


def _parts(geometry: BaseGeometry) -> list[LineString]:
    if isinstance(geometry, LineString):
        return [geometry]
    if isinstance(geometry, MultiLineString):
        return list(geometry.geoms)
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, LineString)]


@functools.cache
def street_features(directory: Path = DEFAULT_NAMES_DIR) -> dict[str, list[dict[str, Any]]]:
    """The named streets as GeoJSON features, ``{"major": [...], "minor": [...]}``: one
    feature per name and class group (its ways merged), properties ``name`` (as in OSM's
    short form, e.g. "ул. Толе би") and ``label_at`` (points to write the name at)."""
    doc = json.loads((directory / STREETS_FILE).read_text(encoding="utf-8"))
    grouped: dict[tuple[str, str], list[BaseGeometry]] = defaultdict(list)
    for feature in doc["features"]:
        props = feature["properties"]
        name = props.get("label_ru")
        if not name:
            continue
        group = "major" if props.get("fclass") in MAJOR_CLASSES else "minor"
        grouped[(group, str(name))].append(shape(feature["geometry"]))
    out: dict[str, list[dict[str, Any]]] = {"major": [], "minor": []}
    for (group, name), geometries in sorted(grouped.items()):
        lines = [part for g in geometries for part in _parts(g)]
        merged = shapely.line_merge(MultiLineString(lines))
        simple = shapely.simplify(merged, STREET_TOLERANCE, preserve_topology=False)
        parts = [p for p in _parts(simple) if not p.is_empty and p.length > 0]
        if not parts:
            continue
        geometry = parts[0] if len(parts) == 1 else MultiLineString(parts)
        out[group].append(
            {
                "type": "Feature",
                "geometry": _rounded(geometry),
                "properties": {"kind": "street", "name": name, "label_at": _label_points(parts)},
            }
        )
    return out


def _largest(geometry: BaseGeometry) -> Polygon:
    if isinstance(geometry, Polygon):
        return geometry
    return max(
        (g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)), key=lambda g: g.area
    )


def district_features(districts: Iterable[DistrictOutline]) -> list[dict[str, Any]]:
    """Each district's simplified outline, its name, and a point inside it for the name."""
    features = []
    for d in districts:
        geometry = shape(json.loads(d.geometry))
        simple = shapely.simplify(geometry, DISTRICT_TOLERANCE, preserve_topology=True)
        # The point farthest from the border (to ~100 m): the name sits in the district's body.
        inside = polylabel(_largest(geometry), tolerance=0.001)
        features.append(
            {
                "type": "Feature",
                "id": d.id,
                "geometry": _rounded(simple),
                "properties": {
                    "kind": "district",
                    "name": d.name,
                    "label_at": [round(inside.x, PRECISION), round(inside.y, PRECISION)],
                },
            }
        )
    return features


def base_layer(
    districts: Iterable[DistrictOutline], *, detail: bool, directory: Path = DEFAULT_NAMES_DIR
) -> dict[str, Any]:
    """The base layer as one GeoJSON FeatureCollection: the district outlines and the major
    streets; with ``detail``, only the other (minor) streets, for close zoom."""
    streets = street_features(directory)
    features = streets["minor"] if detail else [*district_features(districts), *streets["major"]]
    return {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "license_url": LICENSE_URL,
        "detail": "minor_streets" if detail else "districts_and_major_streets",
        "features": features,
    }
