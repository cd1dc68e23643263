"""PostgreSQL writers keep BEGIN, SAVEPOINT and RELEASE for the next statement
(``app.platform.deferred``): nothing reaches the server before a transaction's first
statement, and transactions, savepoints, errors and the writer's lock_timeout behave as if
each had been sent on its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from app.platform import deferred
from app.platform.db import Database


@pytest.fixture
def table(db: Database) -> Iterator[str]:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's writer only: SQLite sends its BEGIN itself")
    name = f"deferred_probe_{uuid.uuid4().hex[:12]}"
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE TABLE {name} (n int PRIMARY KEY)")
    yield name
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"DROP TABLE {name}")


def stored(db: Database, table: str) -> list[int]:
    with db.engine.connect() as connection:
        return list(connection.exec_driver_sql(f"SELECT n FROM {table} ORDER BY n").scalars())


def status(session: Any) -> Any:
    return session.connection().connection.driver_connection.info.transaction_status


class TestDeferredStatements:
    def test_nothing_is_sent_before_the_first_statement(self, db: Database, table: str) -> None:
        import psycopg

        with db.write_session() as session:
            session.connection()
            savepoint = session.begin_nested()
            # Neither the BEGIN nor the SAVEPOINT was sent: no round trip of their own.
            assert status(session) == psycopg.pq.TransactionStatus.IDLE
            session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            assert status(session) == psycopg.pq.TransactionStatus.INTRANS
            savepoint.rollback()  # the SAVEPOINT went first: the row is undone
            session.execute(text(f"INSERT INTO {table} (n) VALUES (2)"))
        assert stored(db, table) == [2]

    def test_a_savepoint_undoes_only_itself(self, db: Database, table: str) -> None:
        with db.write_session() as session:
            session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            undone = session.begin_nested()
            session.execute(text(f"INSERT INTO {table} (n) VALUES (2)"))
            undone.rollback()
            session.begin_nested().commit()  # nothing in it: nothing sent
            session.begin_nested().rollback()
            kept = session.begin_nested()
            session.execute(text(f"INSERT INTO {table} (n) VALUES (3)"))
            kept.commit()  # its RELEASE rides with the next statement
            inner = session.begin_nested()
            session.execute(text(f"INSERT INTO {table} (n) VALUES (4)"))
            inner.rollback()
        assert stored(db, table) == [1, 3]

    def test_an_error_is_sqlalchemys_and_undone_with_its_savepoint(
        self, db: Database, table: str
    ) -> None:
        with db.write_session() as session:
            session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            savepoint = session.begin_nested()
            with pytest.raises(IntegrityError):
                session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            savepoint.rollback()
            session.execute(text(f"INSERT INTO {table} (n) VALUES (2)"))
        assert stored(db, table) == [1, 2]

    def test_a_failed_write_stores_nothing(self, db: Database, table: str) -> None:
        with pytest.raises(RuntimeError), db.write_session() as session:
            session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            raise RuntimeError("after the write")
        with pytest.raises(RuntimeError), db.write_dbapi() as dbapi:
            cursor = dbapi.cursor()
            cursor.execute(f"INSERT INTO {table} (n) VALUES (2)")
            cursor.close()
            raise RuntimeError("after the write")
        with db.write_dbapi() as dbapi:
            cursor = dbapi.cursor()
            cursor.execute(f"INSERT INTO {table} (n) VALUES (3)")
            cursor.close()
        assert stored(db, table) == [3]

    def test_a_kept_setting_is_local_to_the_transaction(self, db: Database, table: str) -> None:
        # What the writer's "begin" listener keeps (the rest of its wait as lock_timeout) runs
        # after the BEGIN, inside the transaction, and ends with it.
        with db.write_session() as session:
            connection = session.connection()
            deferred.keep(connection, "SET LOCAL lock_timeout = 1234")
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "1234ms"
        with db.write_session() as session:
            assert session.connection().exec_driver_sql("SHOW lock_timeout").scalar() != "1234ms"

    def test_what_a_raw_transaction_left_kept_is_dropped(self, db: Database, table: str) -> None:
        # The Telegram store's shape: a SQLAlchemy Connection on write_dbapi's connection,
        # whose savepoint's RELEASE is kept when write_dbapi commits through the driver.
        with db.write_dbapi() as dbapi:
            connection = Connection(db.write_engine, connection=dbapi, _has_events=False)
            connection.begin()
            savepoint = connection.begin_nested()
            connection.exec_driver_sql(f"INSERT INTO {table} (n) VALUES (1)")
            savepoint.commit()
        for n in (2, 3, 4, 5, 6):  # the pool's connections, the one above among them
            with db.write_session() as session:
                session.execute(text(f"INSERT INTO {table} (n) VALUES ({n})"))
        assert stored(db, table) == [1, 2, 3, 4, 5, 6]


def keep_insert(session: Any, table: str, n: int) -> None:
    connection = session.connection()
    assert deferred.keeps_writes(connection)
    deferred.keep_write(connection, f"INSERT INTO {table} (n) VALUES (%(n)s)", {"n": n})


class TestKeptWrites:
    """A write whose result nobody reads rides with the next statement or the COMMIT."""

    def test_a_kept_write_is_sent_with_the_commit(self, db: Database, table: str) -> None:
        with db.write_session() as session:
            session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            keep_insert(session, table, 2)
        assert stored(db, table) == [1, 2]

    def test_the_next_statement_reads_it(self, db: Database, table: str) -> None:
        with db.write_session() as session:
            keep_insert(session, table, 7)  # with the BEGIN, still kept
            seen = session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            assert seen == 1
        assert stored(db, table) == [7]

    def test_a_release_keeps_it_and_a_rollback_undoes_it(self, db: Database, table: str) -> None:
        with db.write_session() as session:
            session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            released = session.begin_nested()  # kept: nothing sent inside it but the write
            keep_insert(session, table, 2)
            released.commit()
            undone = session.begin_nested()
            keep_insert(session, table, 3)
            undone.rollback()
            sent = session.begin_nested()
            keep_insert(session, table, 4)
            deferred.send_writes(session.connection())
            sent.rollback()
        assert stored(db, table) == [1, 2]

    def test_a_failed_kept_write_fails_where_it_is_sent(self, db: Database, table: str) -> None:
        with db.write_session() as session:
            session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            savepoint = session.begin_nested()
            keep_insert(session, table, 1)  # a duplicate key
            with pytest.raises(IntegrityError):
                deferred.send_writes(session.connection())
            savepoint.rollback()
            keep_insert(session, table, 5)
        assert stored(db, table) == [1, 5]

    def test_a_rolled_back_transaction_sends_nothing(self, db: Database, table: str) -> None:
        with pytest.raises(RuntimeError), db.write_session() as session:
            session.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
            keep_insert(session, table, 2)
            raise RuntimeError("undo")
        assert stored(db, table) == []

    def test_values_are_bound_by_the_driver(self, db: Database, table: str) -> None:
        # The text is made by the driver's client-side binding: a hostile string is a value.
        with db.write_session() as session:
            session.execute(text(f"ALTER TABLE {table} ADD COLUMN note text"))
            note = "x'); DROP TABLE yard; --"
            deferred.keep_write(
                session.connection(),
                f"INSERT INTO {table} (n, note) VALUES (%(n)s, %(note)s)",
                {"n": 9, "note": note},
            )
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql(f"SELECT note FROM {table}").scalar_one() == note

    def test_a_transaction_of_kept_writes_alone_commits_them(
        self, db: Database, table: str
    ) -> None:
        # Nothing reaches the server before the COMMIT: the BEGIN goes with the write.
        with db.write_session() as session:
            session.connection()
            keep_insert(session, table, 3)
        assert stored(db, table) == [3]
