"""Backing up and restoring the database, while the service runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot page
by page while writers carry on (a plain file copy of a WAL database can miss committed pages
still in the -wal file); the copy is checked with ``PRAGMA integrity_check`` before it is moved
into place, so a backup file that exists is a good one.

PostgreSQL: ``pg_dump -Fc`` (custom format: compressed, restorable table by table) in one
snapshot; ``pg_restore --clean --single-transaction`` puts it back all or nothing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool


class BackupError(Exception):
    """The backup or restore did not happen; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    backend: str  # "sqlite" or "postgresql"
    schema_revision: str | None  # the Alembic revision the copy is at


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def default_name(backend: str) -> str:
    """``safeyard-20261122T040000Z.sqlite3`` or ``.dump``: sorts by time."""
    return f"safeyard-{_stamp()}.{'sqlite3' if backend == 'sqlite' else 'dump'}"


def _target(dest: Path, backend: str) -> Path:
    # An existing folder gets a time-stamped file inside (for a nightly job).
    if dest.is_dir():
        return dest / default_name(backend)
    if dest.exists():
        raise BackupError(f"{dest} exists; name a new file or a folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


def backup(database_url: str, dest: Path) -> BackupResult:
    """Write a verified backup of the database to ``dest`` (a new file, or an existing
    folder)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _backup_sqlite(url, _target(dest, backend))
    if backend == "postgresql":
        return _backup_postgresql(url, _target(dest, backend))
    raise BackupError(f"no backup for {backend} databases")


def restore(database_url: str, src: Path) -> BackupResult:
    """Replace the database's content with the backup at ``src`` (checked first).

    Stop the service (or every app server) first: a running one keeps cached areas and open
    transactions of the old content.
    """
    if not src.is_file():
        raise BackupError(f"no backup file at {src}")
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _restore_sqlite(url, src)
    if backend == "postgresql":
        return _restore_postgresql(url, src)
    raise BackupError(f"no restore for {backend} databases")


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(url.database)


def _check_sqlite(path: Path) -> str | None:
    """Raise unless the file is a sound SQLite database; return its Alembic revision."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be opened: {exc}") from exc
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchall()
        if verdict != [("ok",)]:
            raise BackupError(f"{path} is damaged: {verdict[:3]}")
        return _sqlite_revision(connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a sound SQLite database: {exc}") from exc
    finally:
        connection.close()


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def _copy_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        # Page by page, letting writers in between steps; the copy is one consistent snapshot.
        src.backup(dst, pages=1024)
        # One self-contained file: the copy would otherwise inherit WAL mode and its side files.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _backup_sqlite(url: URL, target: Path) -> BackupResult:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"no database file at {source}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy_sqlite(source, partial)
        revision = _check_sqlite(partial)
        partial.replace(target)  # only a verified copy gets the final name
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, "sqlite", revision)


def _restore_sqlite(url: URL, src: Path) -> BackupResult:
    revision = _check_sqlite(src)
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Through the backup API into the live file, not a file copy: it takes the database's
    # locks and leaves no stale -wal pages from the old content behind.
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)
        verdict = destination.execute("PRAGMA integrity_check").fetchall()
    finally:
        destination.close()
        source.close()
    if verdict != [("ok",)]:  # pragma: no cover - the source was checked just before
        raise BackupError(f"the restored database is damaged: {verdict[:3]}")
    return BackupResult(target, target.stat().st_size, "sqlite", revision)


# --- PostgreSQL ---------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it (a
    password on the command line would show in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client (Debian: "
            f"postgresql-client, the same major version as the server)"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[:2000]}")
    return done.stdout


def _pg_revision(url: URL) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _backup_postgresql(url: URL, target: Path) -> BackupResult:
    uri, env = _libpq(url)
    partial = target.with_name(target.name + ".partial")
    try:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", uri], env)
        # A dump pg_restore can read back is a complete one.
        _run([_tool("pg_restore"), "--list", str(partial)], env)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, "postgresql", _pg_revision(url))


def _restore_postgresql(url: URL, src: Path) -> BackupResult:
    uri, env = _libpq(url)
    _run([_tool("pg_restore"), "--list", str(src)], env)  # refuse a file that is no dump
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(src),
        ],
        env,
    )
    return BackupResult(src, src.stat().st_size, "postgresql", _pg_revision(url))
