"""Place names a person recognises: the nearest named street or stop, and a label per H3 cell.

Pure: reads the OpenStreetMap-derived files in ``data/geo/names/`` (ODbL; see its
SOURCES.md) into shapely STRtrees in UTM 43N metres. ``load_place_names`` builds the index
once per process and directory; the names are Russian, as mapped in OSM.
"""

from __future__ import annotations

import csv
import functools
import json
import re
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
    parts: PlaceLabel | None = None


# The generic words around the OSM names, per language: (pattern on the Russian short form,
# the Kazakh form, the English form). The names themselves stay as mapped in OSM (Russian,
# some Kazakh); Kazakh puts the generic word after the name ("Абая даң.", "Аксай-4 ш/а").
_GENERIC: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^мкр\. (.+)$"), "{0} ш/а", "mkr. {0}"),
    (re.compile(r"^ул\. (.+)$"), "{0} көш.", "st. {0}"),
    (re.compile(r"^пр\. (.+)$"), "{0} даң.", "ave. {0}"),
    (re.compile(r"^бул\. (.+)$"), "{0} бульв.", "blvd. {0}"),
    (re.compile(r"^пер\. (.+)$"), "{0} тұйық көш.", "ln. {0}"),
)
_NUMBERED_MKR = re.compile(r"^(\d+)-й микрорайон$")
_STOP = {"ru": "у ост. «{0}»", "kk": "«{0}» аялдамасы маңы", "en": "near the «{0}» stop"}


def _kk_ordinal(number: int) -> str:
    """ "5-ші", "10-шы": the suffix follows the vowels of the number's last word."""
    last = number % 10 if number % 10 else (number % 100) // 10 * 10 or 100
    back = {6, 9, 10, 20, 30, 40, 60, 90}  # алты, тоғыз, он, жиырма, отыз, қырық, алпыс, тоқсан
    return f"{number}-{'шы' if last in back else 'ші'}"


def localise_place(name_ru: str, lang: str) -> str:
    """A Russian short form from the data ("ул. Саина", "мкр. Аксай-4", "10-й микрорайон")
    with its generic word in ``lang``; the proper name is kept as mapped."""
    if lang not in ("kk", "en"):
        return name_ru
    numbered = _NUMBERED_MKR.match(name_ru)
    if numbered:
        number = int(numbered.group(1))
        return f"{_kk_ordinal(number)} ш/а" if lang == "kk" else f"mkr. {number}"
    for pattern, kk, en in _GENERIC:
        found = pattern.match(name_ru)
        if found:
            return (kk if lang == "kk" else en).format(found.group(1))
    return name_ru


# The generic words ``localise_place`` and ``PlaceLabel.compose`` put around the OSM names.
_AROUND = (
    ("≈ ", ""),  # every entry has a prefix or a suffix: each match shortens the text
    ("мкр. ", ""),
    ("ул. ", ""),
    ("пр. ", ""),
    ("бул. ", ""),
    ("пер. ", ""),
    ("mkr. ", ""),
    ("st. ", ""),
    ("ave. ", ""),
    ("blvd. ", ""),
    ("ln. ", ""),
    ("у ост. «", "»"),
    ("near the «", "» stop"),
    ("«", "» аялдамасы маңы"),
    ("", " ш/а"),
    ("", " тұйық көш."),
    ("", " көш."),
    ("", " даң."),
    ("", " бульв."),
)


_ORDINAL = re.compile(r"\d+(-(шы|ші))?")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def osm_spans(name: str, *, district: str | None) -> list[tuple[str, bool]]:
    """A composed area name cut into (text, is an OSM name) pieces, so a page can mark the
    names as mapped (Russian) with ``lang="ru"``; ``district`` (its name in the page's
    language), when it ends the name, is not one."""
    spans: list[tuple[str, bool]] = []
    segments = name.split(" · ")
    for n, segment in enumerate(segments):
        if n:
            spans.append((" · ", False))
        if segment == district or (n == len(segments) - 1 and district is None and n > 0):
            spans.append((segment, False))
            continue
        for m, place in enumerate(segment.split(" / ")):
            if m:
                spans.append((" / ", False))
            spans.extend(_osm_place(place))
    return spans


def _osm_place(place: str) -> list[tuple[str, bool]]:
    before, after = "", ""
    changed = True
    while changed:
        changed = False
        for prefix, suffix in _AROUND:
            fits = place.startswith(prefix) and place.endswith(suffix)
            if fits and len(place) > len(prefix + suffix):
                before += prefix
                after = suffix + after
                place = place[len(prefix) : len(place) - len(suffix)]
                changed = True
                break
    # "10-шы" of "10-шы ш/а" is the generic word's number; a code is no OSM name.
    if _ORDINAL.fullmatch(place) or not _CYRILLIC.search(place):
        return [(before + place + after, False)]
    pieces = [(before, False), (place, True), (after, False)]
    return [p for p in pieces if p[0]]


@dataclass(frozen=True, slots=True)
class PlaceLabel:
    """The parts of an area's name, OSM names as mapped: a micro-district, up to two streets,
    or a stop when no street is named; ``approx`` ("≈") marks a nearest-name guess."""

    approx: bool
    mkr: str | None = None
    streets: tuple[str, ...] = ()
    stop: str | None = None

    def compose(self, lang: str, district: str | None) -> str:
        """ "≈ мкр. Аксай-4 · ул. Момышулы / ул. Саина · Ауэзовский район" in ``lang`` (the
        district's name given in that language)."""
        parts = []
        if self.mkr:
            parts.append(localise_place(self.mkr, lang))
        if self.streets:
            parts.append(" / ".join(localise_place(s, lang) for s in self.streets))
        elif self.stop:
            parts.append(_STOP.get(lang, _STOP["ru"]).format(self.stop))
        if self.approx and parts:
            parts[0] = f"≈ {parts[0]}"
        if district:
            parts.append(district)
        return " · ".join(parts)


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

    def knows(self, cell_id: str) -> bool:
        """Whether the labels file has a row for the cell (named or not)."""
        return cell_id in self._cell_districts

    def area_label(self, cell_id: str) -> str | None:
        """The cell's label from the data, "≈" kept; None when the data names nothing in it
        (its label would be the bare district)."""
        cell = self._cells.get(cell_id)
        return cell.label if cell is not None else None

    def area_name(self, cell_id: str, *, lat: float, lon: float) -> str | None:
        """An area's Russian name: its label, else "≈ <street or stop> · <district>" for the
        nearest one within 2 km of (lat, lon), the cell's centre; None when neither exists."""
        label = self.area_label(cell_id)
        if label is not None:
            return label
        parts = self.area_parts(cell_id, lat=lat, lon=lon)
        if parts is None:
            return None
        return parts.compose("ru", self._cell_districts.get(cell_id))

    def area_parts(self, cell_id: str, *, lat: float, lon: float) -> PlaceLabel | None:
        """The parts of an area's name, to compose in any language with any district (a
        slice of a cell across a border names its own): the cell's label in the data, else
        the nearest named street or stop within 2 km of (lat, lon); None when neither."""
        cell = self._cells.get(cell_id)
        if cell is not None and cell.parts is not None:
            return cell.parts
        near = self.nearest_name(lat, lon, AREA_FALLBACK_M)
        if near is None:
            return None
        if near.kind == "street":
            return PlaceLabel(approx=True, streets=(near.label,))
        return PlaceLabel(approx=True, stop=near.label)


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
                parts = PlaceLabel(
                    approx=bool(row["near_mkr_ru"]),
                    mkr=row["near_mkr_ru"] or None,
                    streets=tuple(s for s in row["main_streets_ru"].split("; ") if s),
                    stop=row["near_stop_ru"] or None,
                )
                cells[row["cell_id"]] = CellLabel(row["label_ru"], row["district_ru"], parts)
    return PlaceNames(streets=streets, stops=stops, cells=cells, cell_districts=districts)


@functools.cache
def load_place_names(directory: Path) -> PlaceNames:
    """The index of ``directory``, read once per process."""
    return read_place_names(directory)
