"""Place names a person recognises: the nearest named street or stop, and a label per H3 cell.

Pure: reads the OpenStreetMap-derived files in ``data/geo/names/`` (ODbL; see its
SOURCES.md) into shapely STRtrees in UTM 43N metres. ``load_place_names`` builds the index
once per process and directory; the names are Russian, as mapped in OSM.
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from app.geo.locator import to_metric
from app.platform.config import PROJECT_ROOT

DEFAULT_NAMES_DIR = PROJECT_ROOT / "data" / "geo" / "names"
STREETS_FILE = "almaty_streets_osm.geojson"
STOPS_FILE = "almaty_transit_stops_osm.geojson"
LABELS_FILE = "almaty_h3r8_place_labels.csv"
# An area's name falls back to a street or stop no further than this from its centre.
AREA_FALLBACK_M = 2000.0


@dataclass(frozen=True, slots=True)
class NearestName:
    """A named street or stop and its distance in metres from the point asked about."""

    label: str
    distance_m: float
    kind: str  # "street" or "stop"


@dataclass(frozen=True, slots=True)
class CellLabel:
    label: str  # "≈ мкр. X · ул. A / ул. B · District"; "≈" marks a nearest-name guess
    district_ru: str


class _Layer:
    def __init__(self, labels: list[str], geometries: list[BaseGeometry]) -> None:
        self.labels = labels
        self.geometries = geometries
        self.tree = shapely.STRtree(geometries)

    def nearest(self, point: BaseGeometry, max_m: float) -> tuple[str, float] | None:
        if not self.labels:
            return None
        found = self.tree.query_nearest(point, max_distance=max_m, return_distance=True)
        indexes, distances = found
        if len(indexes) == 0:
            return None
        # Ties (a point on two streets) resolve to the lowest index: stable across runs.
        return self.labels[int(indexes[0])], float(distances[0])


class PlaceNames:
    """Named streets, stops and the H3 cells' labels, indexed once."""

    def __init__(
        self,
        *,
        streets: list[tuple[str, BaseGeometry]],
        stops: list[tuple[str, BaseGeometry]],
        cells: dict[str, CellLabel],
        cell_districts: dict[str, str],
    ) -> None:
        self._streets = _Layer([s[0] for s in streets], [to_metric(s[1]) for s in streets])
        self._stops = _Layer([s[0] for s in stops], [to_metric(s[1]) for s in stops])
        self._cells = cells
        self._cell_districts = cell_districts

    def nearest_street(self, lat: float, lon: float, max_m: float) -> tuple[str, float] | None:
        """(label_ru, distance in metres) of the nearest named street within ``max_m``."""
        return self._streets.nearest(to_metric(Point(lon, lat)), max_m)

    def nearest_name(self, lat: float, lon: float, max_m: float) -> NearestName | None:
        """The nearest named street within ``max_m``, else the nearest named stop."""
        point = to_metric(Point(lon, lat))
        street = self._streets.nearest(point, max_m)
        if street is not None:
            return NearestName(street[0], street[1], "street")
        stop = self._stops.nearest(point, max_m)
        return NearestName(stop[0], stop[1], "stop") if stop is not None else None

    def area_label(self, cell_id: str) -> str | None:
        """The cell's label from the data, "≈" kept; None when the data names nothing in it
        (its label would be the bare district)."""
        cell = self._cells.get(cell_id)
        return cell.label if cell is not None else None

    def area_name(self, cell_id: str, *, lat: float, lon: float) -> str | None:
        """An area's name: its label, else "≈ <street or stop> · <district>" for the nearest
        one within 2 km of (lat, lon), the cell's centre; None when neither exists."""
        label = self.area_label(cell_id)
        if label is not None:
            return label
        near = self.nearest_name(lat, lon, AREA_FALLBACK_M)
        if near is None:
            return None
        place = near.label if near.kind == "street" else f"ост. «{near.label}»"
        district = self._cell_districts.get(cell_id)
        return f"≈ {place} · {district}" if district else f"≈ {place}"


def read_place_names(directory: Path) -> PlaceNames:
    """Read the three files of ``directory`` (see its SOURCES.md for their columns)."""
    streets_doc = json.loads((directory / STREETS_FILE).read_text(encoding="utf-8"))
    streets = [
        (str(f["properties"]["label_ru"]), shape(f["geometry"]))
        for f in streets_doc["features"]
        if f["properties"].get("label_ru")
    ]
    stops_doc = json.loads((directory / STOPS_FILE).read_text(encoding="utf-8"))
    stops = [
        (str(f["properties"]["name"]), shape(f["geometry"]))
        for f in stops_doc["features"]
        if f["properties"].get("name")
    ]
    cells: dict[str, CellLabel] = {}
    districts: dict[str, str] = {}
    with (directory / LABELS_FILE).open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            districts[row["cell_id"]] = row["district_ru"]
            # A row naming no micro-district, street or stop carries the bare district.
            if row["near_mkr_ru"] or row["main_streets_ru"] or row["near_stop_ru"]:
                cells[row["cell_id"]] = CellLabel(row["label_ru"], row["district_ru"])
    return PlaceNames(streets=streets, stops=stops, cells=cells, cell_districts=districts)


@functools.cache
def load_place_names(directory: Path) -> PlaceNames:
    """The index of ``directory``, read once per process."""
    return read_place_names(directory)
