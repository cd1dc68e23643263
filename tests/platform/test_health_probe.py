"""The /healthz database probe (app/platform/health.py): answered on the event loop with a
connection of its own, even when every worker thread is taken; anything unusual asked through
the pool as before, so an unreachable database is still 503."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from anyio import to_thread
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.platform.db import Database
from app.platform.health import APPLICATION_NAME, DatabaseProbe
from tests.loops import run_in_own_loop
from tests.reliability.support import TcpProxy

T = TypeVar("T")
WAIT_S = 3.0


def run(step: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await step()

    return run_in_own_loop(main())


async def without_threads(probe: DatabaseProbe) -> bool:
    """``probe.answers()`` while the loop's worker threads are all taken: a question sent to
    a thread would wait for ever (here: until WAIT_S, then TimeoutError)."""
    limiter = to_thread.current_default_thread_limiter()
    limiter.total_tokens = 1
    holder = object()
    await limiter.acquire_on_behalf_of(holder)
    try:
        return await asyncio.wait_for(probe.answers(), WAIT_S)
    finally:
        limiter.release_on_behalf_of(holder)


async def with_threads_taken(probe: DatabaseProbe) -> None:
    """Asserts that a question through the pool would wait (the test's premise)."""
    limiter = to_thread.current_default_thread_limiter()
    limiter.total_tokens = 1
    holder = object()
    await limiter.acquire_on_behalf_of(holder)
    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(to_thread.run_sync(time.sleep, 0), 0.3)
    finally:
        limiter.release_on_behalf_of(holder)


def probe_of(database: Database) -> DatabaseProbe:
    # A name of its own: the suite's other apps keep probe connections to the same database.
    name = f"{APPLICATION_NAME}-{uuid.uuid4().hex[:12]}"
    return DatabaseProbe(database.url, engine=database.engine, application_name=name)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


class TestSqlite:
    @pytest.fixture
    def database(self, tmp_path: Path) -> Iterator[Database]:
        database = Database(f"sqlite:///{tmp_path / 'probe.db'}")
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        yield database
        database.dispose()

    def test_answers_on_the_loop_when_every_thread_is_taken(self, database: Database) -> None:
        probe = probe_of(database)

        async def both() -> bool:
            await with_threads_taken(probe)
            try:
                return await without_threads(probe)
            finally:
                await probe.close()

        assert run(both) is True

    def test_a_writer_holding_the_lock_elsewhere_does_not_stop_it(self, database: Database) -> None:
        holder = sqlite3.connect(make_url(database.url).database or "", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            holder.execute("INSERT INTO t VALUES (1)")
            probe = probe_of(database)
            assert run(lambda: without_threads(probe)) is True
            run(probe.close)
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    def test_a_file_gone_is_asked_through_the_pool_and_never_created(self, tmp_path: Path) -> None:
        path = tmp_path / "gone.db"
        probe = DatabaseProbe(f"sqlite:///{path}", engine=create_engine("sqlite://"))
        assert run(probe.answers) is True  # the pool's (in-memory) engine answered
        assert not path.exists()

    def test_an_in_memory_database_is_asked_through_the_pool(self) -> None:
        engine = create_engine("sqlite://")
        probe = DatabaseProbe("sqlite://", engine=engine)
        assert run(probe.answers) is True
        engine.dispose()
        broken = create_engine("sqlite:////nonexistent-dir/x.db")
        assert run(DatabaseProbe("sqlite://", engine=broken).answers) is False


def postgres_url(database_url: str) -> str:
    if is_sqlite(database_url):
        pytest.skip("runs with SAFEYARD_TEST_DATABASE_URL (PostgreSQL)")
    return database_url


def probe_connections(url: str, name: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE application_name = :name AND datname = current_database()"
                    ),
                    {"name": name},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def eventually(expected: int, url: str, name: str) -> int:
    """The probe's connections once PostgreSQL has seen a closed one go (within 5 s)."""
    deadline = time.monotonic() + 5
    while (count := probe_connections(url, name)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


@contextmanager
def proxied(url: str) -> Iterator[tuple[TcpProxy, str]]:
    parsed = make_url(url)
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    proxy.open()
    try:
        yield (
            proxy,
            parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
        )
    finally:
        proxy.cut()


class TestPostgresql:
    def test_answers_on_the_loop_with_one_connection_of_its_own(self, database_url: str) -> None:
        url = postgres_url(database_url)
        with proxied(url) as (_proxy, through):
            database = Database(through)
            probe = probe_of(database)

            async def twice_then_close() -> tuple[bool, bool, int]:
                await with_threads_taken(probe)
                first = await without_threads(probe)
                second = await without_threads(probe)
                listed = await asyncio.to_thread(probe_connections, url, probe.application_name)
                await probe.close()
                return first, second, listed

            try:
                assert run(twice_then_close) == (True, True, 1)
                assert eventually(0, url, probe.application_name) == 0
            finally:
                database.dispose()

    def test_unreachable_is_false_and_found_again_when_back(self, database_url: str) -> None:
        url = postgres_url(database_url)
        with proxied(url) as (proxy, through):
            database = Database(through)
            probe = probe_of(database)
            try:
                assert run(probe.answers) is True
                proxy.cut()
                # Its own connection broken, and the pool's: both ways fail.
                assert run(probe.answers) is False
                proxy.open()
                assert run(probe.answers) is True
            finally:
                run(probe.close)
                database.dispose()

    def test_a_new_event_loop_gets_a_new_connection_and_the_old_one_goes(
        self, database_url: str
    ) -> None:
        url = postgres_url(database_url)
        database = Database(url)
        probe = probe_of(database)
        try:
            assert run(probe.answers) is True
            assert run(probe.answers) is True  # another loop (run_in_own_loop)
            assert eventually(1, url, probe.application_name) == 1
        finally:
            run(probe.close)
            database.dispose()
        assert eventually(0, url, probe.application_name) == 0
