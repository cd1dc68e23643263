"""SQLite savepoints sent as driver SQL.

SQLAlchemy compiles a new clause for every SAVEPOINT and RELEASE (each savepoint's name is
new, so the compiled form never comes from its cache): with one savepoint per submission,
that compiling was ~5% of the intake's CPU. The texts sent are the ones SQLAlchemy would
send; they still go through ``exec_driver_sql``, so its events and error wrapping stay.
(PostgreSQL's writer keeps its savepoints for the next statement: ``app.platform.deferred``.)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine


def install(engine: Engine) -> None:
    """Savepoints of ``engine`` (SQLite) as driver SQL."""
    dialect: Any = engine.dialect

    @lru_cache(maxsize=256)  # SQLAlchemy names them sa_savepoint_1, _2, ... per connection
    def quoted(name: str) -> str:
        return str(dialect.identifier_preparer.format_savepoint(None, name))

    def do_savepoint(connection: Connection, name: str) -> None:
        connection.exec_driver_sql(f"SAVEPOINT {quoted(name)}")

    def do_release_savepoint(connection: Connection, name: str) -> None:
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {quoted(name)}")

    def do_rollback_to_savepoint(connection: Connection, name: str) -> None:
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {quoted(name)}")

    dialect.do_savepoint = do_savepoint
    dialect.do_release_savepoint = do_release_savepoint
    dialect.do_rollback_to_savepoint = do_rollback_to_savepoint
