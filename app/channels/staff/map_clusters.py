"""The inspectors' yard layer at any zoom: the yards in a box, or clusters per area.

Answered from the yards' points this process keeps (``app.areas.yard_points``: the
``yard_risk`` rows' map columns, never submissions): the yards in the box that the scope
may see, when they fit under the marker limit; otherwise each area in the box is one cluster
with its yard count and mean risk. The scope restricts both exactly as ``Scope.filter`` does
in SQL (districts, micro-districts, a cooperative's yards; tests/inspectors compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from shapely.geometry import shape as to_shape

from app.accounts.scope import Scope
from app.areas.shapes import AreaShapes
from app.areas.yard_points import YardPoints
from app.channels.staff.map_views import MAX_MARKERS, BBox
from app.scoring import band_for

Mode = Literal["yards", "clusters"]


@dataclass(frozen=True)
class YardLayer:
    """What the map draws for one box: ``features`` are yards or clusters, as ``mode`` says."""

    mode: Mode
    yards_in_box: int
    features: list[dict[str, Any]]


# id(shapes) -> (shapes, {micro-district id: (lon, lat)}); the outlines live as long as the
# process (AreaKeeper), so their points are computed once. The shapes are kept in the value so
# the id cannot be reused by another object.
_POINTS: dict[int, tuple[AreaShapes, dict[str, tuple[float, float]]]] = {}


def representative_points(shapes: AreaShapes) -> dict[str, tuple[float, float]]:
    """Each micro-district's representative point (inside its polygon), as (lon, lat)
    rounded to 5 decimals (~1 m)."""
    held = _POINTS.get(id(shapes))
    if held is None or held[0] is not shapes:
        points = {}
        for area_id, area in shapes.micro_districts.items():
            point = to_shape(area.geometry).representative_point()
            points[area_id] = (round(point.x, 5), round(point.y, 5))
        held = _POINTS[id(shapes)] = (shapes, points)
    return held[1]


def yard_layer(
    points: YardPoints,
    *,
    bbox: BBox,
    scope: Scope,
    shapes: AreaShapes,
    min_audited: int,
    limit: int = MAX_MARKERS,
) -> YardLayer:
    """The yards in ``bbox`` that ``scope`` may see (``mode`` "yards", point features by
    id), or, when there are more than ``limit``, one
    cluster per area (``mode`` "clusters", see ``cluster_feature``)."""
    chosen = np.flatnonzero(_in_box(points, bbox) & _in_scope(points, scope))
    if len(chosen) <= limit:
        chosen = chosen[np.argsort(points.ids[chosen], kind="stable")]
        return YardLayer("yards", len(chosen), [_yard_feature(points, int(n)) for n in chosen])
    centres = representative_points(shapes)
    features = [
        cluster_feature(group, bbox=bbox, points=centres, min_audited=min_audited)
        for group in _groups(points, chosen)
    ]
    return YardLayer("clusters", len(chosen), features)


def _in_box(points: YardPoints, bbox: BBox) -> np.ndarray:
    return (
        (points.lat >= bbox.south)
        & (points.lat <= bbox.north)
        & (points.lon >= bbox.west)
        & (points.lon <= bbox.east)
    )


def _in_scope(points: YardPoints, scope: Scope) -> np.ndarray:
    """``Scope.clause`` over the kept points (district, micro-district or yard listed)."""
    if scope.city_wide:
        return np.ones(len(points.ids), dtype=bool)
    allowed = np.zeros(len(points.ids), dtype=bool)
    if scope.district_ids:
        allowed |= np.isin(points.district, points.codes(scope.district_ids, micro=False))
    if scope.micro_district_ids:
        allowed |= np.isin(points.micro, points.codes(scope.micro_district_ids, micro=True))
    if scope.yard_ids:
        allowed |= np.isin(points.ids, np.array(sorted(scope.yard_ids), dtype=np.int64))
    return allowed


def _yard_feature(points: YardPoints, n: int) -> dict[str, Any]:
    yard_id = int(points.ids[n])
    micro = int(points.micro[n])
    return {
        "type": "Feature",
        "id": yard_id,
        "geometry": {"type": "Point", "coordinates": list(points.rounded[n][:2])},
        "properties": {
            "yard_id": yard_id,
            "url": f"/yards/{yard_id}",
            "micro_district_id": points.micro_names[micro] if micro >= 0 else None,
            "district_id": points.district_names[int(points.district[n])],
            "risk_index": points.rounded[n][2],
            "band": points.band[n],
            "basis": points.basis[n],
        },
    }


@dataclass(frozen=True)
class AreaGroup:
    """The yards of one area inside the box: how many, their mean risk (rounded to 0.1;
    None without a current risk), where they lie (means and extent, rounded to 5 decimals)."""

    micro_district_id: str | None
    district_id: str
    yards: int
    audited: int
    mean_risk: float | None
    lat: float
    lon: float
    south: float
    north: float
    west: float
    east: float


def _groups(points: YardPoints, chosen: np.ndarray) -> list[AreaGroup]:
    """``chosen`` yards grouped by micro-district (by district where they have none),
    ordered by district and micro-district id. Vectorised: a city-wide box groups 20,000
    yards into ~300 areas, and a Python ``round`` per value cost more than the grouping."""
    micro, district = points.micro[chosen], points.district[chosen]
    # One key per area: a micro-district's code, or past them all, the district's.
    keys = np.where(micro >= 0, micro, len(points.micro_names) + district)
    order = np.argsort(keys, kind="stable")
    members, keys = chosen[order], keys[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(keys)) + 1])
    lat, lon, risk = points.lat[members], points.lon[members], points.risk[members]
    scored = ~np.isnan(risk)
    counts = np.diff(np.append(starts, len(members)))
    audited = np.add.reduceat(scored.astype(np.int64), starts)
    risk_sum = np.add.reduceat(np.where(scored, risk, 0.0), starts)
    mean = np.round(risk_sum / np.maximum(audited, 1), 1).tolist()
    columns = zip(
        starts.tolist(),
        counts.tolist(),
        audited.tolist(),
        mean,
        *(
            np.round(values, 5).tolist()
            for values in (
                np.add.reduceat(lat, starts) / counts,
                np.add.reduceat(lon, starts) / counts,
                np.minimum.reduceat(lat, starts),
                np.maximum.reduceat(lat, starts),
                np.minimum.reduceat(lon, starts),
                np.maximum.reduceat(lon, starts),
            )
        ),
        strict=True,
    )
    groups = []
    for first, count, scored_count, mean_risk, *where in columns:
        code = int(points.micro[members[first]])
        groups.append(
            AreaGroup(
                points.micro_names[code] if code >= 0 else None,
                points.district_names[int(points.district[members[first]])],
                count,
                scored_count,
                mean_risk if scored_count else None,
                *where,
            )
        )
    return sorted(groups, key=lambda g: (g.district_id, g.micro_district_id or ""))


def _inside(bbox: BBox, lon: float, lat: float) -> bool:
    return bbox.west <= lon <= bbox.east and bbox.south <= lat <= bbox.north


def cluster_feature(
    row: AreaGroup, *, bbox: BBox, points: dict[str, tuple[float, float]], min_audited: int
) -> dict[str, Any]:
    """One area's cluster as a GeoJSON point: at the area's representative point (at the
    mean of its yards in the box when that point is outside the box, or the yards have no
    micro-district), with ``yard_count``, ``yards_audited``, ``mean_risk`` over the yards
    with a current risk (null with none: the map's "no data" grey, never a made-up number),
    its ``band``, ``enough_data`` (at least ``min_audited`` audited yards, as the area map's
    "not enough data" flag) and ``zoom_bbox``, the extent of those yards, to zoom to."""
    area_id = row.micro_district_id or row.district_id
    kind = "micro_district" if row.micro_district_id else "district"
    lon, lat = points.get(row.micro_district_id or "", (row.lon, row.lat))
    if not _inside(bbox, lon, lat):
        lon, lat = row.lon, row.lat
    mean = row.mean_risk
    return {
        "type": "Feature",
        "id": f"{kind}:{area_id}",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "cluster": True,
            "area_id": area_id,
            "area_kind": kind,
            "district_id": row.district_id,
            "yard_count": row.yards,
            "yards_audited": row.audited,
            "mean_risk": mean,
            "band": None if mean is None else band_for(min(100.0, max(0.0, mean))),
            "enough_data": row.audited >= min_audited,
            "zoom_bbox": [row.west, row.south, row.east, row.north],
        },
    }
