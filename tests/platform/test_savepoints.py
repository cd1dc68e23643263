"""SQLite's savepoints as driver SQL (``app.platform.savepoints``): the texts SQLAlchemy
would send, nested savepoints undone and kept as before, and no statement compiled for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql import compiler

from app.platform.db import Database


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'savepoints.db'}")
    with db.write_session() as session:
        session.connection().exec_driver_sql("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        session.commit()
    return db


def _statements(engine: Engine) -> list[str]:
    sent: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _sent(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(statement)

    return sent


def _stored(db: Database) -> list[int]:
    with db.session() as session:
        return list(session.execute(text("SELECT n FROM t ORDER BY n")).scalars())


def test_a_rolled_back_savepoint_undoes_its_writes_and_keeps_the_rest(
    sqlite_db: Database,
) -> None:
    sent = _statements(sqlite_db.write_engine)
    with sqlite_db.write_session() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        outer = session.begin_nested()
        session.execute(text("INSERT INTO t VALUES (2)"))
        inner = session.begin_nested()
        session.execute(text("INSERT INTO t VALUES (3)"))
        inner.rollback()
        session.execute(text("INSERT INTO t VALUES (4)"))
        outer.commit()
        undone = session.begin_nested()
        session.execute(text("INSERT INTO t VALUES (5)"))
        undone.rollback()
        session.commit()
    assert _stored(sqlite_db) == [1, 2, 4]
    savepoint_texts = [s for s in sent if "SAVEPOINT" in s]
    assert savepoint_texts == [
        "SAVEPOINT sa_savepoint_1",
        "SAVEPOINT sa_savepoint_2",
        "ROLLBACK TO SAVEPOINT sa_savepoint_2",
        "RELEASE SAVEPOINT sa_savepoint_1",
        "SAVEPOINT sa_savepoint_3",
        "ROLLBACK TO SAVEPOINT sa_savepoint_3",
    ]


class _Capture:
    """A stand-in connection: what the dialect's savepoint methods would send, as text."""

    def __init__(self, dialect: object) -> None:
        self.dialect = dialect
        self.sent: list[str] = []

    def execute(self, clause: object) -> None:
        self.sent.append(str(clause.compile(dialect=self.dialect)))  # type: ignore[attr-defined]

    def exec_driver_sql(self, statement: str) -> None:
        self.sent.append(statement)


def test_the_texts_are_the_ones_sqlalchemy_compiles(sqlite_db: Database) -> None:
    dialect = sqlite_db.write_engine.dialect
    for name in ("sa_savepoint_1", "sa_savepoint_12"):
        # The class's own methods compile these clauses; the instance's send the same texts.
        compiled, sent = _Capture(dialect), _Capture(dialect)
        for method in ("do_savepoint", "do_release_savepoint", "do_rollback_to_savepoint"):
            getattr(DefaultDialect, method)(dialect, compiled, name)
            getattr(dialect, method)(sent, name)
        assert sent.sent == compiled.sent
        assert len(sent.sent) == 3


def test_no_statement_is_compiled_for_a_savepoint(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_db.write_session() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        compiled: list[str] = []
        original = compiler.SQLCompiler.__init__

        def counting(self: compiler.SQLCompiler, dialect: object, statement: object, **kw: object):  # type: ignore[no-untyped-def]
            compiled.append(type(statement).__name__)
            original(self, dialect, statement, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(compiler.SQLCompiler, "__init__", counting)
        savepoint = session.begin_nested()
        session.connection()
        savepoint.commit()
        savepoint = session.begin_nested()
        session.connection()
        savepoint.rollback()
        session.commit()
    assert compiled == []
