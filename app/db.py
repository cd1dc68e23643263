"""The database engine, sessions and the column types shared by every table.

SQLite (WAL, foreign keys on) is the embedded default; PostgreSQL is production.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, Table, TypeDecorator, event
from sqlalchemy.engine import Dialect, make_url
from sqlmodel import Session, SQLModel, create_engine

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


def make_engine(
    database_url: str, *, immediate: bool = False, lock_timeout_s: float = 30.0
) -> Engine:
    """Create the engine; for SQLite make the folder and set WAL, foreign keys and a busy wait.

    ``lock_timeout_s``: how long a statement waits for a lock another connection or process
    holds (SQLite busy_timeout, PostgreSQL lock_timeout) before it fails, answered 503.

    ``immediate`` (SQLite only) starts every transaction with BEGIN IMMEDIATE: a writer takes
    the write lock up front and waits its turn (busy_timeout), instead of failing at once when
    it upgrades a read snapshot that another process has meanwhile written past.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # No pre-ping: it costs a round trip per request; a dropped connection fails one
        # request (503, retried by the client) and the pool replaces it.
        return create_engine(
            url,
            pool_size=10,
            max_overflow=10,
            pool_recycle=1800,
            connect_args={"options": f"-c lock_timeout={int(lock_timeout_s * 1000)}"},
        )
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": lock_timeout_s}
    )

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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """The engines of one database: one for reads, one for writes.

    SQLite allows one writer. Threads racing for its lock fall into a busy-wait back-off with
    p99 above a second (PERF-FLOORS), so within a process writers queue on a lock, and across
    processes BEGIN IMMEDIATE makes them wait their turn. PostgreSQL needs neither.
    """

    def __init__(self, database_url: str, *, lock_timeout_s: float = 30.0) -> None:
        self.url = database_url
        self.engine = make_engine(database_url, lock_timeout_s=lock_timeout_s)
        if is_sqlite(self.engine):
            self.write_engine = make_engine(
                database_url, immediate=True, lock_timeout_s=lock_timeout_s
            )
            self._gate: contextlib.AbstractContextManager[Any] = threading.Lock()
        else:
            self.write_engine = self.engine
            self._gate = contextlib.nullcontext()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def session(self) -> Session:
        # expire_on_commit=False: no re-read of every row after commit (half the insert cost).
        return Session(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session for one write transaction: committed on success (before the caller
        answers), rolled back on error."""
        with self._gate, Session(self.write_engine, expire_on_commit=False) as session:
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
    with request.app.state.db.session() as session:
        yield session


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


SessionDep = Annotated[Session, Depends(get_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class, for hot paths that skip the ORM."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]
