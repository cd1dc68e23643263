"""Areas nest in districts: a polygon across district borders becomes one slice per district.

Pure geometry (shapely + pyproj). The rule, used by the import, the migration that split the
existing cells (alembic revision e6nesting06) and the tests:

- the polygon is intersected with every district (areas measured in UTM 43N metres);
- a piece smaller than ``MIN_SLICE_SHARE`` of the polygon or ``MIN_SLICE_M2`` is a sliver of
  a border drawn a little differently in two data sets, and is dropped (points there go to a
  neighbouring area of their own district, ``AreaIndex.locate``); the largest piece is always
  kept, so a small polygon inside one district is no sliver;
- one piece left: the polygon keeps its id and its whole geometry (the part outside every
  district, at the city's edge, holds no point the locator places elsewhere);
- several pieces: each becomes an area ``<id>~<district id>`` (``slice_id``) with that piece
  as its geometry. "~" is unreserved in URLs (RFC 3986), so the id is used in paths as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from app.geo.locator import Area, to_metric

SLICE_SEPARATOR = "~"
MIN_SLICE_SHARE = 0.01  # of the polygon's area
MIN_SLICE_M2 = 10_000.0  # 0.01 km²
MAX_ID_LENGTH = 64  # micro_district.id


@dataclass(frozen=True, slots=True)
class Slice:
    """One area of a polygon, inside one district (``district_id`` None: outside them all)."""

    id: str
    source_id: str
    district_id: str | None
    geometry: BaseGeometry  # lon/lat
    split: bool  # True when the polygon crossed a border and this is one piece of it


def slice_id(source_id: str, district_id: str) -> str:
    """The id of the piece of ``source_id`` inside ``district_id``: ``<id>~<district>``."""
    return f"{source_id}{SLICE_SEPARATOR}{district_id}"


def source_of(area_id: str) -> str:
    """The id of the polygon an area was cut from (itself when it was not cut)."""
    return area_id.split(SLICE_SEPARATOR, 1)[0]


class Districts:
    """The districts to cut along, projected and indexed once (a grid has ~1,000 cells)."""

    def __init__(self, districts: Sequence[Area]) -> None:
        self.areas = sorted(districts, key=lambda d: d.id)
        self.metric = [to_metric(d.geometry) for d in self.areas]
        self.tree = shapely.STRtree([d.geometry for d in self.areas])


def district_shares(
    geometry: BaseGeometry, districts: Districts | Sequence[Area]
) -> dict[str, BaseGeometry]:
    """{district id: the lon/lat piece of ``geometry`` inside it}, slivers dropped."""
    if not isinstance(districts, Districts):
        districts = Districts(districts)
    metric = to_metric(geometry)
    total = metric.area
    measured: list[tuple[str, float, BaseGeometry]] = []
    hits = districts.tree.query(geometry, predicate="intersects")
    for i in sorted(int(h) for h in hits):
        piece_m2 = shapely.intersection(districts.metric[i], metric).area
        if piece_m2 > 0:
            measured.append((districts.areas[i].id, piece_m2, districts.areas[i].geometry))
    if not measured:
        return {}
    largest = max(m2 for _, m2, _ in measured)
    return {
        district_id: _polygonal(shapely.intersection(outline, geometry))
        for district_id, m2, outline in measured
        # A small polygon wholly in one district is not a sliver of itself.
        if m2 == largest or (m2 >= MIN_SLICE_M2 and m2 >= MIN_SLICE_SHARE * total)
    }


def split_by_districts(
    area_id: str, geometry: BaseGeometry, districts: Districts | Sequence[Area]
) -> list[Slice]:
    """The areas ``geometry`` becomes (see the module's rule), ordered by id.

    Raises ValueError when a slice id would pass ``MAX_ID_LENGTH`` characters.
    """
    pieces = district_shares(geometry, districts)
    if len(pieces) <= 1:
        district_id = next(iter(pieces), None)
        return [Slice(area_id, area_id, district_id, geometry, split=False)]
    slices = []
    for district_id, piece in sorted(pieces.items()):
        new_id = slice_id(area_id, district_id)
        if len(new_id) > MAX_ID_LENGTH:
            raise ValueError(
                f"the slice id {new_id!r} is over {MAX_ID_LENGTH} characters; shorten the id."
            )
        slices.append(Slice(new_id, area_id, district_id, piece, split=True))
    return slices


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygonal parts of an intersection (it may hold lines and points of the border)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    merged: BaseGeometry = shapely.union_all(parts)
    return merged
