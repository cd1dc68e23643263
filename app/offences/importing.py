"""Reading an offences file (docs/OFFENCES.md) into records, checked as a whole.

The format is told by the content, not the name: Esri JSON as an ArcGIS FeatureServer query
returns it (one page, or a JSON array of pages), a GeoJSON FeatureCollection of points, or a
CSV with the same fields and lat/lon (or x/y) columns. Field names are matched whatever
their case.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from app.offences.schemas import OffenceProblem, OffencesInvalid, ReadFile
from app.offences.validation import WEB_MERCATOR, WGS84, RawRow, RowChecker
from app.platform.translations import gettext

ESRI_JSON, GEOJSON, CSV = "esri-json", "geojson", "csv"
# The spatial references an ArcGIS server answers in: WGS84, and Web Mercator by its old
# (102100, 102113) and new (3857, 900913) numbers.
_WKID = {4326: WGS84, 102100: WEB_MERCATOR, 102113: WEB_MERCATOR, 3857: WEB_MERCATOR}
_WKID.update({900913: WEB_MERCATOR})
_LAT_COLUMNS = ("lat", "latitude", "y")
_LON_COLUMNS = ("lon", "lng", "longitude", "x")


def _lower(mapping: dict[str, Any]) -> dict[str, Any]:
    return {str(k).strip().lower(): v for k, v in mapping.items()}


def _file_problem(message: str, file_name: str) -> OffencesInvalid:
    return OffencesInvalid([OffenceProblem(0, None, "file", message)], file_name=file_name)


def _decode(data: bytes, file_name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel on a Russian Windows saves CSV in Windows-1251.
        return data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise _file_problem(
            gettext("the file is neither UTF-8 nor Windows-1251 text."), file_name
        ) from exc


def _esri_pages(data: Any, file_name: str) -> list[dict[str, Any]]:
    pages = data if isinstance(data, list) else [data]
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("features"), list):
            error = page.get("error") if isinstance(page, dict) else None
            if isinstance(error, dict):
                raise _file_problem(
                    gettext(
                        "the file is an ArcGIS error answer, not offences: %(error)s",
                        error=error.get("message") or error,
                    ),
                    file_name,
                )
            raise _file_problem(
                gettext(
                    "a page of Esri JSON is an object with a “features” list, as the "
                    "FeatureServer's query with f=json returns it."
                ),
                file_name,
            )
    return pages


def _esri_rows(pages: list[dict[str, Any]], file_name: str) -> Iterator[RawRow]:
    index = 0
    for number, page in enumerate(pages, start=1):
        reference = page.get("spatialReference") or {}
        wkid = reference.get("latestWkid") or reference.get("wkid") or 4326
        crs = _WKID.get(wkid) if isinstance(wkid, int) else None
        if crs is None:
            raise _file_problem(
                gettext(
                    "page %(page)s is in spatial reference %(wkid)s; export it with "
                    "outSR=4326 (WGS84) or in Web Mercator (102100).",
                    page=number,
                    wkid=wkid,
                ),
                file_name,
            )
        for feature in page["features"]:
            index += 1
            feature = feature if isinstance(feature, dict) else {}
            attributes = feature.get("attributes")
            geometry = feature.get("geometry")
            geometry = geometry if isinstance(geometry, dict) else {}
            yield RawRow(
                index=index,
                fields=_lower(attributes) if isinstance(attributes, dict) else {},
                x=geometry.get("x"),
                y=geometry.get("y"),
                crs=crs,
            )


def _geojson_rows(data: dict[str, Any], file_name: str) -> Iterator[RawRow]:
    features = data.get("features")
    if not isinstance(features, list):
        raise _file_problem(
            gettext("a GeoJSON FeatureCollection needs a “features” list."), file_name
        )
    for index, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        properties = feature.get("properties")
        fields = _lower(properties) if isinstance(properties, dict) else {}
        if "id" in feature and "id" not in fields and "objectid" not in fields:
            fields["id"] = feature["id"]
        geometry = feature.get("geometry")
        x = y = None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coordinates = geometry.get("coordinates")
            if isinstance(coordinates, list) and len(coordinates) >= 2:
                x, y = coordinates[0], coordinates[1]
        yield RawRow(index=index, fields=fields, x=x, y=y, crs=WGS84, x_name="lon", y_name="lat")


def _csv_rows(text: str, file_name: str) -> list[RawRow]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {str(c).strip().lower(): c for c in reader.fieldnames or [] if c is not None}
    lat_column = next((c for c in _LAT_COLUMNS if c in columns), None)
    lon_column = next((c for c in _LON_COLUMNS if c in columns), None)
    missing = [n for n in ("dat_sover", "stat") if n not in columns]
    if lat_column is None or lon_column is None:
        missing.append("lat, lon")
    if missing:
        raise _file_problem(
            gettext(
                "the CSV file lacks the columns: %(columns)s (found: %(found)s).",
                columns=", ".join(missing),
                found=", ".join(columns) or "—",
            ),
            file_name,
        )
    assert lat_column is not None and lon_column is not None
    rows = [
        RawRow(
            index=index,
            fields=_lower({k: v for k, v in row.items() if k is not None}),
            x=row[columns[lon_column]],
            y=row[columns[lat_column]],
            x_name=lon_column,
            y_name=lat_column,
        )
        for index, row in enumerate(reader, start=1)
    ]
    # x/y in metres (a Web Mercator export): every value beyond what degrees can be.
    if lon_column == "x" and rows and all(_beyond_degrees(r.x) for r in rows):
        for row in rows:
            row.crs = WEB_MERCATOR
    return rows


def _beyond_degrees(value: Any) -> bool:
    try:
        return abs(float(str(value).replace(",", "."))) > 180
    except ValueError:
        return False


def _warnings(pages: list[dict[str, Any]]) -> tuple[str, ...]:
    if pages and pages[-1].get("exceededTransferLimit"):
        return (
            gettext(
                "the server had more records than this file holds (exceededTransferLimit): "
                "export the next page with resultOffset and import it too."
            ),
        )
    return ()


def read_offences(data: bytes, *, file_name: str, today: date | None = None) -> ReadFile:
    """The records of a file's bytes, every one checked. Raises OffencesInvalid listing
    every problem (nothing of the file is to be stored then)."""
    text = _decode(data, file_name)
    stripped = text.lstrip()
    pages: list[dict[str, Any]] = []
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise _file_problem(gettext("not valid JSON: %(error)s", error=exc), file_name) from exc
        if isinstance(parsed, dict) and parsed.get("type") == "FeatureCollection":
            file_format, rows = GEOJSON, list(_geojson_rows(parsed, file_name))
        else:
            pages = _esri_pages(parsed, file_name)
            file_format, rows = ESRI_JSON, list(_esri_rows(pages, file_name))
    else:
        file_format, rows = CSV, _csv_rows(text, file_name)
    if not rows:
        raise _file_problem(gettext("the file holds no offences."), file_name)
    checker = RowChecker() if today is None else RowChecker(today=today)
    records = checker.check(rows)
    if checker.problems:
        raise OffencesInvalid(checker.problems, file_name=file_name)
    return ReadFile(
        file_name=file_name,
        file_format=file_format,
        file_sha256=hashlib.sha256(data).hexdigest(),
        records=tuple(records),
        warnings=_warnings(pages),
    )


def read_offences_file(path: Path, *, today: date | None = None) -> ReadFile:
    """``read_offences`` of a file on disk; its name (no directory) is the one recorded."""
    return read_offences(Path(path).read_bytes(), file_name=Path(path).name, today=today)
