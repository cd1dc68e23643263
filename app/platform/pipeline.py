"""SQLAlchemy statements as the driver's SQL, and PostgreSQL's pipeline that sends several in
one round trip.

A ``Query`` is a Core statement compiled once per dialect: its text, its parameters converted
by their types' bind processors (the dates, JSON, booleans: the values SQLAlchemy would send)
and, for a statement that returns rows, its rows converted by the columns' result processors
(what SQLAlchemy would give). ``send_together`` sends statements in the driver's pipeline
mode, in order, in one round trip: none waits for the one before, so a statement may not need
the rows of an earlier one; a ``Read``'s rows are taken once all have run. The intake reads
what a submission needs this way (app/intake/service.py) and the findings sync writes so
(app/findings/writes.py); tests/platform/test_pipeline.py keeps the values equal to
SQLAlchemy's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from app.platform import deferred


class Read:
    """A statement sent with others by ``send_together`` whose rows are wanted: ``rows``
    (mappings by column name, converted as SQLAlchemy converts them) once it has run."""

    def __init__(self, query: Query | None, statement: str, parameters: Any) -> None:
        self.query = query  # None: the driver's values as they come
        self.statement = statement
        self.parameters = parameters
        self.rows: list[dict[str, Any]] = []

    def take(self, rows: Sequence[Sequence[Any]], description: Sequence[Any]) -> None:
        if self.query is not None:
            self.rows = self.query.rows(rows, tuple(c.type_code for c in description))
        else:
            names = [c.name for c in description]
            self.rows = [dict(zip(names, row, strict=True)) for row in rows]


# Statements for ``send_together``: a text and its parameters (a list: executemany), whose
# result nobody reads, or a ``Read``.
Later = list["tuple[str, Any] | Read"]


class Query:
    """A SQLAlchemy statement as driver SQL for one dialect, compiled once; its parameters
    converted by their bind processors, its rows by its columns' result processors (as
    SQLAlchemy does, for the driver's column types)."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        self.defaults = dict(compiled.params)
        self.dialect = dialect
        # Private to SQLAlchemy, but the only place the compiled converters are kept; the
        # tests compare the stored values with SQLAlchemy's own.
        self._binders: dict[str, Any] = dict(compiled._bind_processors)
        # A positional dialect's (SQLite's) parameters in the order of their marks.
        self.positions = tuple(compiled.positiontup) if compiled.positiontup else None
        columns = getattr(statement, "exported_columns", ())
        self.names = [c.key for c in columns]
        self.types = [c.type.dialect_impl(dialect) for c in columns]
        self._processors: dict[tuple[Any, ...], list[tuple[int, Any]]] = {}

    def bound(self, **parameters: Any) -> tuple[str, dict[str, Any]]:
        """The text and its parameters as the driver takes them."""
        values = {**self.defaults, **parameters}
        for name, convert in self._binders.items():
            if name in values:
                values[name] = convert(values[name])
        return self.sql, values

    def read(self, **parameters: Any) -> Read:
        return Read(self, *self.bound(**parameters))

    def run(self, connection: Connection, **parameters: Any) -> list[dict[str, Any]]:
        """Run it now on ``connection`` (as driver SQL, through SQLAlchemy's connection: its
        events and the writer's kept statements), its rows as ``rows`` gives them. For a
        statement every submission runs: SQLAlchemy's handling of a compiled statement (its
        cache key, parameters and result) cost more than a small statement itself."""
        sql, values = self.bound(**parameters)
        sent = tuple(values[name] for name in self.positions) if self.positions else values
        result = connection.exec_driver_sql(sql, sent)
        if not result.returns_rows:
            return []
        codes = tuple(c[1] for c in result.cursor.description)
        return self.rows(result.fetchall(), codes)

    def rows(self, rows: Sequence[Sequence[Any]], codes: tuple[Any, ...]) -> list[dict[str, Any]]:
        processors = self._processors.get(codes)
        if processors is None:
            found = (
                t.result_processor(self.dialect, c) for t, c in zip(self.types, codes, strict=True)
            )
            processors = self._processors[codes] = [
                (i, p) for i, p in enumerate(found) if p is not None
            ]
        names = self.names
        out = []
        for row in rows:
            values = list(row)
            for i, process in processors:
                values[i] = process(values[i])
            out.append(dict(zip(names, values, strict=True)))
        return out


@functools.cache
def query(statement: Any, dialect: Dialect) -> Query:
    """``statement`` (built once, at import) as a ``Query`` for ``dialect``."""
    return Query(statement, dialect)


def send_together(connection: Connection, statements: Sequence[tuple[str, Any] | Read]) -> None:
    """PostgreSQL: ``statements`` in the driver's pipeline mode, in order, in one round trip
    (none waits for the one before: a ``Read``'s rows are taken once all have run). A
    failure aborts the rest and the transaction, as any failed statement does there; it
    arrives as SQLAlchemy's error (the class ``exec_driver_sql`` would raise, naming every
    statement sent)."""
    import psycopg  # PostgreSQL only

    dbapi = connection.dialect.loaded_dbapi
    driver: Any = connection.connection.driver_connection
    # What the writer kept for the next statement (BEGIN, SAVEPOINT, RELEASE) goes first.
    kept: list[tuple[str, Any] | Read] = [(s, None) for s in deferred.take(connection)]
    statements = kept + list(statements)
    try:
        with ExitStack() as cursors:
            cursor = cursors.enter_context(psycopg.RawCursor(driver))
            reads: list[tuple[Read, Any]] = []
            # The pipeline ends (its one sync, every result in) before any cursor is read.
            with driver.pipeline():
                for item in statements:
                    if isinstance(item, Read):
                        own = cursors.enter_context(psycopg.RawCursor(driver))
                        own.execute(*_numbered(item.statement, item.parameters))
                        reads.append((item, own))
                    elif isinstance(item[1], list):
                        text, names = _marks(item[0])
                        cursor.executemany(text, [_in_order(names, p) for p in item[1]])
                    else:
                        cursor.execute(*_numbered(*item))
            for read, own in reads:
                read.take(own.fetchall(), own.description)
    except dbapi.Error as exc:
        # The driver does not say which statement failed: the error names them all.
        texts = [s.statement if isinstance(s, Read) else s[0] for s in statements]
        raise DBAPIError.instance(
            "; ".join(texts),
            None,
            exc,
            dbapi.Error,
            hide_parameters=True,
            dialect=connection.dialect,
        ) from exc


# psycopg's own cursor finds the %s / %(name)s marks of a text at every execute when it has
# more than 50 parameters or 4 KB (it keeps only smaller ones): a sync's multi-row INSERT
# cost ~2 ms of CPU a submission so. Its RawCursor takes PostgreSQL's $n marks as they are;
# each text is converted once here.
_MARK = re.compile(r"%\((\w+)\)s|%s|%%")


@functools.lru_cache(maxsize=1024)
def _marks(text: str) -> tuple[str, tuple[str | None, ...]]:
    """``text`` with $1, $2... for its marks, and the parameter name of each (None: %s)."""
    names: list[str | None] = []

    def numbered(mark: re.Match[str]) -> str:
        if mark.group(0) == "%%":
            return "%"
        names.append(mark.group(1))
        return f"${len(names)}"

    return _MARK.sub(numbered, text), tuple(names)


def _in_order(names: tuple[str | None, ...], parameters: Any) -> Any:
    if isinstance(parameters, Mapping):
        return [parameters[name] for name in names]
    return parameters


def _numbered(text: str, parameters: Any) -> tuple[str, Any]:
    """A statement for the RawCursor; one without parameters is sent as it is (a write kept
    with its values bound into it may hold a literal %)."""
    if parameters is None:
        return text, None
    numbered, names = _marks(text)
    return numbered, _in_order(names, parameters)
