"""``writes.send_together`` (PostgreSQL's pipeline of the sync's last writes): the statements
run in order, in the caller's transaction, and a failure arrives as SQLAlchemy's error and is
undone with the savepoint it happened in, leaving the transaction usable."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.findings import writes
from app.platform.db import Database


@pytest.fixture
def postgres(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's pipeline mode; SQLite runs the statements one by one")
    return db


class TestSendTogether:
    def test_the_statements_run_in_order_in_the_transaction(self, postgres: Database) -> None:
        with postgres.write_session() as session:
            connection = session.connection()
            connection.exec_driver_sql("CREATE TEMP TABLE t (n int PRIMARY KEY, m int)")
            writes.send_together(
                connection,
                [
                    ("INSERT INTO t (n, m) VALUES (%s, %s)", [(1, 1), (2, 2)]),
                    ("UPDATE t SET m = m + 10 WHERE n = %(n)s", {"n": 2}),
                    ("DELETE FROM t WHERE n = %s", (1,)),
                ],
            )
            rows = connection.exec_driver_sql("SELECT n, m FROM t").all()
            assert [tuple(r) for r in rows] == [(2, 12)]
            session.rollback()

    def test_a_failure_is_sqlalchemys_and_its_savepoint_undoes_it(self, postgres: Database) -> None:
        with postgres.write_session() as session:
            connection = session.connection()
            connection.exec_driver_sql("CREATE TEMP TABLE t (n int PRIMARY KEY)")
            savepoint = session.begin_nested()
            connection = session.connection()  # its SAVEPOINT goes first below (deferred)
            with pytest.raises(IntegrityError):
                writes.send_together(
                    connection,
                    [
                        ("INSERT INTO t (n) VALUES (%s)", [(1,)]),
                        ("INSERT INTO t (n) VALUES (%s)", (1,)),  # the key again
                        ("INSERT INTO t (n) VALUES (%s)", (3,)),
                    ],
                )
            savepoint.rollback()
            # The transaction goes on: what the savepoint held is gone, later writes stay.
            connection.exec_driver_sql("INSERT INTO t (n) VALUES (4)")
            assert connection.execute(text("SELECT array_agg(n) FROM t")).scalar_one() == [4]
            session.rollback()
