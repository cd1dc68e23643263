"""No photo without its submission (the foreign key), and `safeyard photos orphans [--purge]`
for what older versions and interrupted uploads left behind: real rows, real files."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from typer.testing import CliRunner

from app.channels.cli.main import cli
from app.checklists.loader import ChecklistRegistry
from app.photos import service
from app.photos.models import Photo
from app.platform.config import Settings, get_settings
from app.platform.db import Database, table_of, utcnow
from tests.photos.images import png
from tests.photos.support import ITEM, stored_submission, target_of

OLD = time.time() - 2 * 3600


@pytest.fixture
def cli_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The CLI on the test database, with a photo folder of this test's own."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SAFEYARD_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    yield settings.model_copy(update={"data_dir": data_dir})
    get_settings.cache_clear()


def _write(path: Path, data: bytes = b"\xff\xd8 not much of a jpeg", *, mtime: float = OLD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def _orphan_row(db: Database, settings: Settings) -> Photo:
    """A photo row whose submission does not exist, as the old API stored them: inserted with
    the foreign key checks switched off for this one connection."""
    name = str(uuid.uuid4())
    photo = Photo(
        id=uuid.uuid4(),
        submission_id=uuid.uuid4(),
        item_id=ITEM,
        width=10,
        height=10,
        bytes=10,
        content_type="image/jpeg",
        stored_name=f"{name[:2]}/{name}.jpg",
        created_at=utcnow(),
    )
    # A bare engine: SQLite checks foreign keys only when a connection asks (the app's do).
    engine = create_engine(db.url)
    try:
        with engine.begin() as connection:
            if not db.is_sqlite:
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(insert(table_of(Photo)).values(**photo.model_dump()))
    finally:
        engine.dispose()
    _write(service.file_path(settings, photo))
    _write(service.file_path(settings, photo, thumb=True))
    return photo


class TestForeignKey:
    def test_a_photo_row_needs_its_submission(self, session: Session) -> None:
        session.add(
            Photo(
                submission_id=uuid.uuid4(),
                item_id=ITEM,
                width=1,
                height=1,
                bytes=1,
                content_type="image/jpeg",
                stored_name="ab/" + str(uuid.uuid4()) + ".jpg",
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()


class TestOrphansCommand:
    def test_lists_then_purges_orphan_rows_and_files(
        self, cli_settings: Settings, db: Database, registry: ChecklistRegistry
    ) -> None:
        with db.write_session() as session:
            submission_id = stored_submission(session, registry=registry, settings=cli_settings)
            kept = service.store_photo(
                session,
                settings=cli_settings,
                target=target_of(session, registry, submission_id),
                item_id=ITEM,
                data=png(),
                filename="a.png",
            )
            kept_files = [
                service.file_path(cli_settings, kept),
                service.file_path(cli_settings, kept, thumb=True),
            ]
        for path in kept_files:
            os.utime(path, (OLD, OLD))  # old enough to be looked at, and named by a row
        orphan = _orphan_row(db, cli_settings)
        root = service.photos_dir(cli_settings)
        stray = _write(root / "ab" / f"{uuid.uuid4()}.jpg")  # a rolled-back upload's file
        young = _write(root / "cd" / f"{uuid.uuid4()}.jpg", mtime=time.time())  # in flight

        listed = CliRunner().invoke(cli, ["photos", "orphans"])
        assert listed.exit_code == 0, listed.output
        assert f"row\t{orphan.id}\tsubmission {orphan.submission_id} is missing" in listed.output
        assert f"file\t{stray}" in listed.output
        assert str(young) not in listed.output
        assert all(str(path) not in listed.output for path in kept_files)
        assert "found 1 orphan rows and 1 orphan files" in listed.output
        assert stray.exists()  # listing removes nothing

        purged = CliRunner().invoke(cli, ["photos", "orphans", "--purge"])
        assert purged.exit_code == 0, purged.output
        assert "removed 1 orphan rows and 1 orphan files" in purged.output
        assert not stray.exists()
        assert not service.file_path(cli_settings, orphan).exists()
        assert not service.file_path(cli_settings, orphan, thumb=True).exists()
        assert young.exists() and all(path.exists() for path in kept_files)
        with db.session() as session:
            assert session.get(Photo, orphan.id) is None
            assert session.get(Photo, kept.id) is not None

        again = CliRunner().invoke(cli, ["photos", "orphans"])
        assert "found 0 orphan rows and 0 orphan files" in again.output
