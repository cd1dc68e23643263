"""Backing up and restoring the database, while the service runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot page
by page while writers carry on (a plain file copy of a WAL database can miss committed pages
still in the -wal file); the copy is checked with ``PRAGMA integrity_check`` before it is moved
into place, so a backup file that exists is a good one.

PostgreSQL: ``pg_dump -Fc`` (custom format: compressed, restorable table by table) in one
snapshot; ``pg_restore --clean --single-transaction`` puts it back all or nothing.

Every backup gets a manifest beside it (``app.platform.backup.manifest``); a restore checks the file
against it (SHA-256, size, row counts, schema revision) before anything is replaced.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from app.platform.backup import manifest as manifests
from app.platform.backup import postgres
from app.platform.backup.errors import BackupError

__all__ = ["BackupError", "BackupResult", "backup", "restore", "verify"]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    backend: str  # "sqlite" or "postgresql"
    schema_revision: str | None  # the Alembic revision the copy is at
    manifest: manifests.Manifest | None = None  # None: restored without one (--no-manifest)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def default_name(backend: str) -> str:
    """``safeyard-20261122T040000Z.sqlite3`` or ``.dump``: sorts by time."""
    return f"safeyard-{_stamp()}.{'sqlite3' if backend == 'sqlite' else 'dump'}"


def _target(dest: Path, backend: str) -> Path:
    # An existing folder gets a time-stamped file inside (for a nightly job).
    if dest.is_dir():
        return dest / default_name(backend)
    if dest.exists() or manifests.path_of(dest).exists():
        raise BackupError(f"{dest} or its manifest exists; name a new file or a folder")
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


def verify(
    database_url: str, src: Path, *, require_manifest: bool = True
) -> tuple[manifests.Manifest | None, str | None]:
    """Check a backup without touching the database: its bytes against the manifest beside it
    (size, SHA-256), then the rows and schema revision read out of the file. Returns the
    manifest (None when there is none and ``require_manifest`` is off) and the file's schema
    revision; raises BackupError on any disagreement."""
    if not src.is_file():
        raise BackupError(f"no backup file at {src}")
    backend = make_url(database_url).get_backend_name()
    if backend not in manifests.FILE_FORMATS:
        raise BackupError(f"no restore for {backend} databases")
    manifest = manifests.read(src)
    if manifest is None and require_manifest:
        raise BackupError(
            f"no manifest beside {src} ({manifests.path_of(src).name}), so a changed byte "
            "could not be detected. Use the manifest made with the backup; only for a backup "
            "made before manifests existed, run again with --no-manifest"
        )
    if manifest is not None:
        manifests.check_file(manifest, src, backend=backend)
    if backend == "sqlite":
        revision = _check_sqlite(src)
        tables = _sqlite_counts(src)
    else:
        tables, revision = postgres.dump_contents(src)
    if manifest is not None:
        manifests.check_content(manifest, src, tables=tables, schema_revision=revision)
    return manifest, revision


def restore(database_url: str, src: Path, *, require_manifest: bool = True) -> BackupResult:
    """Replace the database's content with the backup at ``src``, checked first by ``verify``:
    a refused backup replaces nothing.

    Stop the service (or every app server) first: a running one keeps cached areas and open
    transactions of the old content.
    """
    manifest, revision = verify(database_url, src, require_manifest=require_manifest)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        done = _restore_sqlite(url, src, revision)
    else:
        postgres.restore(url, src)
        done = BackupResult(src, src.stat().st_size, "postgresql", _pg_revision(url))
    return BackupResult(done.path, done.size_bytes, done.backend, done.schema_revision, manifest)


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


def _sqlite_counts(path: Path) -> dict[str, int]:
    """Rows of every table of a SQLite file (opened read-only)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            str(row[0])
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in names
        }
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    finally:
        connection.close()


def _finish(partial: Path, target: Path, described: manifests.Manifest) -> None:
    """Move a verified copy to its name, then write its manifest beside it."""
    partial.replace(target)
    try:
        manifests.write(described, manifests.path_of(target))
    except BaseException:
        target.unlink(missing_ok=True)  # no backup without its manifest
        raise


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
        described = manifests.describe(
            partial, backend="sqlite", schema_revision=revision, tables=_sqlite_counts(partial)
        )
        _finish(partial, target, replace(described, file=target.name))
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, "sqlite", revision, described)


def _restore_sqlite(url: URL, src: Path, revision: str | None) -> BackupResult:
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
    partial = target.with_name(target.name + ".partial")
    try:
        tables, revision = postgres.dump(url, partial)
        # A dump pg_restore can read back, holding the rows counted, is a complete one.
        described = manifests.describe(
            partial, backend="postgresql", schema_revision=revision, tables=tables
        )
        in_file, in_file_revision = postgres.dump_contents(partial)
        manifests.check_content(
            described, partial, tables=in_file, schema_revision=in_file_revision
        )
        _finish(partial, target, replace(described, file=target.name))
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, "postgresql", revision, described)
