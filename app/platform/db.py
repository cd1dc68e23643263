"""The database engine, sessions and the column types shared by every table.

SQLite (WAL, foreign keys on) is the embedded default; PostgreSQL is production.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, Table, TypeDecorator, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import PoolProxiedConnection
from sqlmodel import Session, SQLModel, create_engine

from app.platform import deferred, savepoints

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


# The largest id an INTEGER key holds (PostgreSQL's int4). A bigger id from a URL or a form
# names no row; passed to the database it would be an error (a 500), not a "not found".
MAX_ROW_ID = 2**31 - 1


def parse_row_id(text: str) -> int | None:
    """A row id typed in a URL or form ("12"), or None when it cannot be one."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# When the current thread's write must give up (time.monotonic()), set while it holds the gate:
# the SQLite busy wait gets only what is left of the writer's whole wait, not a fresh timeout.
_write_deadline: ContextVar[float | None] = ContextVar("safeyard_write_deadline", default=None)


def _wait_left_ms(full_wait_ms: int) -> int:
    """What is left of this writer's wait (all of it outside a write session)."""
    deadline = _write_deadline.get()
    if deadline is None:
        return full_wait_ms
    return max(1, min(full_wait_ms, int((deadline - time.monotonic()) * 1000)))


def _begin_statements(
    info: dict[Any, Any], *, sqlite: bool, immediate: bool, full_wait_ms: int
) -> list[str]:
    """The statements that begin a transaction on a pooled connection (``info``: its pool
    record's, shared by its SQLAlchemy Connection and its raw DBAPI use).

    SQLite: BEGIN (IMMEDIATE for the writer), after a busy_timeout of the rest of the writer's
    wait, rounded down to a quarter second and set only when it changed: a writer that got its
    turn at once (the usual case) costs no extra statement. PostgreSQL: the rest of the wait
    as lock_timeout, only after a wait for the turn (a round trip): the usual write pays
    nothing (kept for the transaction's first statement: app.platform.deferred)."""
    left = _wait_left_ms(full_wait_ms)
    if not sqlite:
        return (
            [f"SET LOCAL lock_timeout = {left}"] if immediate and left < full_wait_ms - 100 else []
        )
    statements = []
    if immediate:
        left = max(1, left - left % 250)
        if info.get("busy_timeout_ms") != left:
            statements.append(f"PRAGMA busy_timeout={left}")
            info["busy_timeout_ms"] = left
    statements.append("BEGIN IMMEDIATE" if immediate else "BEGIN")
    return statements


def make_engine(
    database_url: str,
    *,
    immediate: bool = False,
    writer: bool = False,
    lock_timeout_s: float = 30.0,
    pool_size: int = 10,
    max_overflow: int = 10,
) -> Engine:
    """Create the engine; for SQLite make the folder and set WAL, foreign keys and a busy wait.

    ``lock_timeout_s``: how long a statement waits for a lock another connection or process
    holds (SQLite busy_timeout, PostgreSQL lock_timeout) before it fails, answered 503.

    ``immediate`` (SQLite only) starts every transaction with BEGIN IMMEDIATE: a writer takes
    the write lock up front and waits its turn (busy_timeout), instead of failing at once when
    it upgrades a read snapshot that another process has meanwhile written past.

    ``writer`` (PostgreSQL; implied by ``immediate``): a transaction begun by a writer that
    waited for its turn gets only the rest of its wait as lock_timeout.
    """
    full_wait_ms = int(lock_timeout_s * 1000)
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # No pre-ping: it costs a round trip per request; a dropped connection fails one
        # request (503, retried by the client) and the pool replaces it. hide_parameters: an
        # error's text (logged with a 500) never carries a resident's comment or coordinates.
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_recycle=1800,
            # Waiting for a pooled connection gives up with the lock wait (answered 503).
            pool_timeout=lock_timeout_s,
            hide_parameters=True,
            connect_args={"options": f"-c lock_timeout={full_wait_ms}"},
        )
        if writer:
            deferred.install(engine)  # its BEGIN and savepoints ride with the next statement

            @event.listens_for(engine, "begin")
            def _postgres_begin(connection: Any) -> None:
                for statement in _begin_statements(
                    connection.info, sqlite=False, immediate=True, full_wait_ms=full_wait_ms
                ):
                    deferred.keep(connection, statement)  # sent after the BEGIN, with it

        return engine
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": lock_timeout_s},
    )
    savepoints.install(engine)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        for statement in _begin_statements(
            connection.info, sqlite=True, immediate=immediate, full_wait_ms=full_wait_ms
        ):
            connection.exec_driver_sql(statement)

    return engine


class WriteGateTimeout(OperationalError):
    """A writer waited its whole lock timeout for its turn (or found too many waiting): the
    database is locked, as SQLite's own "database is locked" says; answered 503 Retry-After."""

    def __init__(self, reason: str) -> None:
        super().__init__("(waiting for the write lock)", None, TimeoutError(reason))


class WriteGate:
    """The writers of one process take turns: ``turns`` write at once (SQLite: one).

    A writer waits at most ``timeout_s`` for its turn, and at most ``max_waiting`` writers are
    in line at once (writing or waiting): each holds a thread of the pool, and reads and
    /healthz need threads too while another process holds a lock the writers wait for. Past
    either, WriteGateTimeout.
    """

    def __init__(self, *, timeout_s: float, max_waiting: int, turns: int = 1) -> None:
        self.timeout_s = timeout_s
        self.max_waiting = max_waiting
        # A Lock when one writes at a time: the cheapest wait there is.
        self._turn: threading.Lock | threading.BoundedSemaphore = (
            threading.Lock() if turns == 1 else threading.BoundedSemaphore(turns)
        )
        self._places = threading.BoundedSemaphore(max(max_waiting, turns))
        self._lines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    @contextlib.asynccontextmanager
    async def line(self) -> AsyncIterator[None]:
        """An async writer's place in line, awaited on the event loop: it holds no thread
        while it waits, so a burst (100 retries of one id at once) queues instead of being
        refused once ``max_waiting`` threads are taken. Past ``timeout_s``, WriteGateTimeout."""
        # One semaphore per loop: asyncio's are bound to the loop that first waits on them.
        loop = asyncio.get_running_loop()
        line = self._lines.get(loop)
        if line is None:
            line = self._lines.setdefault(loop, asyncio.Semaphore(self.max_waiting))
        try:
            await asyncio.wait_for(line.acquire(), timeout=self.timeout_s)
        except TimeoutError:
            raise WriteGateTimeout(f"no place in line within {self.timeout_s:g} s") from None
        try:
            yield
        finally:
            line.release()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout_s
        if not self._places.acquire(blocking=False):
            raise WriteGateTimeout(f"{self.max_waiting} writers are already in line")
        try:
            if not self._turn.acquire(timeout=self.timeout_s):
                raise WriteGateTimeout(f"no turn to write within {self.timeout_s:g} s")
            token = _write_deadline.set(deadline)
            try:
                yield
            finally:
                _write_deadline.reset(token)
                self._turn.release()
        finally:
            self._places.release()


# Write transactions of one worker on PostgreSQL at once (its write pool's size). Two cores
# commit no faster with more; the read pool (10 + 10) stays the readers'.
POSTGRES_WRITERS = 5


class Database:
    """The engines of one database: one for reads, one for writes.

    SQLite allows one writer. Threads racing for its lock fall into a busy-wait back-off with
    p99 above a second (PERF-FLOORS), so within a process writers queue on a gate, and across
    processes BEGIN IMMEDIATE makes them wait their turn; a writer's whole wait (gate and
    busy wait) ends at ``lock_timeout_s``. PostgreSQL: ``POSTGRES_WRITERS`` write at once, from
    a pool of their own, so writers stuck on a lock (lock_timeout) never take the connections
    reads need.
    """

    def __init__(
        self, database_url: str, *, lock_timeout_s: float = 30.0, max_waiting_writers: int = 32
    ) -> None:
        self.url = database_url
        self._full_wait_ms = int(lock_timeout_s * 1000)
        self.engine = make_engine(database_url, lock_timeout_s=lock_timeout_s)
        self._gate: WriteGate
        if is_sqlite(self.engine):
            self.write_engine = make_engine(
                database_url, immediate=True, lock_timeout_s=lock_timeout_s
            )
            self._gate = WriteGate(timeout_s=lock_timeout_s, max_waiting=max_waiting_writers)
        else:
            self.write_engine = make_engine(
                database_url,
                writer=True,
                lock_timeout_s=lock_timeout_s,
                pool_size=POSTGRES_WRITERS,
                max_overflow=0,
            )
            self._gate = WriteGate(
                timeout_s=lock_timeout_s, max_waiting=max_waiting_writers, turns=POSTGRES_WRITERS
            )

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def session(self) -> Session:
        # expire_on_commit=False: no re-read of every row after commit (half the insert cost).
        return Session(self.engine, expire_on_commit=False)

    def writer_line(self) -> contextlib.AbstractAsyncContextManager[None]:
        """For async endpoints: wait here (no thread held) before ``write_session`` in a
        thread, so the writers that reach the gate never outnumber its places."""
        return self._gate.line()

    @contextlib.contextmanager
    def write_dbapi(self) -> Iterator[PoolProxiedConnection]:
        """The driver's own connection (pooled) in one write transaction, in its turn at the
        gate and begun as the write engine begins one (SQLite: BEGIN IMMEDIATE, the rest of
        the writer's wait as busy_timeout; PostgreSQL: the rest of it as lock_timeout);
        committed on success, rolled back on error. For a hot path's few statements as driver
        SQL, without SQLAlchemy's execution layer (the caller converts types)."""
        with self._gate.turn():
            connection = self.write_engine.raw_connection()
            try:
                self._begin_dbapi(connection)
                yield connection
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                deferred.take(connection)  # ended here, not by SQLAlchemy: drop what is kept
                connection.close()

    def _begin_dbapi(self, connection: PoolProxiedConnection) -> None:
        # What the write engine's "begin" listener runs for one of its Connections.
        statements = _begin_statements(
            connection.info, sqlite=self.is_sqlite, immediate=True, full_wait_ms=self._full_wait_ms
        )
        cursor = connection.cursor()
        try:
            if not self.is_sqlite:
                # The driver is in autocommit mode (app.platform.deferred): one simple query.
                cast(Any, cursor).execute("; ".join(["BEGIN", *statements]), prepare=False)
                return
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()

    @contextlib.contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session for one write transaction: committed on success (before the caller
        answers), rolled back on error."""
        with self._gate.turn(), Session(self.write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    """A read session for one request."""
    # The application context (app/context.py) carries the process's one Database.
    with request.app.state.context.db.session() as session:
        yield session


async def get_database(request: Request) -> Database:
    # async: no worker thread for handing out an object.
    db: Database = request.app.state.context.db
    return db


SessionDep = Annotated[Session, Depends(get_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class, for hot paths that skip the ORM."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


@functools.cache
def insert_once_statement(table: Table, key: str, dialect: str) -> Any:
    """``INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id`` for ``table``, built once per
    table and dialect: the values travel as execution parameters, so SQLAlchemy neither
    rebuilds nor re-keys the statement per call (Core, not the ORM: a third of the cost)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c.id)
