"""How many metres of named street lie inside a polygon: a proxy for how built-up it is.

Pure geometry (shapely + pyproj): reads the OpenStreetMap named streets of
``data/geo/names/almaty_streets_osm.geojson`` (ODbL; see its SOURCES.md) once per process and
file, projected to UTM 43N metres and indexed in a ``shapely.STRtree``. The population estimate
of an area (``app.offences.population``) shares its district's residents by this length.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from app.geo.locator import to_metric
from app.platform.config import PROJECT_ROOT

DEFAULT_STREETS_FILE = PROJECT_ROOT / "data" / "geo" / "names" / "almaty_streets_osm.geojson"

# Roads people pass through rather than live along (motorways, trunk roads and their ramps) and
# paths in parks and the mountains: counting them would give fields, parks and slopes residents.
EXCLUDED_CLASSES = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "footway",
        "path",
        "cycleway",
        "steps",
        "track",
        "track_grade1",
        "track_grade2",
        "track_grade3",
        "track_grade4",
        "track_grade5",
    }
)


@dataclass(frozen=True)
class StreetLines:
    """The named streets kept, in metres, with their index."""

    lines: np.ndarray  # of shapely LineStrings / MultiLineStrings, UTM 43N
    tree: shapely.STRtree
    total_m: float


def read_street_lines(path: Path) -> StreetLines:
    """Read a GeoJSON of named streets (``label_ru``, ``fclass``), dropping the classes of
    ``EXCLUDED_CLASSES``."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    kept = [
        to_metric(shape(f["geometry"]))
        for f in doc["features"]
        if f["properties"].get("label_ru")
        and f["properties"].get("fclass") not in EXCLUDED_CLASSES
        and f.get("geometry")
    ]
    lines = np.array(kept, dtype=object)
    return StreetLines(lines, shapely.STRtree(lines), float(shapely.length(lines).sum()))


@functools.cache
def load_street_lines(path: Path = DEFAULT_STREETS_FILE) -> StreetLines:
    """The streets of ``path``, read and indexed once per process."""
    return read_street_lines(path)


def road_length_m(
    polygons: Sequence[BaseGeometry], *, streets: StreetLines | None = None
) -> list[float]:
    """Metres of named street inside each polygon, in the order given; the polygons in UTM 43N
    metres (``app.geo.locator.to_metric``).

    A street along the border between two polygons is counted in neither or split between
    them as the lines fall; a dual carriageway mapped as two ways counts twice.
    """
    if not polygons:
        return []
    found = streets if streets is not None else load_street_lines()
    metric = np.array(list(polygons), dtype=object)
    shapely.prepare(metric)
    pairs = found.tree.query(metric, predicate="intersects")
    if pairs.shape[1] == 0:
        return [0.0] * len(polygons)
    pieces = shapely.intersection(metric[pairs[0]], found.lines[pairs[1]])
    totals = np.bincount(pairs[0], weights=shapely.length(pieces), minlength=len(polygons))
    return [float(t) for t in totals]
