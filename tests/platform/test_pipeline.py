"""``pipeline.send_together`` (PostgreSQL's pipeline): the statements run in order, in the
caller's transaction, and a failure arrives as SQLAlchemy's error and is undone with the
savepoint it happened in, leaving the transaction usable; their %s / %(name)s marks become
PostgreSQL's own $n once per text, with a literal % kept, and a ``Query`` stores and reads
back what SQLAlchemy would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Uuid, insert, select, text
from sqlalchemy.exc import IntegrityError

from app.platform import deferred, pipeline
from app.platform.db import Database, UTCDateTime


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
            pipeline.send_together(
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
                pipeline.send_together(
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

    def test_a_failure_names_every_statement_sent(self, postgres: Database) -> None:
        with postgres.write_session() as session:
            connection = session.connection()
            connection.exec_driver_sql("CREATE TEMP TABLE t (n int PRIMARY KEY)")
            with pytest.raises(IntegrityError) as raised:
                pipeline.send_together(
                    connection,
                    [
                        ("SELECT 1 WHERE %s", (True,)),
                        ("INSERT INTO t (n) VALUES (%s)", [(1,), (1,)]),
                    ],
                )
            assert "SELECT 1" in str(raised.value) and "INSERT INTO t" in str(raised.value)
            session.rollback()


class TestMarks:
    def test_names_numbers_and_a_literal_percent(self) -> None:
        numbered, names = pipeline._marks("SELECT %(a)s, %s, '50%%', %(a)s")
        assert numbered == "SELECT $1, $2, '50%', $3"
        assert names == ("a", None, "a")

    def test_each_text_is_converted_once(self) -> None:
        text_ = f"SELECT %s -- {uuid.uuid4()}"
        pipeline._marks.cache_clear()
        pipeline._numbered(text_, (1,))
        pipeline._numbered(text_, (2,))
        assert pipeline._marks.cache_info().misses == 1

    def test_many_parameters_and_literal_percents(self, postgres: Database) -> None:
        # More than psycopg's own cursor keeps converted (50 parameters, 4 KB).
        values = list(range(300))
        marks = ", ".join(f"%(v{i})s::int" for i in values)
        read = pipeline.Read(None, f"SELECT '100%%' AS p, ARRAY[{marks}] AS a", {})
        read.parameters = {f"v{i}": i for i in values}
        with postgres.write_session() as session:
            connection = session.connection()
            pipeline.send_together(connection, [read])
            session.rollback()
        assert read.rows == [{"p": "100%", "a": values}]

    def test_a_kept_write_with_a_percent_in_its_values_is_sent_as_it_is(
        self, postgres: Database
    ) -> None:
        with postgres.write_session() as session:
            connection = session.connection()
            connection.exec_driver_sql("CREATE TEMP TABLE t (n int, s text)")
            deferred.keep_write(
                connection, "INSERT INTO t (n, s) VALUES (%s, %s)", (1, "%s %(x)s 50%% $1")
            )
            pipeline.send_together(connection, [("UPDATE t SET n = n + %s", (1,))])
            assert connection.exec_driver_sql("SELECT n, s FROM t").all() == [
                (2, "%s %(x)s 50%% $1")
            ]
            session.rollback()


_ROWS = Table(
    "pipeline_rows",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("at", UTCDateTime),
    Column("doc", JSON),
    Column("name", String),
    Column("n", Integer),
)


class TestQuery:
    def test_stores_and_reads_back_what_sqlalchemy_does(self, postgres: Database) -> None:
        row = {
            "id": uuid.uuid4(),
            "at": datetime(2026, 12, 7, 11, 30, tzinfo=timezone(timedelta(hours=5))),
            "doc": {"атауы": "Қауіпсіз аула", "x": [0.1 + 0.2, -0.0]},
            "name": "50% O'Neil; DROP TABLE x --",
            "n": 7,
        }
        with postgres.write_session() as session:
            connection = session.connection()
            _ROWS.create(connection)
            stored = insert(_ROWS).returning(*_ROWS.c)
            read = pipeline.query(stored, connection.dialect).read(**row)
            pipeline.send_together(connection, [read])
            by_sqlalchemy = connection.execute(select(_ROWS)).mappings().one()
            session.rollback()
        assert read.rows == [dict(by_sqlalchemy)]
        assert read.rows[0]["at"] == row["at"].astimezone(UTC)
        assert read.rows[0]["doc"] == row["doc"] and read.rows[0]["name"] == row["name"]
