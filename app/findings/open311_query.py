"""The query of an Open311 GeoReport v2 ``GET requests`` call, read from the raw query string.

Every value a client can send is checked here, so a bad one is a ``400`` in the spec's error
format (``BadQuery``) and never reaches the database: dates in W3C form, ``open``/``closed``,
known service codes, whole-number ids, a point and radius, a page. Unknown parameters
(``jurisdiction_id``, ``api_key``, ``extensions``) are ignored, as GeoReport clients send them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.findings.public import ALMATY
from app.platform.db import MAX_ROW_ID
from app.platform.errors import AppError

# The spec: "at most 1000 requests", "a range of at most 90 days, the last 90 by default".
MAX_PAGE_SIZE = 1000
WINDOW_DAYS = 90
MAX_PAGE = 100_000
MAX_IDS = MAX_PAGE_SIZE
DEFAULT_RADIUS_M = 1000.0
MAX_RADIUS_M = 20_000.0
STATUSES = ("open", "closed")
_ECHO = 40  # characters of a bad value repeated in an error
# "+05:00" sent unencoded arrives as " 05:00".
_LOST_PLUS = re.compile(r" (\d\d(:?\d\d)?)$")


class BadQuery(AppError):
    """A parameter the client can correct; answered 400 in the spec's error format."""

    status_code = 400
    code = "bad_request"


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class RequestQuery:
    """What ``GET requests`` asks for. ``ids`` set: the other filters do not apply (the spec:
    ``service_request_id`` "overrides all other arguments"); the page still does."""

    ids: tuple[int, ...] | None = None
    service_codes: tuple[str, ...] = ()
    statuses: frozenset[str] = frozenset(STATUSES)
    start: datetime | None = None
    end: datetime | None = None
    near: Near | None = None
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


def _echo(value: str) -> str:
    shown = "".join(c if c.isprintable() else "?" for c in value[:_ECHO])
    return f"'{shown}'" + ("…" if len(value) > _ECHO else "")


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    """A parameter's values, "declared multiple times, comma delimited" (the spec)."""
    return [v.strip() for raw in params.get(name, ()) for v in raw.split(",") if v.strip()]


def _one(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = [v.strip() for v in params.get(name, ()) if v.strip()]
    if len(values) > 1:
        raise BadQuery(f"{name} was given {len(values)} times; give it once.")
    return values[0] if values else None


def parse_w3c(name: str, text: str) -> datetime:
    """A W3C datetime (``2026-12-01T00:00:00Z``, ``2026-12-01T05:00:00+05:00``) or a date
    (midnight in Almaty), as an aware UTC datetime. No zone: Almaty time."""
    cleaned = _LOST_PLUS.sub(r"+\1", text)
    try:
        moment = datetime.fromisoformat(cleaned)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ALMATY)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise BadQuery(
            f"{name} {_echo(text)} is not a W3C datetime; write it like 2026-12-01T00:00:00Z "
            "or 2026-12-01T05:00:00+05:00."
        ) from exc


def _window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    span = timedelta(days=WINDOW_DAYS)
    try:
        if start is None and end is None:
            return now - span, now
        if start is None:
            assert end is not None
            return end - span, end
        if end is None:
            return start, start + span
    except OverflowError as exc:
        raise BadQuery("start_date or end_date is out of range (years 1 to 9999).") from exc
    if start > end:
        raise BadQuery("start_date is after end_date; swap them.")
    if end - start > span:
        raise BadQuery(
            f"start_date to end_date spans more than {WINDOW_DAYS} days (the spec's limit); "
            "ask for the range in windows of at most 90 days."
        )
    return start, end


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadQuery(f"{name} {_echo(text)} is not a number.")
    return value


def _near(params: Mapping[str, Sequence[str]]) -> Near | None:
    lat_text, lon_text = _one(params, "lat"), _one(params, "long")
    radius_text = _one(params, "radius")
    if lat_text is None and lon_text is None:
        if radius_text is not None:
            raise BadQuery("radius needs lat and long (the centre, in degrees).")
        return None
    if lat_text is None or lon_text is None:
        raise BadQuery("lat and long go together: give both, in degrees (WGS84).")
    lat, lon = _number("lat", lat_text), _number("long", lon_text)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadQuery("lat must be within -90..90 and long within -180..180 (degrees).")
    radius = DEFAULT_RADIUS_M if radius_text is None else _number("radius", radius_text)
    if not 0 < radius <= MAX_RADIUS_M:
        raise BadQuery(f"radius is in metres, more than 0 and at most {MAX_RADIUS_M:.0f}.")
    return Near(lat, lon, radius)


def _whole(name: str, text: str | None, *, default: int, low: int, high: int) -> int:
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        raise BadQuery(f"{name} must be a whole number from {low} to {high}.")
    return int(text)


def _ids(texts: list[str]) -> tuple[int, ...]:
    if len(texts) > MAX_IDS:
        raise BadQuery(f"At most {MAX_IDS} service_request_id values at once.")
    ids = []
    for text in texts:
        if not (text.isascii() and text.isdigit()):
            raise BadQuery(f"service_request_id {_echo(text)} is not a whole number.")
        # A number no row can have (beyond the INTEGER key) names no request.
        if len(text) <= 10 and 1 <= int(text) <= MAX_ROW_ID:
            ids.append(int(text))
    return tuple(dict.fromkeys(ids))


def parse_request_query(
    params: Mapping[str, Sequence[str]], *, service_codes: Collection[str], now: datetime
) -> RequestQuery:
    """The query of ``GET requests`` from its parameters (each name to its values).
    ``service_codes``: the codes that exist (every checklist version's item ids).
    Raises ``BadQuery`` naming the parameter and how to write it."""
    page = _whole("page", _one(params, "page"), default=1, low=1, high=MAX_PAGE)
    page_size = _whole(
        "page_size",
        _one(params, "page_size"),
        default=MAX_PAGE_SIZE,
        low=1,
        high=MAX_PAGE_SIZE,
    )
    id_texts = _values(params, "service_request_id")
    if id_texts:
        return RequestQuery(ids=_ids(id_texts), page=page, page_size=page_size)
    codes = tuple(dict.fromkeys(_values(params, "service_code")))
    unknown = [c for c in codes if c not in service_codes]
    if unknown:
        raise BadQuery(
            f"Unknown service_code {_echo(unknown[0])}; the codes are listed by services.xml."
        )
    statuses = _values(params, "status")
    wrong = [s for s in statuses if s not in STATUSES]
    if wrong:
        raise BadQuery(f"status {_echo(wrong[0])} is neither open nor closed.")
    start_text, end_text = _one(params, "start_date"), _one(params, "end_date")
    start, end = _window(
        parse_w3c("start_date", start_text) if start_text else None,
        parse_w3c("end_date", end_text) if end_text else None,
        now,
    )
    return RequestQuery(
        ids=None,
        service_codes=codes,
        statuses=frozenset(statuses or STATUSES),
        start=start,
        end=end,
        near=_near(params),
        page=page,
        page_size=page_size,
    )
