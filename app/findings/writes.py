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
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, Table
from sqlalchemy.exc import DBAPIError

from app.findings.models import Finding, FindingEvent, YardFindings
from app.platform import deferred
from app.platform.db import UTCDateTime, table_of

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
    """``UPDATE finding SET (columns) WHERE id = ?``; its parameters: the columns, then id."""
    values = _Values(FINDING, (*columns, "id"), dialect)
    sets = ", ".join(f"{name} = {values.mark}" for name in values.names[:-1])
    return f"UPDATE {values.table} SET {sets} WHERE {values.names[-1]} = {values.mark}", values


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


# A statement whose result nobody reads: its text, and its parameters (a list: executemany).
Later = list[tuple[str, Any]]


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


def update_findings(
    connection: Connection,
    columns: tuple[str, ...],
    rows: Sequence[Mapping[str, Any]],
    *,
    later: Later | None = None,
) -> None:
    """UPDATE ``columns`` of findings, one executemany; each row has them and the ``id``
    (into ``later`` for ``send_together``, when given)."""
    statement, values = _update(columns, connection.dialect)
    _run(connection, statement, [tuple(v) for v in values.parameters(rows)], later)


def send_together(connection: Connection, statements: Later) -> None:
    """PostgreSQL: ``statements`` in the driver's pipeline mode, in order, in one round trip
    (none of their results is read, so none waits for the one before). A failure aborts the
    rest and the transaction, as any failed statement does there; it arrives as
    SQLAlchemy's error, as from ``exec_driver_sql``."""
    dbapi = connection.dialect.loaded_dbapi
    driver: Any = connection.connection.driver_connection
    # What the writer kept for the next statement (BEGIN, SAVEPOINT, RELEASE) goes first.
    statements = [(statement, None) for statement in deferred.take(connection)] + statements
    try:
        # The pipeline ends (its one sync) before the cursor closes.
        with driver.cursor() as cursor, driver.pipeline():
            for statement, parameters in statements:
                if isinstance(parameters, list):
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters)
    except dbapi.Error as exc:
        raise DBAPIError.instance(
            statements[0][0],
            None,
            exc,
            dbapi.Error,
            hide_parameters=True,
            dialect=connection.dialect,
        ) from exc


def upsert_summary(connection: Connection, row: Mapping[str, Any]) -> None:
    """Store one yard's summary row (every column of ``yard_findings``)."""
    statement, insert = _upsert(connection.dialect)
    connection.exec_driver_sql(statement, tuple(insert.parameters([row])[0]))
