"""``safeyard purge`` removes exactly what is past its retention period (photo rows and their
files on disk, submissions' comments, failed-login records) and keeps the rest; --dry-run
only counts. Run as the command, on a fresh SQLite or PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from app.accounts.models import LoginAttempt
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.privacy.support import add_photo, backdate, photo_ids, stored, submit_with_text
from tests.reliability.support import fresh_database

SAFEYARD = str(Path(sys.executable).with_name("safeyard"))


@pytest.fixture
def world(tmp_path: Path, registry: ChecklistRegistry) -> Iterator[tuple[str, Settings, Database]]:
    with fresh_database(tmp_path, registry) as url:
        settings = Settings(database_url=url, data_dir=tmp_path / "data")
        db = Database(url)
        try:
            yield url, settings, db
        finally:
            db.dispose()


def purge(settings: Settings, *args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEYARD_")}
    env.update(
        SAFEYARD_DATABASE_URL=settings.database_url,
        SAFEYARD_DATA_DIR=str(settings.data_dir),
        **env_overrides,
    )
    return subprocess.run(
        [SAFEYARD, "purge", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestPurge:
    def test_removes_exactly_what_is_past_its_period(
        self, world: tuple[str, Settings, Database], registry: ChecklistRegistry
    ) -> None:
        _, settings, db = world
        now = utcnow()
        old = submit_with_text(db, registry, settings)
        recent = submit_with_text(db, registry, settings)
        edge = submit_with_text(db, registry, settings)
        backdate(db, old, now - timedelta(days=400))
        backdate(db, edge, now - timedelta(days=364))  # a day inside its period
        before = {sid: stored(db, sid) for sid in (old, recent, edge)}
        old_photo, old_files = add_photo(
            db, settings, submission_id=old, created_at=now - timedelta(days=366)
        )
        edge_photo, edge_files = add_photo(
            db, settings, submission_id=edge, created_at=now - timedelta(days=364)
        )
        new_photo, new_files = add_photo(db, settings, submission_id=recent)
        with db.write_session() as session:
            session.add(
                LoginAttempt(email="a@example.kz", ip="198.51.100.7", at=now - timedelta(hours=25))
            )
            session.add(
                LoginAttempt(email="b@example.kz", ip="198.51.100.8", at=now - timedelta(hours=1))
            )

        dry = purge(settings, "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert "would remove 1 photos" in dry.stdout
        assert "would remove 3 comments from 1 submissions" in dry.stdout
        assert "would remove 1 failed-login records" in dry.stdout
        assert all(p.is_file() for p in old_files)  # a dry run changes nothing
        assert stored(db, old).comment == before[old].comment
        assert photo_ids(db, old) == {old_photo}

        cached = settings.data_dir / "reports" / f"{'a' * 64}.pdf"  # may show the old text
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(b"%PDF-1.7 cached report")
        done = purge(settings)
        assert done.returncode == 0, done.stderr
        assert not cached.exists()
        assert "removed 1 photos" in done.stdout and "(2 files)" in done.stdout
        assert "removed 3 comments from 1 submissions" in done.stdout
        assert "removed 1 failed-login records" in done.stdout

        # Past the period: gone, files too; answers and score kept.
        assert photo_ids(db, old) == set()
        assert not any(p.exists() for p in old_files)
        purged = stored(db, old)
        assert purged.comment is None and purged.item_comments == {}
        assert purged.answers == before[old].answers
        assert purged.risk_index == before[old].risk_index
        assert purged.section_scores == before[old].section_scores
        # Inside the period: untouched.
        assert photo_ids(db, edge) == {edge_photo} and photo_ids(db, recent) == {new_photo}
        assert all(p.is_file() for p in edge_files + new_files)
        for sid in (recent, edge):
            kept = stored(db, sid)
            assert kept.comment == before[sid].comment and kept.comment
            assert kept.item_comments == before[sid].item_comments and kept.item_comments
        with db.session() as session:
            emails = set(session.exec(select(LoginAttempt.email)))
        assert emails == {"b@example.kz"}

        again = purge(settings)  # nothing left past its period
        assert "removed 0 photos" in again.stdout and "removed 0 comments" in again.stdout

    def test_the_periods_are_settings(
        self, world: tuple[str, Settings, Database], registry: ChecklistRegistry
    ) -> None:
        _, settings, db = world
        now = utcnow()
        sid = submit_with_text(db, registry, settings)
        backdate(db, sid, now - timedelta(days=40))
        photo: uuid.UUID
        photo, files = add_photo(
            db, settings, submission_id=sid, created_at=now - timedelta(days=40)
        )
        kept = purge(settings)
        assert "removed 0 photos" in kept.stdout and photo_ids(db, sid) == {photo}
        done = purge(
            settings,
            SAFEYARD_RETENTION_PHOTOS_DAYS="30",
            SAFEYARD_RETENTION_COMMENTS_DAYS="30",
        )
        assert done.returncode == 0, done.stderr
        assert "removed 1 photos" in done.stdout and "removed 3 comments" in done.stdout
        assert photo_ids(db, sid) == set() and not any(p.exists() for p in files)
        assert stored(db, sid).comment is None
