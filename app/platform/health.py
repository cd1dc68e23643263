"""Is the database answering? Asked on the event loop, with a connection of the probe's own.

``/healthz`` asked through the read pool in a worker thread. Under saturated ingest that
thread waits for the GIL behind the group-commit writer, and the loop then waits for the
thread: p99 24-51 ms where the loop alone answers in 11-21 ms (docs/PERFORMANCE.md). A load
balancer reading that as a sick worker takes a busy one out of service, and a worker whose
threads and read connections are all taken could not answer at all. Here the usual case never
leaves the loop:

- SQLite: the database header (``PRAGMA schema_version``) read through a connection of the
  probe's own, never waiting on a lock (a local file; in WAL, readers never wait for the
  writer);
- PostgreSQL: ``SELECT 1`` on an asyncio connection of the probe's own, within a timeout.

Anything else (an in-memory database, a missing file, a busy lock, a broken connection, a
timeout) asks as before, through the pool in a worker thread, so an unreachable database is
still found by the same code and answered 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from urllib.parse import quote

import psycopg
from anyio import to_thread
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

# The probe's connection as PostgreSQL lists it (pg_stat_activity.application_name).
APPLICATION_NAME = "safeyard-health"
_POSTGRES_TIMEOUT_S = 2.0


class _Postgres:
    """The asyncio connection of one event loop (a connection serves the loop it was made
    on; a test client may run a new loop for each request)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lock = asyncio.Lock()
        self.connection: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    def drop(self) -> None:
        """Close the socket without the event loop (it may be another's, or gone)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.pgconn.finish()


class DatabaseProbe:
    """Answers ``await probe.answers()``: True when the database answers a query."""

    def __init__(
        self, database_url: str, *, engine: Engine, application_name: str = APPLICATION_NAME
    ) -> None:
        self.engine = engine  # the read engine: the way through the pool
        self.application_name = application_name
        url = make_url(database_url)
        self._sqlite_uri: str | None = None
        self._conninfo: str | None = None
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
                # mode=rw: never create the file when it is missing.
                path = quote(str(Path(url.database).absolute()))
                self._sqlite_uri = f"file:{path}?mode=rw"
        elif url.get_backend_name() == "postgresql":
            self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._sqlite: sqlite3.Connection | None = None
        self._postgres: _Postgres | None = None

    async def answers(self) -> bool:
        """Whether the database answers: on the loop when it can, else through the pool."""
        if self._sqlite_uri is not None and self._read_header():
            return True
        if self._conninfo is not None and await self._select_one():
            return True
        return await to_thread.run_sync(self._through_pool)

    def _read_header(self) -> bool:
        assert self._sqlite_uri is not None
        try:
            if self._sqlite is None:
                # timeout=0: a lock held elsewhere sends the question to the pool, never
                # makes the loop wait. check_same_thread: a test client's loop may move.
                self._sqlite = sqlite3.connect(
                    self._sqlite_uri,
                    uri=True,
                    timeout=0,
                    isolation_level=None,
                    check_same_thread=False,
                )
            self._sqlite.execute("PRAGMA schema_version").fetchall()
            return True
        except sqlite3.Error:
            self._close_sqlite()
            return False

    async def _select_one(self) -> bool:
        assert self._conninfo is not None
        loop = asyncio.get_running_loop()
        state = self._postgres
        if state is None or state.loop is not loop:
            if state is not None:
                state.drop()
            state = self._postgres = _Postgres(loop)
        async with state.lock:
            try:
                async with asyncio.timeout(_POSTGRES_TIMEOUT_S):
                    if state.connection is None or state.connection.closed:
                        state.drop()
                        state.connection = await psycopg.AsyncConnection.connect(
                            self._conninfo, autocommit=True, application_name=self.application_name
                        )
                    await state.connection.execute("SELECT 1")
                return True
            except (psycopg.Error, OSError, TimeoutError):
                state.drop()
                return False

    def _through_pool(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def _close_sqlite(self) -> None:
        connection, self._sqlite = self._sqlite, None
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    async def close(self) -> None:
        """Close the probe's own connections (the application's shutdown)."""
        self._close_sqlite()
        state, self._postgres = self._postgres, None
        if state is None or state.connection is None:
            return
        if state.loop is asyncio.get_running_loop():
            with contextlib.suppress(psycopg.Error, OSError):
                await state.connection.close()
        state.drop()
