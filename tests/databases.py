"""Empty databases for tests that need one of their own: a SQLite file, or a new PostgreSQL
database (dropped afterwards) when SAFEYARD_TEST_DATABASE_URL names a server."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

TEST_DATABASE_ENV = "SAFEYARD_TEST_DATABASE_URL"


@contextmanager
def empty_database(sqlite_file: Path, *, prefix: str) -> Iterator[str]:
    """The URL of a database with nothing in it: ``sqlite_file`` on SQLite, otherwise a new
    database named ``<prefix>_<random>`` on the test PostgreSQL server."""
    base = os.environ.get(TEST_DATABASE_ENV)
    if not base:
        yield f"sqlite:///{sqlite_file}"
        return
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
