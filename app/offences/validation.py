"""Checking the rows of an offences file, each field on its own and the rows together (an id
names one offence). Every problem is collected (``OffenceProblem``), so a file is corrected
in one pass; ``app.offences.importing`` stores nothing from a file with any.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from pyproj import Transformer

from app.offences.articles import normalize_article
from app.offences.schemas import OffenceProblem, OffenceRecord
from app.platform.translations import gettext

WGS84, WEB_MERCATOR = "EPSG:4326", "EPSG:3857"
_FROM_MERCATOR = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True)
# The map holds recent years; a date before this is an empty date written as 0 (1970) or a
# typing slip, not an offence to count.
EARLIEST = date(2000, 1, 1)
SEVERITIES = (1, 2, 3, 4)
_TRUE = {"1", "true", "t", "yes", "y", "да", "д", "иә"}
_FALSE = {"0", "false", "f", "no", "n", "нет", "н", "жоқ", ""}
_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
_EPOCH = re.compile(r"^-?\d{9,14}(?:\.0+)?$")
TEXT_MAX = 40  # crime_code, time_period (the columns' size); weekday 20


def almaty_date(epoch_ms: float) -> date:
    """The Almaty calendar date of an ArcGIS date (UTC epoch milliseconds). A date-only field
    entered as local midnight lands on the previous UTC day, so the zone matters; Almaty was
    UTC+6 until 1 March 2024 and UTC+5 since (the rule below when no zone database exists)."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    try:
        return moment.astimezone(ZoneInfo("Asia/Almaty")).date()
    except ZoneInfoNotFoundError:
        switch = datetime(2024, 2, 29, 18, tzinfo=UTC)
        return (moment + timedelta(hours=6 if moment < switch else 5)).date()


def today_in_almaty() -> date:
    return almaty_date(datetime.now(UTC).timestamp() * 1000)


@dataclass
class RawRow:
    """One row as the file gives it: its number, its fields with lower-case names, and its
    point (x = longitude or easting, y = latitude or northing) in ``crs``."""

    index: int
    fields: dict[str, Any]
    x: Any
    y: Any
    crs: str = WGS84
    x_name: str = "x"
    y_name: str = "y"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any, limit: int = TEXT_MAX) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:limit]


def row_id(fields: dict[str, Any]) -> str | None:
    """The source's own id: OBJECTID, id or fid, as text."""
    for name in ("objectid", "id", "fid"):
        if not _blank(fields.get(name)):
            return _text(fields[name], 80)
    return None


@dataclass
class RowChecker:
    """Turns raw rows into records, collecting every problem. ``today``: the Almaty date
    after which a date is in the future (a test fixes it)."""

    today: date = field(default_factory=today_in_almaty)
    problems: list[OffenceProblem] = field(default_factory=list)

    def say(self, row: RawRow, name: str, message: str) -> None:
        self.problems.append(OffenceProblem(row.index, row_id(row.fields), name, message))

    def check(self, rows: Iterable[RawRow]) -> list[OffenceRecord]:
        """The records of ``rows`` (file order); ``problems`` holds what is wrong."""
        rows = list(rows)
        points = self._points(rows)
        records: list[OffenceRecord] = []
        first_of: dict[str, tuple[int, OffenceRecord]] = {}
        for row, point in zip(rows, points, strict=True):
            record = self._record(row, point)
            if record is None:
                continue
            if record.source_id is not None:
                seen = first_of.get(record.source_id)
                if seen is None:
                    first_of[record.source_id] = (row.index, record)
                elif seen[1] != record:
                    self.say(
                        row,
                        "id",
                        gettext(
                            "offence no. %(other)s has the same id with other fields; an id "
                            "names one offence.",
                            other=seen[0],
                        ),
                    )
                    continue
            records.append(record)
        self.problems.sort(key=lambda p: p.index)
        return records

    def _record(self, row: RawRow, point: tuple[float, float] | None) -> OffenceRecord | None:
        before = len(self.problems)
        f = row.fields
        occurred_on = self._date(row, f.get("dat_sover"))
        article = self._article(row, f.get("stat"))
        severity = self._severity(row, f.get("hard_code"))
        discontinued = self._flag(row, f.get("discontinued"))
        if len(self.problems) > before or occurred_on is None or article is None:
            return None
        if point is None:
            return None
        lat, lon = point
        return OffenceRecord(
            occurred_on=occurred_on,
            article=article,
            lat=lat,
            lon=lon,
            source_id=row_id(f),
            crime_code=_text(f.get("crime_code")),
            severity=severity,
            time_period=_text(f.get("time_period")),
            weekday=_text(f.get("weekday"), 20),
            discontinued=discontinued,
        )

    def _date(self, row: RawRow, value: Any) -> date | None:
        if _blank(value):
            self.say(row, "dat_sover", gettext("the date of the offence is missing."))
            return None
        found = _parse_date(value)
        if found is None:
            self.say(
                row,
                "dat_sover",
                gettext(
                    "“%(value)s” is not a date: use epoch milliseconds (as ArcGIS gives "
                    "them), 2024-03-15 or 15.03.2024.",
                    value=value,
                ),
            )
        elif found > self.today:
            self.say(
                row,
                "dat_sover",
                gettext(
                    "%(date)s is in the future (today is %(today)s in Almaty).",
                    date=found.isoformat(),
                    today=self.today.isoformat(),
                ),
            )
        elif found < EARLIEST:
            self.say(
                row,
                "dat_sover",
                gettext(
                    "%(date)s is before %(earliest)s: an empty date is often exported as 0 "
                    "(1 January 1970); check the export.",
                    date=found.isoformat(),
                    earliest=EARLIEST.isoformat(),
                ),
            )
        else:
            return found
        return None

    def _article(self, row: RawRow, value: Any) -> str | None:
        if _blank(value):
            self.say(
                row,
                "stat",
                gettext("the Criminal Code article is missing; every offence names one."),
            )
            return None
        article = normalize_article(value)
        if article is None:
            self.say(
                row,
                "stat",
                gettext(
                    "“%(value)s” names no Criminal Code article (e.g. 188, 188-1, ст.190 ч.2).",
                    value=value,
                ),
            )
        return article

    def _severity(self, row: RawRow, value: Any) -> int | None:
        if _blank(value):
            return None
        number = _number(value)
        if number is None or not number.is_integer() or int(number) not in SEVERITIES:
            self.say(
                row,
                "hard_code",
                gettext(
                    "“%(value)s” is not a severity: 1 minor, 2 medium, 3 grave, "
                    "4 especially grave.",
                    value=value,
                ),
            )
            return None
        return int(number)

    def _flag(self, row: RawRow, value: Any) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        word = str(value).strip().lower()
        if word in _TRUE:
            return True
        if word not in _FALSE:
            self.say(
                row,
                "discontinued",
                gettext(
                    "“%(value)s” does not say whether the case was discontinued: use 0 or 1, "
                    "true or false, да or нет.",
                    value=value,
                ),
            )
        return False

    def _points(self, rows: list[RawRow]) -> list[tuple[float, float] | None]:
        """Each row's (lat, lon) in WGS84, or None with its problem said; Web Mercator rows
        converted together (one pyproj call, not one per row)."""
        numbers: list[tuple[float, float] | None] = []
        for row in rows:
            if _blank(row.x) and _blank(row.y):
                self.say(row, "geometry", gettext("the offence has no coordinates."))
                numbers.append(None)
                continue
            x, y = _number(row.x), _number(row.y)
            for name, raw, got in ((row.x_name, row.x, x), (row.y_name, row.y, y)):
                if got is None or not math.isfinite(got):
                    self.say(
                        row, name, gettext("“%(value)s” is not a coordinate number.", value=raw)
                    )
            numbers.append((x, y) if x is not None and y is not None else None)
        mercator = [
            i
            for i, (row, xy) in enumerate(zip(rows, numbers, strict=True))
            if xy is not None and row.crs == WEB_MERCATOR
        ]
        if mercator:
            xs = np.array([numbers[i][0] for i in mercator])  # type: ignore[index]
            ys = np.array([numbers[i][1] for i in mercator])  # type: ignore[index]
            lons, lats = _FROM_MERCATOR.transform(xs, ys)
            for i, lon, lat in zip(mercator, lons, lats, strict=True):
                numbers[i] = (float(lon), float(lat))
        points: list[tuple[float, float] | None] = []
        for row, xy in zip(rows, numbers, strict=True):
            if xy is None or not all(math.isfinite(v) for v in xy):
                points.append(None)
                continue
            lon, lat = xy
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self.say(
                    row,
                    "geometry",
                    gettext(
                        "%(lat)s, %(lon)s is not a point on Earth (latitude -90…90, longitude "
                        "-180…180): are the coordinates swapped, or in another system?",
                        lat=row.y,
                        lon=row.x,
                    ),
                )
                points.append(None)
                continue
            points.append((round(lat, 6), round(lon, 6)))
        return points


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # a decimal comma (Russian spreadsheets)
    try:
        return float(text)
    except ValueError:
        return None


def _parse_date(value: Any) -> date | None:
    """An Almaty date from epoch milliseconds (number or digits) or an ISO / dd.mm.yyyy
    text; None when it is none of them."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return almaty_date(float(value)) if math.isfinite(value) else None
        text = str(value).strip()
        if _EPOCH.match(text):
            return almaty_date(float(text))
        if match := _ISO.match(text):
            if "T" in text or " " in text:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if moment.tzinfo is not None:  # a moment, not a local date: to Almaty
                    return almaty_date(moment.timestamp() * 1000)
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _DAY_FIRST.match(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
    except (ValueError, OverflowError, OSError):
        return None
    return None
