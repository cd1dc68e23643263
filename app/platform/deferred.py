"""PostgreSQL writers: BEGIN, SAVEPOINT and RELEASE ride with the next statement instead of a
round trip each.

The write engine's driver connections are in autocommit mode, so the driver never sends a
BEGIN of its own (psycopg sends one, and waits for it, before a transaction's first
statement, even in pipeline mode); the dialect keeps BEGIN, SAVEPOINT and RELEASE SAVEPOINT
on the connection (its pool record's ``info``) instead of sending them, and the next
statement sends them first, in the driver's pipeline mode with itself: one round trip. COMMIT
and ROLLBACK go by the server's transaction status (psycopg sends them only in a
transaction, autocommit or not) and drop what is still kept (COMMIT releases every
savepoint; a SAVEPOINT nothing followed holds nothing); so does a RELEASE or ROLLBACK TO of a
savepoint not sent yet. Statements the driver runs outside SQLAlchemy send what is kept
first themselves (``take``); ``Database.write_dbapi`` begins its transaction itself.

Only statements whose results SQLAlchemy reads after the pipeline has ended run in it (the
driver knows a result's columns once it has it), so every SQLAlchemy statement may.

A write whose result nobody reads may be kept too (``keep_write``: its parameters bound into
its text by the driver, so every taker sends it as it sends the rest). It goes with the next
statement, or with the COMMIT; a RELEASE never drops it, a ROLLBACK (TO) does, as the
database would. ``send_writes`` sends it at once, so its failure is its caller's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import expression

_KEPT = "safeyard.deferred_statements"
_INSTALLED = "safeyard_deferred"


class _Write(str):
    """A kept statement that writes, its parameters bound into its text."""


def keep(connection: Connection, statement: str) -> None:
    """Send ``statement`` (no parameters) with ``connection``'s next one."""
    connection.info.setdefault(_KEPT, []).append(statement)


def keeps_writes(connection: Connection) -> bool:
    """Whether ``connection``'s engine keeps statements (PostgreSQL's write engine)."""
    return bool(getattr(connection.dialect, _INSTALLED, False))


def keep_write(connection: Connection, statement: str, parameters: Any) -> None:
    """Send the write ``statement`` (driver SQL, its ``parameters`` bound into it by the
    driver) with ``connection``'s next statement, or its COMMIT; only where
    ``keeps_writes``."""
    import psycopg  # PostgreSQL only

    driver: Any = connection.connection.driver_connection
    text = psycopg.ClientCursor(driver).mogrify(statement, parameters)
    connection.info.setdefault(_KEPT, []).append(_Write(text))


def send_writes(connection: Connection) -> None:
    """Send what is kept now, in one round trip, when a write is among it: a failure is then
    the caller's, not the next statement's."""
    kept: list[str] | None = connection.info.get(_KEPT)
    if kept and any(isinstance(statement, _Write) for statement in kept):
        connection.exec_driver_sql("; ".join(take(connection)))


def take(connection: Connection | PoolProxiedConnection) -> list[str]:
    """The statements kept for ``connection`` (none on SQLite or a reader), taken: a caller
    that runs statements through the driver itself sends them first, in order (or drops
    them when it has ended the transaction itself)."""
    kept: list[str] | None = connection.info.pop(_KEPT, None)
    return kept or []


def _kept(proxied: Any) -> list[str] | None:
    """What is kept for a pooled connection (or a SQLAlchemy Connection), taken."""
    try:
        info = proxied.info
    except NotImplementedError:  # the dialect's first look at a new connection: no pool entry
        return None
    kept: list[str] | None = info.pop(_KEPT, None)
    return kept


def _drop_from(kept: list[str] | None, savepoint: str, *, undo: bool) -> bool:
    """Drop the kept SAVEPOINT ``savepoint`` and what was kept after it (inside it); False
    when it was sent already, or (``undo`` False: a RELEASE) when a write was kept inside it,
    which the release keeps."""
    if not kept:
        return False
    statement = f"SAVEPOINT {savepoint}"
    if statement not in kept:
        return False
    start = kept.index(statement)
    if not undo and any(isinstance(s, _Write) for s in kept[start:]):
        return False
    del kept[start:]
    return True


def install(engine: Engine) -> None:
    """Keep ``engine``'s (PostgreSQL, psycopg) BEGIN and savepoints for its next statement."""
    import psycopg  # PostgreSQL only

    idle = psycopg.pq.TransactionStatus.IDLE

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.autocommit = True

    dialect: Any = engine.dialect
    execute, execute_no_params = dialect.do_execute, dialect.do_execute_no_params
    executemany = dialect.do_executemany
    commit, rollback = dialect.do_commit, dialect.do_rollback
    preparer = dialect.identifier_preparer

    def quote(name: str) -> str:
        return str(preparer.format_savepoint(None, name))

    def kept_of(context: Any) -> list[str] | None:
        return None if context is None else _kept(context.root_connection)

    def in_pipeline(cursor: Any, kept: list[str]) -> bool:
        if isinstance(cursor, psycopg.ServerCursor):  # no pipeline for a named cursor
            with cursor.connection.cursor() as own:
                own.execute("; ".join(kept), prepare=False)
            return False
        return True

    def send(cursor: Any, kept: list[str], run: Any) -> None:
        driver = cursor.connection
        # The pipeline ends (its one sync, every result read) before the cursors close.
        with driver.cursor() as own, driver.pipeline():
            for statement in kept:
                own.execute(statement)
            run()

    def sent_with_kept(cursor: Any, context: Any, run: Any) -> bool:
        """``run`` (the statement) sent after what is kept, in one pipeline; False when
        nothing is kept (or it was sent alone first): the dialect's own method runs it."""
        kept = kept_of(context)
        if kept and in_pipeline(cursor, kept):
            send(cursor, kept, run)
            return True
        return False

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if not sent_with_kept(cursor, context, lambda: cursor.execute(statement, parameters)):
            execute(cursor, statement, parameters, context)

    def do_execute_no_params(cursor: Any, statement: str, context: Any = None) -> None:
        if not sent_with_kept(cursor, context, lambda: cursor.execute(statement)):
            execute_no_params(cursor, statement, context)

    def do_executemany(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if not sent_with_kept(cursor, context, lambda: cursor.executemany(statement, parameters)):
            executemany(cursor, statement, parameters, context)

    def do_begin(dbapi_connection: Any) -> None:
        # First: a "begin" listener's statements (lock_timeout) are kept before this runs. Not
        # when the driver is in a transaction already (a Connection made on write_dbapi's).
        if dbapi_connection.driver_connection.info.transaction_status == idle:
            dbapi_connection.info.setdefault(_KEPT, []).insert(0, "BEGIN")

    def do_savepoint(connection: Connection, name: str) -> None:
        connection.info.setdefault(_KEPT, []).append(f"SAVEPOINT {quote(name)}")

    def do_release_savepoint(connection: Connection, name: str) -> None:
        kept = connection.info.get(_KEPT)
        if not _drop_from(kept, quote(name), undo=False):
            connection.info.setdefault(_KEPT, []).append(f"RELEASE SAVEPOINT {quote(name)}")

    def do_rollback_to_savepoint(connection: Connection, name: str) -> None:
        # What is kept came after the savepoint (they nest): undone by the ROLLBACK TO.
        kept = connection.info.pop(_KEPT, None)
        if not _drop_from(kept, quote(name), undo=True):
            connection.execute(expression.RollbackToSavepointClause(name))
        elif kept:
            connection.info[_KEPT] = kept

    def do_commit(dbapi_connection: Any) -> None:
        kept = _kept(dbapi_connection)
        if kept and any(isinstance(statement, _Write) for statement in kept):
            # A write is kept: it goes before the COMMIT (one simple query).
            with dbapi_connection.driver_connection.cursor() as cursor:
                cursor.execute("; ".join(kept), prepare=False)
        commit(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        _kept(dbapi_connection)
        rollback(dbapi_connection)

    setattr(dialect, _INSTALLED, True)
    for function in (
        do_begin,
        do_execute,
        do_execute_no_params,
        do_executemany,
        do_savepoint,
        do_release_savepoint,
        do_rollback_to_savepoint,
        do_commit,
        do_rollback,
    ):
        setattr(dialect, function.__name__, function)
