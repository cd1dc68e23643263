"""Every backup has a manifest beside it, and ``safeyard restore`` checks the file against it:
a byte changed inside a stored value, a missing or another backup's manifest, or a wrong row
count is refused with a non-zero exit and the database keeps its content. SQLite and (with
SAFEYARD_TEST_DATABASE_URL) PostgreSQL, run as commands."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text, update
from sqlalchemy.engine import make_url

from app.checklists.loader import ChecklistRegistry
from app.platform import migrate
from app.platform.backup.manifest import FORMAT
from app.submissions.models import Submission
from tests.backup.test_backup import Writer, safeyard
from tests.reliability.support import fresh_database

MARKER = "lamp-broken-at-entrance-3"


@pytest.fixture
def fresh_url(tmp_path: Path, registry: ChecklistRegistry) -> Iterator[str]:
    with fresh_database(tmp_path, registry) as url:
        yield url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_backup(
    url: str, tmp_path: Path, registry: ChecklistRegistry
) -> tuple[Path, set[uuid.UUID]]:
    """Three submissions (one with a comment holding MARKER) backed up with the command; then
    two more, so a restore would visibly change the database. Returns the backup and the ids
    the database holds after the backup."""
    writer = Writer(url, registry)
    ids = writer.submit(3)
    with writer.db.write_session() as session:
        session.execute(
            update(Submission).where(Submission.id == ids[0]).values(comment=MARKER)  # type: ignore[arg-type]
        )
    folder = tmp_path / "backups"
    folder.mkdir()
    done = safeyard(url, tmp_path, "backup", str(folder))
    assert done.returncode == 0, done.stderr
    assert "manifest:" in done.stdout
    writer.submit(2)
    now = writer.stored_ids()
    writer.db.dispose()  # the service is stopped for a restore
    (backup,) = [p for p in folder.iterdir() if not p.name.endswith(".manifest.json")]
    return backup, now


def copy_with_manifest(backup: Path, target_dir: Path) -> Path:
    target_dir.mkdir()
    copy = target_dir / backup.name
    shutil.copyfile(backup, copy)
    shutil.copyfile(manifest_of(backup), manifest_of(copy))
    return copy


def manifest_of(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


def stored_ids(url: str, registry: ChecklistRegistry) -> set[uuid.UUID]:
    writer = Writer(url, registry)
    try:
        return writer.stored_ids()
    finally:
        writer.db.dispose()


def flip_a_byte_inside_a_stored_value(path: Path, *, sqlite: bool) -> None:
    data = bytearray(path.read_bytes())
    if sqlite:
        # The comment's text, stored as is in its table page.
        at = data.find(MARKER.encode())
        assert at > 0, "the comment is in the file"
        at += MARKER.index("broken")
        data[at] = ord("B")  # "broken" -> "Broken": still a valid UTF-8 value
    else:
        # pg_dump -Fc compresses the table data: a byte in the middle of the data.
        at = len(data) // 2
        data[at] ^= 0x01
    path.write_bytes(bytes(data))


class TestManifest:
    def test_written_beside_the_backup_with_counts_and_hash(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        backup, _ = make_backup(fresh_url, tmp_path, registry)
        manifest = json.loads(manifest_of(backup).read_text("utf-8"))
        assert manifest["format"] == FORMAT
        assert manifest["backend"] == ("sqlite" if is_sqlite(fresh_url) else "postgresql")
        assert manifest["sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
        assert manifest["size_bytes"] == backup.stat().st_size
        head = ScriptDirectory.from_config(migrate.alembic_config(fresh_url)).get_current_head()
        assert manifest["schema_revision"] == head
        assert manifest["created_at"]
        tables = manifest["tables"]
        # Counted in the backup's own snapshot: two more were submitted after it.
        assert tables["submission"] == 3
        assert tables["district"] == 8 and tables["alembic_version"] == 1
        engine = create_engine(fresh_url)
        try:
            assert set(tables) == set(inspect(engine).get_table_names())
        finally:
            engine.dispose()


class TestRestoreRefuses:
    def test_a_byte_changed_inside_a_stored_value(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        backup, before = make_backup(fresh_url, tmp_path, registry)
        tampered = copy_with_manifest(backup, tmp_path / "tampered")
        flip_a_byte_inside_a_stored_value(tampered, sqlite=is_sqlite(fresh_url))
        if is_sqlite(fresh_url):
            # What the old check relied on passes: only the manifest can catch this.
            with sqlite3.connect(f"file:{tampered}?mode=ro", uri=True) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                stored = connection.execute(
                    "SELECT comment FROM submission WHERE comment IS NOT NULL"
                ).fetchone()
                assert stored == (MARKER.replace("broken", "Broken"),)
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", str(tampered))
        assert done.returncode == 1
        assert "nothing restored" in done.stderr
        assert "does not match its manifest: SHA-256" in done.stderr
        assert "changed after the backup" in done.stderr
        assert stored_ids(fresh_url, registry) == before  # nothing replaced

    def test_a_missing_manifest_unless_told_it_predates_manifests(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        backup, before = make_backup(fresh_url, tmp_path, registry)
        alone = tmp_path / "alone"
        alone.mkdir()
        shutil.copyfile(backup, alone / backup.name)
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", str(alone / backup.name))
        assert done.returncode == 1
        assert "no manifest beside" in done.stderr and "--no-manifest" in done.stderr
        assert stored_ids(fresh_url, registry) == before
        # The escape, for backups made before manifests: the file's own checks still run.
        done = safeyard(
            fresh_url, tmp_path, "restore", "--yes", "--no-manifest", str(alone / backup.name)
        )
        assert done.returncode == 0, done.stderr
        assert "had no manifest" in done.stderr
        assert len(stored_ids(fresh_url, registry)) == 3

    def test_no_manifest_never_skips_a_manifest_that_is_there(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        backup, before = make_backup(fresh_url, tmp_path, registry)
        tampered = copy_with_manifest(backup, tmp_path / "tampered")
        flip_a_byte_inside_a_stored_value(tampered, sqlite=is_sqlite(fresh_url))
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", "--no-manifest", str(tampered))
        assert done.returncode == 1 and "SHA-256" in done.stderr
        assert stored_ids(fresh_url, registry) == before

    def test_another_backups_manifest(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        backup, before = make_backup(fresh_url, tmp_path, registry)
        second = tmp_path / "second"
        done = safeyard(fresh_url, tmp_path, "backup", str(second))
        assert done.returncode == 0, done.stderr
        shutil.copyfile(manifest_of(backup), manifest_of(second))
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", str(second))
        assert done.returncode == 1
        assert "its manifest says" in done.stderr or "does not match its manifest" in done.stderr
        assert stored_ids(fresh_url, registry) == before

    def test_a_wrong_row_count(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        backup, before = make_backup(fresh_url, tmp_path, registry)
        edited = copy_with_manifest(backup, tmp_path / "edited")
        manifest = json.loads(manifest_of(edited).read_text("utf-8"))
        manifest["tables"]["submission"] = 4  # the file's bytes and hash are untouched
        manifest_of(edited).write_text(json.dumps(manifest), "utf-8")
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", str(edited))
        assert done.returncode == 1
        assert (
            "row counts differ from its manifest (submission: 3 in the file, 4 in the manifest)"
            in done.stderr
        )
        assert stored_ids(fresh_url, registry) == before

    def test_a_malformed_manifest(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        backup, before = make_backup(fresh_url, tmp_path, registry)
        edited = copy_with_manifest(backup, tmp_path / "edited")
        manifest_of(edited).write_text("{not json", "utf-8")
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", str(edited))
        assert done.returncode == 1 and "cannot be read" in done.stderr
        assert stored_ids(fresh_url, registry) == before


class TestRestoreAccepts:
    def test_an_untouched_backup_with_its_manifest(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        backup, before = make_backup(fresh_url, tmp_path, registry)
        copy = copy_with_manifest(backup, tmp_path / "copy")  # moved elsewhere: still fine
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", str(copy))
        assert done.returncode == 0, done.stderr
        assert "checked against its manifest: SHA-256 matches" in done.stdout
        after = stored_ids(fresh_url, registry)
        assert len(after) == 3 and after < before
        writer = Writer(fresh_url, registry)
        try:
            with writer.db.session() as session:
                comments = session.execute(
                    text("SELECT comment FROM submission WHERE comment IS NOT NULL")
                ).all()
        finally:
            writer.db.dispose()
        assert [tuple(row) for row in comments] == [(MARKER,)]
