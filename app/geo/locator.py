"""Which district and micro-district a point falls in: pure geometry (shapely + pyproj).

The polygons are projected once to UTM zone 43N (EPSG:32643) so every distance is in metres;
each level (districts, micro-districts) gets its own ``shapely.STRtree``.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

METRIC_CRS = "EPSG:32643"  # UTM zone 43N: Almaty lies 2° east of its central meridian.
DEFAULT_GAP_SNAP_M = 200.0
# A level's answer grid (``_Grid``): cells of 100 m, in blocks of 2**5 x 2**5 cells (3.2 km).
GRID_CELL_M = 100.0
GRID_DEPTH = 5

# lon/lat -> UTM 43N and back; pyproj (>= 3.1) makes Transformer safe to share between threads.
_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class Area:
    """A district or micro-district polygon in lon/lat (EPSG:4326)."""

    id: str
    geometry: BaseGeometry
    district_id: str | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a point belongs; ``snapped_m`` is 0 inside a district, else the gap crossed."""

    district_id: str
    micro_district_id: str | None
    snapped_m: float


class OutsideCity(ValueError):
    """The point is further than the snap distance from every district."""

    def __init__(
        self, *, lat: float, lon: float, distance_m: float, city: str, n_districts: int
    ) -> None:
        self.lat = lat
        self.lon = lon
        self.distance_m = distance_m
        super().__init__(
            f"The point {lat:.5f}, {lon:.5f} is {format_distance(distance_m)} outside {city}; "
            f"SafeYard covers the city's {n_districts} districts."
        )


def format_distance(metres: float) -> str:
    """'350 m', '4.2 km', '980 km'."""
    if metres < 1000:
        return f"{metres:.0f} m"
    if metres < 10_000:
        return f"{metres / 1000:.1f} km"
    return f"{metres / 1000:,.0f} km"


def check_coordinates(lat: float, lon: float) -> None:
    """Raise ValueError unless lat/lon are finite and within [-90, 90] / [-180, 180]."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"Latitude and longitude must be finite numbers, got {lat}, {lon}.")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"Latitude must be between -90 and 90, got {lat}.")
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"Longitude must be between -180 and 180, got {lon}.")


def to_metric(geometry: BaseGeometry) -> BaseGeometry:
    """Project a lon/lat geometry to UTM 43N metres."""
    projected: BaseGeometry = shapely.transform(
        geometry, lambda x, y: _TO_METRIC.transform(x, y), interleaved=False
    )
    return projected


_UNKNOWN = -1  # a cell where the polygons must be asked
_NONE = -2  # a cell no area touches
_LOW = 2**GRID_DEPTH - 1  # a cell's place within its block


class _Grid:
    """Which area holds each 100 m cell of a level whole, worked out per 3.2 km block (a
    quadtree pass) the first time a point falls in the block.

    A point test against a prepared polygon reads much of its vertex index: under load, with
    the caches cold, that was ~70 us a level, ~4% of a submission. A cell touched by one area
    only, in its interior, or by none, answers for every point in it exactly as the polygons
    would; the others (borders, overlaps) are left to the polygons. Each cell is tested grown
    by a metre, so a point rounded into its neighbour's index is still inside the box tested.
    Blocks are made on demand (the whole city took ~1 s at start-up, in every test too); two
    threads making the same block make equal ones.
    """

    def __init__(self, geoms: np.ndarray, tree: shapely.STRtree) -> None:
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        self.geoms = geoms
        self.tree = tree
        self.x0, self.y0 = float(x0), float(y0)
        block = GRID_CELL_M * 2**GRID_DEPTH
        self.blocks_x = int((x1 - x0) // block) + 1
        self.nx = self.blocks_x << GRID_DEPTH
        self.ny = (int((y1 - y0) // block) + 1) << GRID_DEPTH
        self.blocks: dict[int, array[int]] = {}

    def answer(self, x: float, y: float) -> list[int] | None:
        """The areas holding (x, y), or None where the polygons must be asked."""
        i = (x - self.x0) // GRID_CELL_M
        j = (y - self.y0) // GRID_CELL_M
        if not (0 <= i < self.nx and 0 <= j < self.ny):
            return None
        i, j = int(i), int(j)
        key = (j >> GRID_DEPTH) * self.blocks_x + (i >> GRID_DEPTH)
        cells = self.blocks.get(key)
        if cells is None:
            cells = self.blocks[key] = self._block(i >> GRID_DEPTH, j >> GRID_DEPTH)
        found = cells[((j & _LOW) << GRID_DEPTH) + (i & _LOW)]
        if found >= 0:
            return [found]
        return [] if found == _NONE else None

    def _block(self, bi: int, bj: int) -> array[int]:
        """One block's cells, row by row: an area's index, _NONE or _UNKNOWN."""
        side = 2**GRID_DEPTH
        cells = np.full((side, side), _UNKNOWN, dtype=np.int32)
        # Cells of the current size, in units of that size, from the block's corner.
        i, j = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)
        for depth in range(GRID_DEPTH, -1, -1):
            size = GRID_CELL_M * 2**depth
            left = self.x0 + bi * side * GRID_CELL_M + i * size
            bottom = self.y0 + bj * side * GRID_CELL_M + j * size
            boxes = shapely.box(left - 1.0, bottom - 1.0, left + size + 1.0, bottom + size + 1.0)
            cell, area = self.tree.query(boxes, predicate="intersects")
            touching = np.bincount(cell, minlength=len(boxes))
            single = touching[cell] == 1
            whole = np.zeros(len(boxes), dtype=bool)
            whole[cell[single]] = shapely.contains_properly(
                self.geoms[area[single]], boxes[cell[single]]
            )
            owner = np.full(len(boxes), _NONE, dtype=np.int32)
            owner[cell[single]] = area[single]
            span = 2**depth
            for n in np.flatnonzero((touching == 0) | whole):
                cells[j[n] * span : (j[n] + 1) * span, i[n] * span : (i[n] + 1) * span] = owner[n]
            if depth:
                split = np.flatnonzero((touching > 0) & ~whole)
                i = np.concatenate([2 * i[split] + di for di in (0, 1, 0, 1)])
                j = np.concatenate([2 * j[split] + dj for dj in (0, 0, 1, 1)])
        # A machine array: 4 KB a block (a list held an int object per cell), read as fast.
        return array("i", cells.ravel().tobytes())


class _Level:
    """One level of areas (districts or micro-districts), projected, prepared and indexed."""

    def __init__(self, areas: Sequence[Area]) -> None:
        ids = [area.id for area in areas]
        if len(set(ids)) != len(ids):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"Duplicate area ids: {', '.join(duplicates[:5])}.")
        self.ids = ids
        self.district_ids = [area.district_id for area in areas]
        self.geoms = np.array([to_metric(area.geometry) for area in areas], dtype=object)
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        # GEOS builds a prepared polygon's point locator on first use; build it now, not while
        # request threads share the geometry.
        for geom in self.geoms:
            point = shapely.point_on_surface(geom)
            shapely.intersects_xy(geom, shapely.get_x(point), shapely.get_y(point))
        self.grid = _Grid(self.geoms, self.tree) if areas else None

    def __len__(self) -> int:
        return len(self.ids)

    def containing(self, x: float, y: float) -> list[int]:
        known = self.grid.answer(x, y) if self.grid is not None else None
        if known is not None:
            return known
        return self.asked(x, y)

    def asked(self, x: float, y: float) -> list[int]:
        """``containing`` from the polygons themselves."""
        candidates = self.tree.query(shapely.Point(x, y))
        if candidates.size == 0:
            return []
        hits = candidates[shapely.intersects_xy(self.geoms[candidates], x, y)]
        return sorted(int(i) for i in hits)

    def nearest(self, x: float, y: float, max_distance: float | None) -> tuple[list[int], float]:
        """The indices of the nearest areas (ties included) and their distance in metres."""
        if max_distance is not None and max_distance <= 0:
            return [], math.inf
        found: Any = self.tree.query_nearest(
            shapely.Point(x, y), max_distance=max_distance, return_distance=True
        )
        indices, distances = found
        if indices.size == 0:
            return [], math.inf
        best = float(distances.min())
        return sorted(int(i) for i in indices[distances == best]), best

    def nearest_where(self, x: float, y: float, max_distance: float, district_id: str) -> list[int]:
        """The nearest areas of ``district_id`` within ``max_distance`` metres (ties, by id)."""
        if max_distance <= 0:
            return []
        point = shapely.Point(x, y)
        candidates = self.tree.query(point, predicate="dwithin", distance=max_distance)
        own = [int(i) for i in candidates if self.district_ids[int(i)] == district_id]
        if not own:
            return []
        distances = shapely.distance(self.geoms[own], point)
        best = float(distances.min())
        return sorted(i for i, d in zip(own, distances, strict=True) if d == best)


class AreaIndex:
    """Districts and micro-districts of one city, ready for :meth:`locate`.

    Build it once (projection and trees cost ~0.1 s) and share it; it is read-only afterwards.
    """

    def __init__(
        self,
        districts: Iterable[Area],
        micro_districts: Iterable[Area] = (),
        *,
        gap_snap_m: float = DEFAULT_GAP_SNAP_M,
        city: str = "Almaty",
    ) -> None:
        district_list = sorted(districts, key=lambda a: a.id)
        if not district_list:
            raise ValueError(
                "An AreaIndex needs at least one district; import the districts first."
            )
        if not (math.isfinite(gap_snap_m) and gap_snap_m >= 0):
            raise ValueError(f"gap_snap_m must be a non-negative number, got {gap_snap_m}.")
        self.gap_snap_m = gap_snap_m
        self.city = city
        self._districts = _Level(district_list)
        self._micro = _Level(sorted(micro_districts, key=lambda a: a.id))
        hull = shapely.get_coordinates(
            shapely.convex_hull(shapely.union_all(self._districts.geoms))
        )
        self._hull_lonlat = _TO_METRIC.transform(hull[:, 0], hull[:, 1], direction="INVERSE")

    @property
    def district_ids(self) -> list[str]:
        return list(self._districts.ids)

    @property
    def micro_district_count(self) -> int:
        return len(self._micro)

    def locate(self, lat: float, lon: float) -> Placement:
        """Place a WGS84 point; raise OutsideCity beyond ``gap_snap_m`` of every district.

        The district always comes from the district polygons; the micro-district is one of
        that district (areas nest in districts, ``app.geo.nesting``), or None.
        """
        check_coordinates(lat, lon)
        x, y = _TO_METRIC.transform(lon, lat)
        district_id, snapped_m = self._place_district(lat, lon, x, y)
        return Placement(
            district_id=district_id,
            micro_district_id=self._place_micro(x, y, district_id),
            snapped_m=snapped_m,
        )

    def micro_district_in(self, lat: float, lon: float, district_id: str) -> str | None:
        """The micro-district of ``district_id`` a point belongs to (as ``locate`` would place
        it were the point in that district): for re-placing stored points."""
        check_coordinates(lat, lon)
        x, y = _TO_METRIC.transform(lon, lat)
        return self._place_micro(x, y, district_id)

    def dominant_district(self, geometry: BaseGeometry) -> str | None:
        """The district holding the largest share of a lon/lat polygon, or None if none overlaps."""
        projected = to_metric(geometry)
        candidates = self._districts.tree.query(projected, predicate="intersects")
        best_id, best_area = None, 0.0
        for i in sorted(int(c) for c in candidates):
            district = self._districts.geoms[i]
            if shapely.contains_properly(district, projected):
                return self._districts.ids[i]
            area = shapely.area(shapely.intersection(district, projected))
            if area > best_area:
                best_id, best_area = self._districts.ids[i], area
        return best_id

    def _place_district(self, lat: float, lon: float, x: float, y: float) -> tuple[str, float]:
        level = self._districts
        inside = level.containing(x, y) if math.isfinite(x) and math.isfinite(y) else []
        if inside:
            # On a shared border both polygons hold the point; the first id decides.
            return level.ids[inside[0]], 0.0
        if math.isfinite(x) and math.isfinite(y):
            nearest, distance = level.nearest(x, y, self.gap_snap_m)
            if nearest:
                return level.ids[nearest[0]], distance
        raise OutsideCity(
            lat=lat,
            lon=lon,
            distance_m=self._distance_to_city(lat, lon, x, y),
            city=self.city,
            n_districts=len(level),
        )

    def _place_micro(self, x: float, y: float, district_id: str) -> str | None:
        """The area of the point's own district holding it, else the nearest one within
        ``gap_snap_m``; areas nest in districts (``app.geo.nesting``), so an area of another
        district is never chosen, even where its polygon holds the point (a dropped sliver)."""
        level = self._micro
        if not len(level):
            return None
        own = [i for i in level.containing(x, y) if level.district_ids[i] == district_id]
        if not own:
            own = level.nearest_where(x, y, self.gap_snap_m, district_id)
        return level.ids[own[0]] if own else None

    def _distance_to_city(self, lat: float, lon: float, x: float, y: float) -> float:
        """Metres from the point to the nearest district, for the OutsideCity message."""
        if math.isfinite(x) and math.isfinite(y):
            _, distance = self._districts.nearest(x, y, None)
            if distance < 50_000:
                return distance
        # Far away UTM 43N distorts (or fails); measure on the ellipsoid to the nearest vertex
        # of the city's convex hull (the nearest point of the city to a far point lies on it).
        lons, lats = self._hull_lonlat
        _, _, dist = _GEOD.inv(np.full(len(lons), lon), np.full(len(lats), lat), lons, lats)
        return float(np.min(dist))
