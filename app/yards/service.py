"""Finding, creating and keeping yards current."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Dialect, Update, bindparam, case, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.geo.distance import EARTH_RADIUS_M, bounding_box, haversine_m
from app.platform import deferred, pipeline
from app.platform.db import table_of
from app.yards.models import Yard


@dataclass(frozen=True)
class NearbyYard:
    yard: Yard
    distance_m: float


# Every submission runs these, so they are Core statements built once with bound
# parameters: SQLAlchemy then skips rebuilding and re-keying them per request.
_YARD = table_of(Yard)
_IN_BOX = select(_YARD).where(
    _YARD.c.lat.between(bindparam("min_lat"), bindparam("max_lat")),
    _YARD.c.lon.between(bindparam("min_lon"), bindparam("max_lon")),
)


def counting(yard_id: Any, at: Any) -> Update:
    """``UPDATE yard`` counting one more submission received ``at`` (expressions: bound
    parameters, or the columns of a CTE that stored it), returning the new count."""
    return (
        update(_YARD)
        .where(_YARD.c.id == yard_id)
        .values(
            submission_count=_YARD.c.submission_count + 1,
            last_submission_at=case(
                (_YARD.c.last_submission_at.is_(None), at),
                (_YARD.c.last_submission_at < at, at),
                else_=_YARD.c.last_submission_at,
            ),
        )
        .returning(_YARD.c.submission_count)
    )


_COUNT_SUBMISSION = counting(bindparam("yard_id"), bindparam("at"))
_INSERT_YARD = insert(_YARD).returning(_YARD.c.id)
_DEFAULTS = tuple((name, f) for name, f in Yard.model_fields.items() if name != "id")


def find_near(session: Session, *, lat: float, lon: float, radius_m: float) -> list[NearbyYard]:
    """Yards within ``radius_m`` of the point, nearest first."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
    # Core on the session's connection: the ORM's execution path (events, its own result
    # wrapping) is not needed for one prebuilt query.
    rows = (
        session.connection()
        .execute(
            _IN_BOX,
            {"min_lat": min_lat, "max_lat": max_lat, "min_lon": min_lon, "max_lon": max_lon},
        )
        .mappings()
    )
    return _nearest(rows, lat=lat, lon=lon, radius_m=radius_m)


def _nearest(
    rows: Iterable[Mapping[Any, Any]], *, lat: float, lon: float, radius_m: float
) -> list[NearbyYard]:
    """The yards of ``rows`` (the box's) within ``radius_m`` of the point, nearest first."""
    # The box's corners lie outside the circle: a yard is built only for the rows within it.
    near = ((haversine_m(lat, lon, row["lat"], row["lon"]), row) for row in rows)
    found = [NearbyYard(Yard.model_construct(**row), d) for d, row in near if d <= radius_m]
    return sorted(found, key=lambda n: (n.distance_m, n.yard.id))


# Letters written for one another in addresses: "ё" is often typed as "е".
_SAME_LETTER = {"е": "её", "ё": "её"}
SEARCH_TEXT_MAX = 100


def _caseless_pattern(text: str) -> str:
    """A regular expression matching ``text`` in any letter case, whitespace runs as one.

    SQLite's LIKE and lower() fold ASCII only, and PostgreSQL's ILIKE depends on the database's
    locale, so "абая" would miss "Абая" there. Explicit classes ("[Аа][Бб]...") work the same
    on both: PostgreSQL's ``~`` and SQLAlchemy's Python REGEXP for SQLite.
    """
    parts: list[str] = []
    for char in " ".join(text.split())[:SEARCH_TEXT_MAX]:
        if char == " ":
            parts.append(r"\s+")
            continue
        letters = _SAME_LETTER.get(char.lower(), char.lower())
        variants = {char} | {
            v for letter in letters for v in (letter, letter.upper()) if len(v) == 1
        }
        if len(variants) > 1:
            parts.append("[" + "".join(sorted(variants)) + "]")
        elif char.isalnum():
            parts.append(char)
        else:
            # A backslash makes any other character literal in both regex dialects.
            parts.append("\\" + char)
    return "".join(parts)


def search_by_public_name(session: Session, *, text: str, limit: int = 10) -> list[Yard]:
    """Yards whose public name (given by staff) contains ``text`` ignoring letter case, the
    most checked first. Never the typed address: it may come from an anonymous sender, and a
    search by it would let anyone probe what was typed."""
    pattern = _caseless_pattern(text)
    if not pattern:
        return []
    rows = session.execute(
        select(_YARD)
        .where(_YARD.c.public_name.regexp_match(pattern))
        .order_by(_YARD.c.submission_count.desc(), _YARD.c.id)
        .limit(limit)
    ).mappings()
    return [Yard.model_construct(**row) for row in rows]


def create_yard(
    session: Session,
    *,
    lat: float,
    lon: float,
    district_id: str,
    micro_district_id: str | None,
    address: str | None,
    synthetic: bool = False,
) -> Yard:
    """Store a new yard and return it with its id."""
    # Every column but the id, the model's defaults read from the model itself: a Core
    # statement built once, no model validated and dumped per yard.
    values: dict[str, Any] = {
        name: field.get_default(call_default_factory=True) for name, field in _DEFAULTS
    }
    values.update(
        lat=lat,
        lon=lon,
        address=address,
        micro_district_id=micro_district_id,
        district_id=district_id,
        synthetic=synthetic,
    )
    yard_id = session.connection().execute(_INSERT_YARD, values).scalar_one()
    return Yard.model_construct(id=yard_id, **values)


def set_public_name(session: Session, *, yard_id: int, name: str | None) -> None:
    """Set (or, with None, remove) the yard's public name; ``name`` is already checked
    (``app.yards.naming.clean_public_name``)."""
    session.execute(update(_YARD).where(_YARD.c.id == yard_id).values(public_name=name))


def record_submission(session: Session, *, yard_id: int, at: datetime) -> int:
    """Count a new submission on its yard, atomically (concurrent submissions both count);
    returns the yard's count with it (read under the row's lock: 1 means its first)."""
    connection = session.connection()
    [row] = pipeline.query(_COUNT_SUBMISSION, connection.dialect).run(
        connection, yard_id=yard_id, at=at
    )
    count: int = row["submission_count"]
    return count


# Placing a located submission reads "is there a yard within the match radius?" and, if not,
# inserts one. SQLite runs one writer at a time; PostgreSQL runs both readers at once, so two
# submissions for the same new yard would each create it. A transaction-scoped advisory lock
# on the grid cells around the point serialises exactly those placements.
_CELL_DEG = 0.005  # ~550 m of latitude, ~400 m of longitude in Almaty: many times the radius
_LOCK_NAMESPACE = 0x5AFE  # top 16 bits of the key: apart from any other advisory lock
_LOCK_CELLS = text(
    "SELECT pg_advisory_xact_lock(k) FROM "
    "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS cells"
)


def placement_lock_keys(*, lat: float, lon: float, radius_m: float) -> list[int]:
    """The advisory-lock keys of every grid cell the circle's bounding box touches, sorted.

    Two points within ``radius_m`` of each other always share a key: the cell holding each
    point is among the cells the other's box touches. Sorted, so two placements take their
    locks in the same order and cannot deadlock.
    """
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
    # The grid depends on the radius only, never on the point: both placements use one grid.
    cell = max(_CELL_DEG, 2 * (radius_m / EARTH_RADIUS_M) * 180 / math.pi)
    rows = range(math.floor(min_lat / cell), math.floor(max_lat / cell) + 1)
    cols = range(math.floor(min_lon / cell), math.floor(max_lon / cell) + 1)
    keys = set()
    for row in rows:
        for col in cols:
            key = (_LOCK_NAMESPACE << 48) | ((row & 0xFFFFFF) << 24) | (col & 0xFFFFFF)
            keys.add(key - (1 << 64) if key >= 1 << 63 else key)  # a signed bigint
    return sorted(keys)


def lock_placement(session: Session, *, lat: float, lon: float, radius_m: float) -> None:
    """Hold, until the transaction ends, the placement lock of the area around the point.

    Call it before looking for a nearby yard. PostgreSQL only: SQLite serialises writers.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = placement_lock_keys(lat=lat, lon=lon, radius_m=radius_m)
    session.execute(_LOCK_CELLS, {"keys": keys})


# PostgreSQL: the placement lock, then the yards in the box, as two statements of one simple
# query (one round trip). Not one statement: READ COMMITTED takes a statement's snapshot as
# it starts, so a read in the statement that waited for the lock would miss the yard its
# holder committed meanwhile (tests/yards/test_placement_race.py shows it); each statement of
# a simple query takes its own. Literals, as a query with parameters holds one statement:
# only integers and finite floats are written into it.
_LOCK_THEN_BOX = (
    "SELECT pg_advisory_xact_lock(k) FROM unnest(ARRAY[{keys}]::bigint[]) AS k ORDER BY k; "
    "SELECT {columns} FROM yard WHERE lat BETWEEN {0!r} AND {1!r} AND lon BETWEEN {2!r} AND {3!r}"
)


_YARD_COLUMNS = ", ".join(f'"{c.name}"' for c in _YARD.columns)


@functools.cache
def _processors(dialect: Dialect, type_codes: tuple[Any, ...]) -> list[tuple[int, Any]]:
    """The result processors of the yard's columns as the driver typed them (the dates)."""
    types = (c.type.dialect_impl(dialect) for c in _YARD.columns)
    found = (t.result_processor(dialect, code) for t, code in zip(types, type_codes, strict=True))
    return [(i, p) for i, p in enumerate(found) if p is not None]


def lock_and_find_near(
    session: Session, *, lat: float, lon: float, radius_m: float
) -> list[NearbyYard]:
    """``lock_placement`` then ``find_near``; on PostgreSQL in one round trip."""
    connection = session.connection()
    box = bounding_box(lat, lon, radius_m)
    if connection.dialect.name != "postgresql" or not all(map(math.isfinite, box)):
        lock_placement(session, lat=lat, lon=lon, radius_m=radius_m)
        return find_near(session, lat=lat, lon=lon, radius_m=radius_m)
    keys = ",".join(str(int(k)) for k in placement_lock_keys(lat=lat, lon=lon, radius_m=radius_m))
    sql = _LOCK_THEN_BOX.format(*(float(v) for v in box), keys=keys, columns=_YARD_COLUMNS)
    # What the writer kept for the next statement (BEGIN, SAVEPOINT sa_savepoint_N, RELEASE:
    # its own texts, nothing a client sent) goes first, in the same query.
    kept = deferred.take(connection)
    sql = "; ".join([*kept, sql])
    dbapi = connection.dialect.loaded_dbapi
    cursor: Any = connection.connection.cursor()  # the driver's: its own options below
    try:
        # Never prepared: a prepared statement holds one command (the driver would prepare a
        # text it has seen five times: the same place).
        cursor.execute(sql, prepare=False)
        for _ in range(len(kept) + 1):
            cursor.nextset()
        rows = [list(row) for row in cursor.fetchall()]
        codes = tuple(column.type_code for column in cursor.description)
    except dbapi.Error as exc:
        # As SQLAlchemy's own errors: a lock timeout is an OperationalError (503) there.
        raise DBAPIError.instance(
            sql, None, exc, dbapi.Error, hide_parameters=True, dialect=connection.dialect
        ) from exc
    finally:
        cursor.close()
    names = _YARD.columns.keys()
    processors = _processors(connection.dialect, codes) if rows else []
    for row in rows:
        for i, process in processors:
            row[i] = process(row[i])
    return _nearest(
        (dict(zip(names, row, strict=True)) for row in rows), lat=lat, lon=lon, radius_m=radius_m
    )
