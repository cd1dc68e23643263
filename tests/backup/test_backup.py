"""``safeyard backup`` and ``safeyard restore``, run as commands, on SQLite and PostgreSQL:
submit, back up (while others write), submit more, restore, and find exactly the backed-up
submissions; a damaged backup is refused and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.checklists.loader import ChecklistRegistry
from app.districts.service import load_area_index
from app.intake import service as intake_service
from app.platform.backup.service import BackupError, backup, restore
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate
from app.yards.models import Yard
from tests.factories import new_location, submission_body
from tests.reliability.support import fresh_database

SAFEYARD = str(Path(sys.executable).with_name("safeyard"))


@pytest.fixture
def fresh_url(tmp_path: Path, registry: ChecklistRegistry) -> Iterator[str]:
    with fresh_database(tmp_path, registry) as url:
        yield url


class Writer:
    """Stores submissions through the service, as the API does (committed one by one)."""

    def __init__(self, url: str, registry: ChecklistRegistry) -> None:
        self.db = Database(url)
        self.registry = registry
        self.settings = Settings(database_url=url)
        with self.db.session() as session:
            self.areas = load_area_index(session)

    def submit(self, count: int) -> list[uuid.UUID]:
        """``count`` submissions over up to 8 new yards, each yard reached in turn."""
        spots = [new_location() for _ in range(min(count, 8))]
        ids = []
        for i in range(count):
            body = submission_body(self.registry.current, location=spots[i % len(spots)])
            with self.db.write_session() as session:
                intake_service.receive_checklist(
                    session,
                    data=SubmissionCreate.model_validate(body),
                    registry=self.registry,
                    areas=self.areas,
                    settings=self.settings,
                )
            ids.append(uuid.UUID(body["id"]))
        return ids

    def stored_ids(self) -> set[uuid.UUID]:
        with self.db.session() as session:
            return set(session.execute(select(Submission.id)).scalars())  # type: ignore[call-overload]

    def counts_agree(self) -> bool:
        """Each yard's counter matches its submissions: nothing half-copied."""
        with self.db.session() as session:
            rows = session.execute(select(func.count()).select_from(Submission)).scalar()
            counted = session.execute(select(func.sum(Yard.submission_count))).scalar()
        return rows == (counted or 0)


def safeyard(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEYARD_")}
    env.update(SAFEYARD_DATABASE_URL=url, SAFEYARD_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [SAFEYARD, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


class TestBackupAndRestore:
    def test_restore_brings_back_exactly_the_backed_up_submissions(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        writer = Writer(fresh_url, registry)
        first = writer.submit(12)
        # Others keep submitting while the backup runs: it must be one consistent snapshot.
        during: list[uuid.UUID] = []
        busy = threading.Thread(target=lambda: during.extend(writer.submit(30)))
        (tmp_path / "backups").mkdir()
        busy.start()
        done = safeyard(fresh_url, tmp_path, "backup", str(tmp_path / "backups"))
        busy.join()
        assert done.returncode == 0, done.stderr
        made = sorted((tmp_path / "backups").iterdir())
        assert not any(f.name.endswith(".partial") for f in made)
        files = [f for f in made if not f.name.endswith(".manifest.json")]
        assert len(files) == 1 and files[0].stat().st_size > 0
        assert [f.name for f in made if f not in files] == [files[0].name + ".manifest.json"]

        later = writer.submit(5)
        writer.db.dispose()  # the service is stopped for a restore
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", str(files[0]))
        assert done.returncode == 0, done.stderr

        restored = Writer(fresh_url, registry)
        stored = restored.stored_ids()
        assert set(first) <= stored
        assert not set(later) & stored
        # Of the submissions made during the backup, a prefix is in it (commit order).
        kept = [sid in stored for sid in during]
        assert kept == sorted(kept, reverse=True)
        assert stored == set(first) | {sid for sid in during if sid in stored}
        assert restored.counts_agree()
        # The restored database is fully usable: the service writes to it again.
        assert len(restored.submit(2)) == 2
        restored.db.dispose()

    def test_a_damaged_backup_is_refused_and_changes_nothing(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        writer = Writer(fresh_url, registry)
        ids = set(writer.submit(3))
        made = backup(fresh_url, tmp_path / "good")
        assert made.schema_revision  # the copy knows its schema version
        damaged = tmp_path / "damaged"
        data = bytearray(made.path.read_bytes())
        data[len(data) // 2 : len(data) // 2 + 4096] = os.urandom(4096)
        damaged.write_bytes(bytes(data))
        writer.db.dispose()

        with pytest.raises(BackupError):
            restore(fresh_url, damaged)
        done = safeyard(fresh_url, tmp_path, "restore", "--yes", str(damaged))
        assert done.returncode == 1
        assert "nothing restored" in done.stderr
        assert Writer(fresh_url, registry).stored_ids() == ids

    def test_backup_never_overwrites_a_file(self, fresh_url: str, tmp_path: Path) -> None:
        target = tmp_path / "taken"
        target.write_text("keep me")
        done = safeyard(fresh_url, tmp_path, "backup", str(target))
        assert done.returncode == 1
        assert target.read_text() == "keep me"


class TestSqliteBackup:
    def test_the_copy_passes_integrity_check_and_is_a_sqlite_file(
        self, fresh_url: str, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        if make_url(fresh_url).get_backend_name() != "sqlite":
            pytest.skip("SQLite's online backup")
        import sqlite3

        Writer(fresh_url, registry).submit(2)
        made = backup(fresh_url, tmp_path / "copy.sqlite3")
        with sqlite3.connect(made.path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert connection.execute("SELECT count(*) FROM submission").fetchone() == (2,)
