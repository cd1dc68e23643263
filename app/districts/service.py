"""Importing district and micro-district polygons, and building the point locator from them.

Services never commit: the caller commits (or rolls back after a GeoImportError). Every feature
is checked before the first row is touched, so a bad file leaves the session unchanged.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape
from sqlalchemy import ColumnClause, func
from sqlalchemy import column as sa_column
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import table as sa_table
from sqlmodel import Session, col, select

from app.districts import naming
from app.districts.models import District, MicroDistrict
from app.geo.errors import GeoImportError
from app.geo.features import PolygonFeature, geodesic_area_km2, read_polygon_features
from app.geo.locator import Area, AreaIndex
from app.geo.names import DEFAULT_NAMES_DIR, PlaceLabel, load_place_names
from app.geo.nesting import Districts, Slice, split_by_districts
from app.platform.config import PROJECT_ROOT, get_settings
from app.platform.db import utcnow

DEMO_DATA_DIR = PROJECT_ROOT / "data" / "geo"
DEFAULT_NAME_PROPERTIES: Mapping[str, str] = {"ru": "name_ru", "kk": "name_kk", "en": "name_en"}
OSM_CREDIT = "© OpenStreetMap contributors, ODbL 1.0, https://www.openstreetmap.org/copyright"
DEMO_DISTRICTS_SOURCE = (
    f"{OSM_CREDIT}; via github.com/kalmenovbekmukhamed-create/almaty-smart-dmo "
    "almaty_districts.geojson @ b2514540 (OSM relations via Nominatim)"
)
DEMO_H3_SOURCE = (
    f"{OSM_CREDIT}; H3 res-8 cells touching the OSM districts, generated for SafeYard "
    "(data/geo/almaty_grid_h3_r8.geojson); names from OSM streets, stops and labels "
    "(data/geo/names/)"
)
_IN_CHUNK = 500  # ids per IN (...) query, well under SQLite's bound-parameter limit


def import_districts(
    session: Session,
    *,
    path: Path | str,
    source: str,
    id_property: str = "district_id",
    name_properties: Mapping[str, str] = DEFAULT_NAME_PROPERTIES,
    population_csv: Path | str | None = None,
    population_property: str | None = None,
    population_as_of: str | None = None,
    repair: bool = False,
    repairs: list[str] | None = None,
) -> int:
    """Insert or update a District row per feature of a GeoJSON FeatureCollection.

    Population comes from ``population_csv`` (columns ``district_id, pop_total, as_of``) when
    given, else from ``population_property`` (dated ``population_as_of``). A missing name falls
    back to another language, then to the id. Districts absent from the file are kept.
    Invalid geometry and polygons outside the city's box are refused (see ``read_checked``).
    Returns the number of features imported.
    """
    features = read_checked(path, id_property=id_property, repair=repair, repairs=repairs)
    ids = {f.id for f in features}
    population = _read_population_csv(population_csv, ids) if population_csv else {}

    existing = {d.id: d for d in _by_ids(session, District, ids)}
    for feature in features:
        names = _names(feature.properties, name_properties, fallback=feature.id)
        if population_csv:
            people, as_of = population.get(feature.id, (None, None))
        elif population_property:
            people = _int_or_none(feature.properties.get(population_property))
            as_of = population_as_of if people is not None else None
        else:
            people, as_of = None, None
        values: dict[str, Any] = {
            "name_ru": names["ru"],
            "name_kk": names["kk"],
            "name_en": names["en"],
            "population": people,
            "population_as_of": as_of,
            "area_km2": round(geodesic_area_km2(feature.geometry), 4),
            "geometry": feature.geojson,
            "source": source,
        }
        _upsert(session, existing.get(feature.id), District, feature.id, values)
    session.flush()
    return len(features)


def import_micro_districts(
    session: Session,
    *,
    path: Path | str,
    id_property: str,
    kind: str,
    source: str,
    name_property: str | None = None,
    district_property: str | None = None,
    name_of: Callable[[PolygonFeature], PlaceLabel | None] | None = None,
    repair: bool = False,
    repairs: list[str] | None = None,
    warnings: list[str] | None = None,
) -> int:
    """Insert or update the micro-districts of a file of polygons (precincts, quarters, a grid).

    Areas nest in districts (``app.geo.nesting``): a polygon across district borders becomes
    one area per district it overlaps, ``<id>~<district id>``, each the piece inside that
    district (slivers under 1% of the polygon or 0.01 km² dropped); each such polygon is
    described in ``warnings`` when given. A polygon inside one district keeps its id and
    geometry; one outside every district gets ``properties[district_property]`` when that
    names a known district, else None.

    Names, in Russian, Kazakh and English: ``properties[name_property]`` (with the district
    after it for a piece), else the parts ``name_of`` gives composed with the area's district
    (``PlaceLabel.compose``), else "<district> · <id>". An id already used by another kind of
    micro-district is an error, not an overwrite; so is a polygon, imported whole before,
    that now crosses a border while yards or links still refer to it.
    Invalid geometry and polygons outside the city's box are refused (see ``read_checked``).
    Returns the number of areas imported (pieces counted one by one).
    """
    features = read_checked(path, id_property=id_property, repair=repair, repairs=repairs)
    file = Path(path).name
    known_districts = {d.id: d for d in session.exec(select(District)).all()}
    district_areas = Districts([_area(d.id, d.geometry) for d in known_districts.values()])

    planned: list[tuple[PolygonFeature, list[Slice]]] = []
    for feature in features:
        try:
            slices = split_by_districts(feature.id, feature.geometry, district_areas)
        except ValueError as exc:
            raise GeoImportError(f"{file}: feature #{feature.index}: {exc}") from exc
        named = feature.properties.get(district_property) if district_property else None
        if len(slices) == 1 and slices[0].district_id is None:
            if isinstance(named, str) and named in known_districts:
                slices = [Slice(feature.id, feature.id, named, feature.geometry, split=False)]
        elif (
            len(slices) == 1
            and warnings is not None
            and isinstance(named, str)
            and named != slices[0].district_id
        ):
            warnings.append(
                f"feature #{feature.index} (id {feature.id!r}) names district {named!r} but "
                f"lies in {slices[0].district_id!r}: imported in {slices[0].district_id!r}"
            )
        planned.append((feature, slices))

    ids = {s.id for _, slices in planned for s in slices} | {f.id for f in features}
    existing = {m.id: m for m in _by_ids(session, MicroDistrict, ids)}
    rows: list[tuple[str, MicroDistrict | None, dict[str, Any]]] = []
    retired: list[MicroDistrict] = []
    for feature, slices in planned:
        for piece in slices:
            current = existing.get(piece.id)
            if current is not None and current.kind != kind:
                raise GeoImportError(
                    f"{file}: feature #{feature.index} (id {feature.id!r}): the id {piece.id!r} "
                    f"is already used by a micro-district of kind {current.kind!r}, not {kind!r}."
                )
        whole = existing.get(feature.id)
        if slices[0].split:
            if whole is not None:
                _check_unreferenced(session, whole, file=file, feature=feature)
                retired.append(whole)
            if warnings is not None:
                warnings.append(_split_warning(feature, slices))
        parts = naming.name_source(feature, name_property, name_of)
        for piece in slices:
            district = known_districts.get(piece.district_id or "")
            values: dict[str, Any] = {
                "kind": kind,
                **naming.area_names(piece, parts, district),
                "district_id": piece.district_id,
                "area_km2": round(geodesic_area_km2(piece.geometry), 4),
                "geometry": feature.geojson
                if not piece.split
                else json.dumps(mapping(piece.geometry), separators=(",", ":")),
                "source": source,
            }
            rows.append((piece.id, existing.get(piece.id), values))

    for old in retired:
        session.delete(old)
    session.flush()
    for micro_id, current, values in rows:
        _upsert(session, current, MicroDistrict, micro_id, values)
    session.flush()
    return len(rows)


def _split_warning(feature: PolygonFeature, slices: list[Slice]) -> str:
    pieces = ", ".join(f"{s.id} ({geodesic_area_km2(s.geometry):.3f} km²)" for s in slices)
    return (
        f"feature #{feature.index} (id {feature.id!r}) crosses district borders: clipped into "
        f"{len(slices)} areas, one per district: {pieces}"
    )


def _check_unreferenced(
    session: Session, whole: MicroDistrict, *, file: str, feature: PolygonFeature
) -> None:
    """Refuse to replace by its pieces an area that rows still refer to (yards, links): only
    the migration that split the cells re-places stored points (revision e6nesting06)."""
    # The database's own foreign keys: every table that refers to micro_district, whichever
    # models this process imported.
    schema = sa_inspect(session.connection())
    for table_name in sorted(schema.get_table_names()):
        for fk in schema.get_foreign_keys(table_name):
            if fk["referred_table"] != "micro_district" or len(fk["constrained_columns"]) != 1:
                continue
            column: ColumnClause[Any] = sa_column(fk["constrained_columns"][0])
            used = session.execute(
                select(func.count())
                .select_from(sa_table(table_name, column))
                .where(column == whole.id)
            ).scalar_one()
            if used:
                raise GeoImportError(
                    f"{file}: feature #{feature.index} (id {feature.id!r}) now crosses district "
                    f"borders, but {used} row(s) of {table_name} refer to it as one area. "
                    "Keep its old outline, or split it with the data's own ids."
                )


def read_checked(
    path: Path | str,
    *,
    id_property: str,
    repair: bool = False,
    repairs: list[str] | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> list[PolygonFeature]:
    """The file's polygon features, every one valid and inside the city's box.

    An invalid geometry is refused with shapely's reason unless ``repair`` (make_valid); each
    repair is described in ``repairs`` when given. ``bounds`` (min_lon, min_lat, max_lon,
    max_lat) defaults to the ``SAFEYARD_CITY_BBOX`` setting: a polygon reaching outside it
    (another city, swapped coordinates) would make points there count as the city's.
    """
    features = read_polygon_features(path, id_property=id_property, repair=repair)
    min_lon, min_lat, max_lon, max_lat = bounds or get_settings().city_bounds
    file = Path(path).name
    for feature in features:
        left, bottom, right, top = feature.geometry.bounds
        if left < min_lon or bottom < min_lat or right > max_lon or top > max_lat:
            raise GeoImportError(
                f"{file}: feature #{feature.index} (id {feature.id!r}): reaches outside the "
                f"city's box (its bounds {left:.4f},{bottom:.4f},{right:.4f},{top:.4f}; the "
                f"box {min_lon},{min_lat},{max_lon},{max_lat}, setting SAFEYARD_CITY_BBOX)."
            )
        if feature.repaired and repairs is not None:
            repairs.append(
                f"feature #{feature.index} (id {feature.id!r}): {feature.invalid_reason}; "
                f"repaired with make_valid into a {feature.geometry.geom_type}"
            )
    return features


def load_area_index(
    session: Session, *, gap_snap_m: float | None = None, micro_kind: str | None = None
) -> AreaIndex | None:
    """Build the point locator from the District and MicroDistrict tables; None when no
    district has been imported yet.

    ``gap_snap_m`` defaults to the ``SAFEYARD_GAP_SNAP_M`` setting; ``micro_kind`` keeps one
    layer (e.g. "h3") when several kinds of micro-district are loaded.
    """
    snap = get_settings().gap_snap_m if gap_snap_m is None else gap_snap_m
    districts = [_area(d.id, d.geometry) for d in session.exec(select(District)).all()]
    if not districts:
        return None
    query = select(MicroDistrict)
    if micro_kind is not None:
        query = query.where(MicroDistrict.kind == micro_kind)
    micro = [_area(m.id, m.geometry, m.district_id) for m in session.exec(query).all()]
    return AreaIndex(districts, micro, gap_snap_m=snap)


def load_demo_geography(session: Session) -> None:
    """Import the project's demo data: the 8 OSM districts with 2023 population, and the
    916 H3 res-8 cells as micro-districts of kind "h3", a cell across a district border cut
    into one area per district (``app.geo.nesting``), each named from ``data/geo/names`` (its
    label, else the nearest named street or stop within 2 km of its centre, else the district
    and the code) in Russian, Kazakh and English. Running it twice changes nothing."""
    names = load_place_names(DEFAULT_NAMES_DIR)

    def cell_name(feature: PolygonFeature) -> PlaceLabel | None:
        props = feature.properties
        return names.area_parts(
            feature.id, lat=float(props["centroid_lat"]), lon=float(props["centroid_lon"])
        )

    import_districts(
        session,
        path=DEMO_DATA_DIR / "almaty_districts_osm.geojson",
        population_csv=DEMO_DATA_DIR / "almaty_district_population_2023.csv",
        source=DEMO_DISTRICTS_SOURCE,
    )
    import_micro_districts(
        session,
        path=DEMO_DATA_DIR / "almaty_grid_h3_r8.geojson",
        id_property="cell_id",
        kind="h3",
        district_property="district_id",
        name_of=cell_name,
        source=DEMO_H3_SOURCE,
    )


def _area(area_id: str, geometry: str, district_id: str | None = None) -> Area:
    return Area(id=area_id, geometry=shape(json.loads(geometry)), district_id=district_id)


def _by_ids(session: Session, model: type[Any], ids: set[str]) -> list[Any]:
    ordered = sorted(ids)
    rows: list[Any] = []
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        rows.extend(session.exec(select(model).where(col(model.id).in_(chunk))).all())
    return rows


def _upsert(
    session: Session, current: Any, model: type[Any], row_id: str, values: dict[str, Any]
) -> None:
    """Add a new row, or update one whose values changed (imported_at marks the change)."""
    if current is None:
        session.add(model(id=row_id, **values))
        return
    if any(getattr(current, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(current, key, value)
        current.imported_at = utcnow()
        session.add(current)


def _names(
    properties: Mapping[str, Any], name_properties: Mapping[str, str], *, fallback: str
) -> dict[str, str]:
    found = {
        lang: str(properties[key]).strip()
        for lang, key in name_properties.items()
        if properties.get(key) is not None and str(properties[key]).strip()
    }
    any_name = found.get("ru") or found.get("en") or found.get("kk") or fallback
    return {lang: found.get(lang, any_name)[:200] for lang in ("ru", "kk", "en")}


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _read_population_csv(path: Path | str, district_ids: set[str]) -> dict[str, tuple[int, str]]:
    """{district_id: (pop_total, as_of)} from a CSV; every row must name a district of the file."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GeoImportError(f"{path.name}: cannot read the population CSV: {exc}") from exc
    needed = {"district_id", "pop_total", "as_of"}
    if not rows or not needed <= set(rows[0]):
        raise GeoImportError(f"{path.name}: expected columns {', '.join(sorted(needed))}.")
    population: dict[str, tuple[int, str]] = {}
    for line, row in enumerate(rows, start=2):
        district_id = (row["district_id"] or "").strip()
        if district_id not in district_ids:
            raise GeoImportError(
                f"{path.name}: line {line}: district {district_id!r} is not in the GeoJSON file."
            )
        people = _int_or_none((row["pop_total"] or "").strip())
        if people is None or people < 0:
            raise GeoImportError(
                f"{path.name}: line {line}: pop_total {row['pop_total']!r} is not a count."
            )
        population[district_id] = (people, (row["as_of"] or "").strip()[:32])
    return population
