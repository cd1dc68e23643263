"""Reading polygon layers from GeoJSON files, checked feature by feature: pure, no database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from app.geo.errors import GeoImportError

POLYGONAL = ("Polygon", "MultiPolygon")
MAX_ID_LENGTH = 64  # District.id / MicroDistrict.id columns
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class PolygonFeature:
    """One checked feature: a valid lon/lat (Multi)Polygon with its id and properties."""

    index: int
    id: str
    properties: dict[str, Any]
    geometry: BaseGeometry
    geojson: str  # the geometry as compact GeoJSON text, as stored in the tables
    repaired: bool
    invalid_reason: str | None = None  # shapely's explain_validity, when it was repaired


def read_polygon_features(
    path: Path | str, *, id_property: str, repair: bool = False
) -> list[PolygonFeature]:
    """Read a GeoJSON FeatureCollection of polygons; raise GeoImportError at the first bad feature.

    The id is ``properties[id_property]``, else the feature member of that name (so
    ``id_property="id"`` takes the GeoJSON feature id). An invalid geometry (self-intersecting,
    say) is refused with shapely's reason; with ``repair`` it is repaired with
    ``shapely.make_valid`` when the repair leaves a polygon.
    """
    path = Path(path)
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoImportError(f"{path.name}: cannot read the GeoJSON file: {exc}") from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise GeoImportError(f"{path.name}: expected a GeoJSON FeatureCollection.")
    raw_features = collection.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        raise GeoImportError(f"{path.name}: the FeatureCollection has no features.")

    features: list[PolygonFeature] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_features):
        feature = _read_feature(
            raw, index=index, id_property=id_property, file=path.name, repair=repair
        )
        if feature.id in first_index:
            raise GeoImportError(
                f"{path.name}: feature #{index} (id {feature.id!r}): duplicate id, "
                f"already used by feature #{first_index[feature.id]}."
            )
        first_index[feature.id] = index
        features.append(feature)
    return features


def _read_feature(
    raw: Any, *, index: int, id_property: str, file: str, repair: bool
) -> PolygonFeature:
    where = f"{file}: feature #{index}"
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        raise GeoImportError(f"{where}: not a GeoJSON Feature.")
    properties = raw.get("properties") or {}
    if not isinstance(properties, dict):
        raise GeoImportError(f"{where}: 'properties' is not an object.")

    raw_id = properties.get(id_property, raw.get(id_property))
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, str | int)):
        raise GeoImportError(f"{where}: id {raw_id!r} is not a string or an integer.")
    feature_id = "" if raw_id is None else str(raw_id).strip()
    if not feature_id:
        raise GeoImportError(f"{where}: missing id (property {id_property!r}).")
    if len(feature_id) > MAX_ID_LENGTH:
        raise GeoImportError(
            f"{where}: id {feature_id[:20]!r}… is over {MAX_ID_LENGTH} characters."
        )
    where = f"{where} (id {feature_id!r})"

    raw_geometry = raw.get("geometry")
    geometry_type = raw_geometry.get("type") if isinstance(raw_geometry, dict) else None
    if geometry_type not in POLYGONAL:
        raise GeoImportError(
            f"{where}: geometry is {geometry_type or 'missing'}; only Polygon and MultiPolygon "
            "can be areas."
        )
    try:
        geometry = shape(raw_geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise GeoImportError(f"{where}: malformed {geometry_type} coordinates ({exc}).") from exc
    if geometry.is_empty:
        raise GeoImportError(f"{where}: the {geometry_type} is empty.")
    if shapely.has_z(geometry):
        geometry = shapely.force_2d(geometry)
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise GeoImportError(
            f"{where}: coordinates are not longitude/latitude (EPSG:4326); "
            f"bounds {minx:.1f}, {miny:.1f}, {maxx:.1f}, {maxy:.1f}."
        )

    repaired = False
    reason: str | None = None
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        if not repair:
            raise GeoImportError(
                f"{where}: invalid geometry ({reason}). Fix the file, or import again with "
                "--repair to apply shapely's make_valid."
            )
        geometry = _repair(geometry)
        if geometry is None:
            raise GeoImportError(f"{where}: invalid geometry that cannot be repaired ({reason}).")
        repaired = True

    geojson = json.dumps(mapping(geometry) if repaired else raw_geometry, separators=(",", ":"))
    return PolygonFeature(
        index=index,
        id=feature_id,
        properties=properties,
        geometry=geometry,
        geojson=geojson,
        repaired=repaired,
        invalid_reason=reason,
    )


def _repair(geometry: BaseGeometry) -> BaseGeometry | None:
    """make_valid, keeping only the polygonal parts; None if nothing polygonal is left."""
    fixed = shapely.make_valid(geometry)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type in POLYGONAL and not p.is_empty]
    if not parts:
        return None
    merged: BaseGeometry = shapely.union_all(parts)
    if merged.geom_type not in POLYGONAL or not merged.is_valid or merged.area == 0:
        return None
    return merged


def geodesic_area_km2(geometry: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid, in km²."""
    total = 0.0
    for polygon in shapely.get_parts(geometry):
        # pyproj wants the exterior counter-clockwise and holes clockwise.
        area, _ = _GEOD.geometry_area_perimeter(orient(polygon, sign=1.0))
        total += abs(area)
    return total / 1e6
