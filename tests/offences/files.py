"""Offence files in the real formats, written by hand: the committee's map cannot be reached
from here, so these are built the way its ArcGIS FeatureServer (``gis.kgp.kz``, layer
``KPSSU/crime``) answers a query with ``f=json`` (Esri JSON), and as GeoJSON and CSV."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pyproj import Transformer

_TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)

# Points inside districts (tests/geo/test_locator.py's spot checks) and one outside the city.
KOK_TOBE = (43.2322, 76.9758)  # medeu
MEGA = (43.2027, 76.8927)  # bostandyk
AKSAY = (43.2370, 76.8400)  # auezov
SHANYRAK = (43.3000, 76.8350)  # alatau
KAPCHAGAY = (43.8800, 77.0700)  # ~60 km north: outside the city


@dataclass(frozen=True)
class Row:
    """One offence as the layer's attributes hold it."""

    objectid: int | None
    day: date
    stat: str
    point: tuple[float, float]
    hard_code: Any = 2
    crime_code: str = "1880001"
    discontinued: Any = 0
    time_period: str = "с 18 до 24"
    weekday: str = "пятница"

    def but(self, **changes: Any) -> Row:
        return replace(self, **changes)


def epoch_ms(day: date) -> int:
    """The date as ArcGIS stores a date-only field entered in Almaty: local midnight in UTC
    milliseconds (Almaty was UTC+6 until 1 March 2024, UTC+5 since)."""
    offset = 6 if day < date(2024, 3, 1) else 5
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=offset)
    return int(midnight.timestamp() * 1000)


def _attributes(row: Row, *, dates_as: str = "epoch") -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "dat_sover": epoch_ms(row.day) if dates_as == "epoch" else row.day.isoformat(),
        "stat": row.stat,
        "crime_code": row.crime_code,
        "hard_code": row.hard_code,
        "time_period": row.time_period,
        "weekday": row.weekday,
        "discontinued": row.discontinued,
    }
    if row.objectid is not None:
        attributes = {"OBJECTID": row.objectid, **attributes}
    return attributes


def esri_page(
    rows: Sequence[Row], *, wkid: int = 4326, more: bool = False, upper: bool = False
) -> dict[str, Any]:
    """A FeatureServer query page (f=json) in WGS84 (4326) or Web Mercator (102100);
    ``upper``: field names in upper case, as some layers have them."""
    features = []
    for row in rows:
        lat, lon = row.point
        x, y = (lon, lat) if wkid == 4326 else _TO_MERCATOR.transform(lon, lat)
        attributes = _attributes(row)
        if upper:
            attributes = {k.upper(): v for k, v in attributes.items()}
        features.append({"attributes": attributes, "geometry": {"x": x, "y": y}})
    reference = {"wkid": wkid, "latestWkid": 3857 if wkid == 102100 else wkid}
    return {
        "objectIdFieldName": "OBJECTID",
        "geometryType": "esriGeometryPoint",
        "spatialReference": reference,
        "fields": [{"name": "OBJECTID", "type": "esriFieldTypeOID"}],
        "features": features,
        "exceededTransferLimit": more,
    }


def geojson(rows: Sequence[Row]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": _attributes(row, dates_as="iso"),
                "geometry": {"type": "Point", "coordinates": [row.point[1], row.point[0]]},
            }
            for row in rows
        ],
    }


def csv_text(rows: Sequence[Row], *, delimiter: str = ";") -> str:
    """A spreadsheet's CSV: Russian dates (dd.mm.yyyy), decimal commas with ';'."""
    lines = [
        delimiter.join(("objectid", "dat_sover", "stat", "hard_code", "discontinued", "lat", "lon"))
    ]
    for row in rows:
        lat, lon = ((f"{v}".replace(".", ",") if delimiter == ";" else f"{v}") for v in row.point)
        lines.append(
            delimiter.join(
                (
                    "" if row.objectid is None else str(row.objectid),
                    row.day.strftime("%d.%m.%Y"),
                    row.stat,
                    str(row.hard_code),
                    str(row.discontinued),
                    lat,
                    lon,
                )
            )
        )
    return "\n".join(lines) + "\n"


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
