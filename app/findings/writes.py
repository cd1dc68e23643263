"""The sync's writes (new findings, changed findings, history rows, the yard's summary) as
driver SQL, with parameters made once.

A new yard opens ~20 findings and writes as many history rows in its submission's transaction.
Through SQLAlchemy's executemany each row's parameters went through its per-row handling
(``construct_params``, the datetime and JSON bind processors): ~10-15% of a busy server's CPU.
Here each statement's text is made once per dialect and set of columns, and each value is
converted by its column type's own bind processor, so the stored values are those SQLAlchemy
stores; a datetime or an empty JSON value is converted once per statement (the sync's clock is
in every row), not once a row. tests/findings/test_writes.py keeps the rows equal to
SQLAlchemy's on both databases.

On PostgreSQL every write of the sync goes in one round trip (``app.platform.pipeline``'s
``send_together``), the new findings with their "opened" history rows in one statement
(``insert_opened``), their ids read once the pipeline has run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, Table

from app.findings.models import Finding, FindingEvent, YardFindings
from app.platform.db import UTCDateTime, table_of
from app.platform.pipeline import Later, Read

FINDING = table_of(Finding)
EVENT = table_of(FindingEvent)
SUMMARY = table_of(YardFindings)
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_OWN = object()  # a value converted on its own, not remembered


class _Values:
    """Rows (mappings) of ``table`` as parameter lists in the order of ``columns``."""

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        self.columns = tuple(columns)
        self.get = itemgetter(*columns)
        types = [table.c[c].type.dialect_impl(dialect) for c in columns]
        processors = [t.bind_processor(dialect) for t in types]
        self.converted: list[tuple[int, Callable[[Any], Any], Callable[[Any], Any] | None]] = [
            (i, p, _key_of(t))
            for i, (p, t) in enumerate(zip(processors, types, strict=True))
            if p is not None
        ]
        quote = dialect.identifier_preparer.quote
        self.table = quote(table.name)
        self.names = [quote(c) for c in columns]
        self.mark = _MARKS[dialect.paramstyle]

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
        """Each row's values in column order, converted as the column types convert them."""
        get = self.get  # two columns or more: a tuple
        out = [list(get(row)) for row in rows]
        for i, process, key_of in self.converted:
            if key_of is None:
                for values in out:
                    values[i] = process(values[i])
                continue
            made: dict[Any, Any] = {}
            if key_of is _same:  # the hot case: datetimes, most of them the sync's clock
                for values in out:
                    value = values[i]
                    try:
                        values[i] = made[value]
                    except KeyError:
                        values[i] = made[value] = process(value)
                continue
            for values in out:
                value = values[i]
                key = key_of(value)
                if key is _OWN:
                    values[i] = process(value)
                elif key in made:
                    values[i] = made[key]
                else:
                    values[i] = made[key] = process(value)
        return out


def _key_of(type_: Any) -> Callable[[Any], Any] | None:
    """How a column's converted values are remembered within a statement, or None (converted
    each time: a risk differs in every row, and 0.0 == -0.0 would share one)."""
    if isinstance(type_, UTCDateTime):
        # Equal instants store the same: they are converted to UTC first.
        return _same
    if isinstance(type_, JSON):
        return _json_key
    return None


def _same(value: Any) -> Any:
    return value


def _json_key(value: Any) -> Any:
    # Only an empty list or dict is remembered (most rows' ``refused_by`` and ``details``):
    # equal JSON values may still serialise apart ({"n": 1} and {"n": True}).
    if not value and type(value) in (list, dict):
        return type(value)
    return _OWN


class _Insert(_Values):
    """``INSERT INTO table (columns) VALUES (...), (...) [RETURNING ...]``."""

    def __init__(
        self, table: Table, columns: Sequence[str], dialect: Dialect, returning: Sequence[str]
    ) -> None:
        # A column left out would get its Python-side default from SQLAlchemy, not from here.
        missing = [
            c.name
            for c in table.columns
            if c.default is not None and not c.primary_key and c.name not in columns
        ]
        if missing:
            raise ValueError(f"{table.name}: no value for {missing}")
        super().__init__(table, columns, dialect)
        quote = dialect.identifier_preparer.quote
        self.head = f"INSERT INTO {self.table} ({', '.join(self.names)}) VALUES "
        self.row = "(" + ", ".join([self.mark] * len(columns)) + ")"
        self.tail = f" RETURNING {', '.join(map(quote, returning))}" if returning else ""
        # As many rows a statement as the driver takes parameters (999 on an old SQLite).
        self.per_statement = max(1, dialect.insertmanyvalues_max_parameters // len(columns))

    def statement(self, rows: int) -> str:
        return self.head + ", ".join([self.row] * rows) + self.tail


@functools.cache
def _insert(
    table: Table, columns: tuple[str, ...], dialect: Dialect, returning: tuple[str, ...] = ()
) -> _Insert:
    return _Insert(table, columns, dialect, returning)


@functools.cache
def _update(columns: tuple[str, ...], dialect: Dialect) -> tuple[str, _Values]:
    """``UPDATE finding SET c = CASE WHEN ? THEN ? ELSE c END, ... WHERE id = ?``: a row
    sets the columns it has (each flag true) and keeps the others as they are, so the rows of
    any sets of columns go in one statement; its parameters: the columns' values, then id."""
    values = _Values(FINDING, (*columns, "id"), dialect)
    mark = values.mark
    sets = ", ".join(
        f"{name} = CASE WHEN {mark} THEN {mark} ELSE {name} END" for name in values.names[:-1]
    )
    return f"UPDATE {values.table} SET {sets} WHERE {values.names[-1]} = {mark}", values


@functools.cache
def _upsert(dialect: Dialect) -> tuple[str, _Values]:
    """The yard's summary row: INSERT ... ON CONFLICT (yard_id) DO UPDATE (both databases)."""
    columns = [c.name for c in SUMMARY.columns]
    insert = _Insert(SUMMARY, columns, dialect, ())
    sets = ", ".join(f"{name} = excluded.{name}" for name in insert.names if name != "yard_id")
    return f"{insert.statement(1)} ON CONFLICT (yard_id) DO UPDATE SET {sets}", insert


def insert_findings(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """INSERT new findings (every row with the same keys) of one yard; returns their ids by
    item (``(yard, item, kind)`` is unique, and the sync inserts one kind)."""
    if not rows:
        return {}
    insert = _insert(FINDING, tuple(rows[0]), connection.dialect, ("id", "item_id"))
    parameters = insert.parameters(rows)
    ids: dict[str, int] = {}
    step = insert.per_statement
    for start in range(0, len(parameters), step):
        page = parameters[start : start + step]
        flat = tuple(chain.from_iterable(page))
        for id_, item_id in connection.exec_driver_sql(insert.statement(len(page)), flat):
            ids[item_id] = id_
    return ids


# The columns of an "opened" history row that are the new finding's own.
_OPENED_OWN = ("finding_id", "body_id")


@functools.cache
def _insert_opened(
    columns: tuple[str, ...], rows: int, event_columns: tuple[str, ...], dialect: Dialect
) -> str:
    """PostgreSQL: ``rows`` new findings and an "opened" history row for each, in the order
    of their ids, in one statement; it returns the findings' ids and items."""
    insert = _insert(FINDING, columns, dialect, ("id", "item_id", "body_id"))
    quote = dialect.identifier_preparer.quote
    names = [quote(c) for c in (*_OPENED_OWN, *event_columns)]
    values = [
        f"CAST({insert.mark} AS {EVENT.c[c].type.compile(dialect=dialect)})" for c in event_columns
    ]
    return (
        f"WITH f AS ({insert.statement(rows)}), "
        f"e AS (INSERT INTO {quote(EVENT.name)} ({', '.join(names)}) "
        f"SELECT f.id, f.body_id, {', '.join(values)} FROM f ORDER BY f.id) "
        "SELECT id, item_id FROM f"
    )


def insert_opened(
    connection: Connection, rows: Sequence[Mapping[str, Any]], opened: Mapping[str, Any]
) -> list[Read]:
    """PostgreSQL, for ``send_together``: INSERT new findings of one yard (every row with the
    same keys) and each one's "opened" history row (``opened``: every column of it, the same
    for all, but ``finding_id`` and ``body_id``, the finding's own), in the order of
    ``rows``; the reads' rows: the findings' ``id`` and ``item_id``."""
    if not rows:
        return []
    columns = tuple(rows[0])
    insert = _insert(FINDING, columns, connection.dialect, ("id", "item_id", "body_id"))
    event_columns = tuple(c for c in opened if c not in _OPENED_OWN)
    # Converted as ``insert_events`` converts a history row (the own columns: placeholders).
    event = _insert(EVENT, (*_OPENED_OWN, *event_columns), connection.dialect)
    constants = event.parameters([{**dict.fromkeys(_OPENED_OWN), **opened}])[0][2:]
    parameters = insert.parameters(rows)
    reads = []
    step = insert.per_statement
    for start in range(0, len(parameters), step):
        page = parameters[start : start + step]
        statement = _insert_opened(columns, len(page), event_columns, connection.dialect)
        reads.append(Read(None, statement, (*chain.from_iterable(page), *constants)))
    return reads


def _run(connection: Connection, statement: str, parameters: Any, later: Later | None) -> None:
    if later is None:
        connection.exec_driver_sql(statement, parameters)
    else:
        later.append((statement, parameters))


def insert_events(
    connection: Connection, events: Sequence[Mapping[str, Any]], *, later: Later | None = None
) -> None:
    """INSERT history rows (every one with the same keys), one executemany (into ``later``
    for ``send_together``, when given)."""
    if not events:
        return
    insert = _insert(EVENT, tuple(events[0]), connection.dialect)
    parameters = [tuple(values) for values in insert.parameters(events)]
    _run(connection, insert.statement(1), parameters, later)


# SQLite rewrites the entries of every index with a column in an UPDATE's SET list, whether
# its value changes or not (PostgreSQL compares the values): there, rows that change
# different indexed columns go in statements of their own.
_INDEXED = frozenset(c.name for index in FINDING.indexes for c in index.columns) | frozenset(
    c.name for u in FINDING.constraints if hasattr(u, "columns") for c in u.columns
)


def update_findings(
    connection: Connection, rows: Sequence[Mapping[str, Any]], *, later: Later | None = None
) -> None:
    """UPDATE findings: each row its ``id`` and the columns it changes (rows may change
    different columns; a column a row lacks keeps its value), one executemany (on SQLite one
    per set of indexed columns changed); into ``later`` for ``send_together``, when given."""
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    sqlite = connection.dialect.name == "sqlite"
    for row in rows:
        key = tuple(sorted(c for c in row if c in _INDEXED)) if sqlite else ()
        groups.setdefault(key, []).append(row)
    for group in groups.values():
        columns = tuple(sorted({c for row in group for c in row if c != "id"}))
        statement, values = _update(columns, connection.dialect)
        # A column a row lacks: None in its place (never stored: its flag is false).
        filled = [{c: row.get(c) for c in values.columns} for row in group]
        parameters = []
        for row, converted in zip(group, values.parameters(filled), strict=True):
            flags = [c in row for c in columns]
            pairs = chain.from_iterable(zip(flags, converted[:-1], strict=True))
            parameters.append((*pairs, converted[-1]))
        _run(connection, statement, parameters, later)


def upsert_summary(connection: Connection, row: Mapping[str, Any]) -> None:
    """Store one yard's summary row (every column of ``yard_findings``)."""
    statement, insert = _upsert(connection.dialect)
    connection.exec_driver_sql(statement, tuple(insert.parameters([row])[0]))
