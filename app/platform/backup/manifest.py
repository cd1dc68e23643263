"""The manifest written beside every backup, and the checks a restore makes against it.

``<backup>.manifest.json`` holds the file's size and SHA-256, its format and schema revision,
when it was made, and the row count of every table. SQLite's ``integrity_check`` and
``pg_restore --list`` prove a file is well formed, not that its values are the ones backed
up: a byte changed inside a stored value passes both. The SHA-256 catches any changed byte;
the row counts, read back out of the file itself, catch a manifest paired with another backup.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.platform.backup.errors import BackupError

FORMAT = "safeyard-backup-manifest/1"
FILE_FORMATS = {"sqlite": "sqlite3 database file", "postgresql": "pg_dump custom format (-Fc)"}
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    backend: str  # "sqlite" or "postgresql"
    file: str  # the backup's file name when it was made (informational)
    size_bytes: int
    sha256: str
    schema_revision: str | None
    tables: dict[str, int]  # table name -> rows
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    format: str = FORMAT
    file_format: str = ""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def path_of(backup: Path) -> Path:
    """``safeyard-….sqlite3`` → ``safeyard-….sqlite3.manifest.json``, in the same folder."""
    return backup.with_name(backup.name + ".manifest.json")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe(
    backup: Path, *, backend: str, schema_revision: str | None, tables: dict[str, int]
) -> Manifest:
    """The manifest of a finished backup file."""
    return Manifest(
        backend=backend,
        file=backup.name,
        size_bytes=backup.stat().st_size,
        sha256=sha256_of(backup),
        schema_revision=schema_revision,
        tables=dict(sorted(tables.items())),
        file_format=FILE_FORMATS[backend],
    )


def write(manifest: Manifest, target: Path) -> None:
    """Write atomically (a temporary file renamed into place): never half a manifest."""
    if target.exists():
        raise BackupError(f"{target} exists; name a new file or a folder")
    partial = target.with_name(target.name + ".partial")
    try:
        partial.write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def read(backup: Path) -> Manifest | None:
    """The manifest beside ``backup``; None when there is none; BackupError when unreadable."""
    path = path_of(backup)
    if not path.exists():
        return None
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"the manifest {path} cannot be read: {exc}") from exc
    try:
        if raw.get("format") != FORMAT:
            raise BackupError(f"{path} is not a SafeYard backup manifest ({FORMAT})")
        tables = raw["tables"]
        if not isinstance(tables, dict) or not all(
            isinstance(k, str) and type(v) is int and v >= 0 for k, v in tables.items()
        ):
            raise BackupError(f"{path}: 'tables' must map table names to row counts")
        return Manifest(
            backend=str(raw["backend"]),
            file=str(raw["file"]),
            size_bytes=int(raw["size_bytes"]),
            sha256=str(raw["sha256"]).lower(),
            schema_revision=raw["schema_revision"],
            tables=tables,
            created_at=str(raw["created_at"]),
            file_format=str(raw.get("file_format", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupError(f"{path} is incomplete or malformed: {exc!r}") from exc


def check_file(manifest: Manifest, backup: Path, *, backend: str) -> None:
    """Refuse a backup whose bytes are not the ones the manifest describes."""
    if manifest.backend != backend:
        raise BackupError(
            f"{backup} is a {manifest.backend} backup (says its manifest); this database is "
            f"{backend}"
        )
    size = backup.stat().st_size
    if size != manifest.size_bytes:
        raise BackupError(
            f"{backup} is {size} bytes, its manifest says {manifest.size_bytes}: the file "
            "changed after the backup (damage or tampering)"
        )
    actual = sha256_of(backup)
    if actual != manifest.sha256:
        raise BackupError(
            f"{backup} does not match its manifest: SHA-256 {actual}, expected "
            f"{manifest.sha256}. The file changed after the backup (damage or tampering); "
            "restore another backup"
        )


def check_content(
    manifest: Manifest, backup: Path, *, tables: dict[str, int], schema_revision: str | None
) -> None:
    """Refuse when the rows or schema revision read from the file disagree with the manifest."""
    differences = [
        f"{name}: {tables.get(name, 0)} in the file, {manifest.tables.get(name, 0)} in the manifest"
        for name in sorted(set(tables) | set(manifest.tables))
        if tables.get(name, 0) != manifest.tables.get(name, 0)
    ]
    if differences:
        raise BackupError(
            f"{backup}: row counts differ from its manifest ({'; '.join(differences[:5])}): "
            "the manifest belongs to another backup, or one of them was changed"
        )
    if schema_revision != manifest.schema_revision:
        raise BackupError(
            f"{backup} is at schema revision {schema_revision}, its manifest says "
            f"{manifest.schema_revision}"
        )
