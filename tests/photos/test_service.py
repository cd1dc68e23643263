"""Storing photos on the real database: files and rows, idempotency, limits, safe names."""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select

from app.checklists.loader import ChecklistRegistry, load_registry
from app.photos import service
from app.photos.models import Photo
from app.photos.service import PhotoRejected
from app.platform.config import PROJECT_ROOT, Settings
from app.platform.errors import Conflict, Invalid
from app.platform.templating import STATIC
from tests.photos.images import bomb_png, is_gps_free, jpeg_with_gps, png
from tests.photos.support import stored_submission, target_of

ITEM = "lighting.at_night"


@pytest.fixture
def photo_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test settings with a data directory of this test's own."""
    return settings.model_copy(update={"data_dir": tmp_path / "data"})


@cache
def _registry() -> ChecklistRegistry:
    return load_registry(PROJECT_ROOT / "app" / "checklists" / "data")


def new_submission(session: Session, settings: Settings) -> uuid.UUID:
    return stored_submission(session, registry=_registry(), settings=settings)


def store(session: Session, settings: Settings, **overrides: Any) -> Photo:
    """Store a photo through the service, to ``submission_id`` (default: a new submission)."""
    submission_id = overrides.pop("submission_id", None) or new_submission(session, settings)
    values: dict[str, Any] = dict(item_id=ITEM, data=jpeg_with_gps(), filename="IMG_1.jpg")
    values.update(overrides)
    target = target_of(session, _registry(), submission_id)
    return service.store_photo(session, settings=settings, target=target, **values)


def files(settings: Settings) -> list[Path]:
    root = service.photos_dir(settings)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def rows(session: Session, submission_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count()).select_from(Photo).where(Photo.submission_id == submission_id)
    ).one()


class TestStorePhoto:
    def test_stores_a_row_and_two_files(self, session: Session, photo_settings: Settings) -> None:
        submission_id = new_submission(session, photo_settings)
        photo = store(session, photo_settings, submission_id=submission_id)
        stored = session.get(Photo, photo.id)
        assert stored is not None and stored.submission_id == submission_id
        assert (stored.item_id, stored.content_type) == (ITEM, "image/jpeg")
        assert (stored.width, stored.height) == (400, 200)
        assert stored.created_at.tzinfo is not None
        image = service.file_path(photo_settings, stored)
        thumb = service.file_path(photo_settings, stored, thumb=True)
        assert files(photo_settings) == sorted([image, thumb])
        assert stored.bytes == image.stat().st_size
        assert is_gps_free(image.read_bytes()) and is_gps_free(thumb.read_bytes())

    def test_file_names_are_made_by_the_server(
        self, session: Session, photo_settings: Settings
    ) -> None:
        photo = store(session, photo_settings, filename="../../etc/passwd", data=png())
        root = service.photos_dir(photo_settings).resolve()
        for path in files(photo_settings):
            assert path.resolve().is_relative_to(root)
            assert "passwd" not in path.name
            uuid.UUID(path.name.split(".")[0])  # a UUID of the server's making
        assert "passwd" not in photo.stored_name and ".." not in photo.stored_name
        assert not (photo_settings.data_dir.parent / "etc").exists()

    def test_photos_dir_is_in_the_data_dir_not_the_web_root(self, settings: Settings) -> None:
        for candidate in (settings, Settings()):
            folder = service.photos_dir(candidate).resolve()
            assert folder == (candidate.data_dir / "photos").resolve()
            assert not folder.is_relative_to(STATIC.resolve())


class TestIdempotency:
    def test_same_photo_id_stores_once(self, session: Session, photo_settings: Settings) -> None:
        submission_id, photo_id = new_submission(session, photo_settings), uuid.uuid4()
        first = store(session, photo_settings, submission_id=submission_id, photo_id=photo_id)
        again = store(session, photo_settings, submission_id=submission_id, photo_id=photo_id)
        assert first.id == again.id == photo_id
        assert again.stored_name == first.stored_name
        assert rows(session, submission_id) == 1
        assert len(files(photo_settings)) == 2

    def test_a_racing_insert_of_the_same_id_keeps_the_first(
        self, session: Session, photo_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        submission_id, photo_id = new_submission(session, photo_settings), uuid.uuid4()
        first = store(session, photo_settings, submission_id=submission_id, photo_id=photo_id)
        # As if the other request committed between this one's check and its insert.
        monkeypatch.setattr(service, "check_upload", lambda *_a, **_k: None)
        processed = service.process(png(), settings=photo_settings, filename=None)
        again = service.save_processed(
            session,
            settings=photo_settings,
            target=target_of(session, _registry(), submission_id),
            item_id=ITEM,
            processed=processed,
            photo_id=photo_id,
        )
        assert not again.created and again.photo.stored_name == first.stored_name
        assert rows(session, submission_id) == 1
        assert len(files(photo_settings)) == 2  # this attempt's files were removed

    def test_same_photo_id_for_another_item_is_a_conflict(
        self, session: Session, photo_settings: Settings
    ) -> None:
        submission_id, photo_id = new_submission(session, photo_settings), uuid.uuid4()
        store(session, photo_settings, submission_id=submission_id, photo_id=photo_id)
        with pytest.raises(Conflict):
            store(
                session,
                photo_settings,
                submission_id=submission_id,
                photo_id=photo_id,
                item_id="lighting.entrances",
            )

    def test_idempotency_key_is_scoped_to_the_submission(self) -> None:
        a, b = uuid.uuid4(), uuid.uuid4()

        def key(submission_id: uuid.UUID, value: str) -> uuid.UUID | None:
            return service.photo_id_for(
                submission_id=submission_id, photo_id=None, idempotency_key=value
            )

        assert key(a, "k1") == key(a, "k1") != key(b, "k1")
        assert key(a, "k1") != key(a, "k2")
        explicit = uuid.uuid4()
        assert (
            service.photo_id_for(submission_id=a, photo_id=explicit, idempotency_key="k1")
            == explicit
        )
        assert service.photo_id_for(submission_id=a, photo_id=None, idempotency_key=None) is None


class TestRefusals:
    def test_refused_photo_stores_nothing_and_the_transaction_goes_on(
        self, session: Session, photo_settings: Settings
    ) -> None:
        submission_id = new_submission(session, photo_settings)
        with pytest.raises(PhotoRejected) as info:
            store(session, photo_settings, submission_id=submission_id, data=bomb_png())
        assert info.value.reason == "too_many_pixels"
        assert rows(session, submission_id) == 0 and files(photo_settings) == []
        store(session, photo_settings, submission_id=submission_id)  # the session still works
        assert rows(session, submission_id) == 1

    def test_too_large(self, session: Session, photo_settings: Settings) -> None:
        small = photo_settings.model_copy(update={"photo_max_bytes": 1000})
        with pytest.raises(PhotoRejected) as info:
            store(session, small, data=jpeg_with_gps())
        assert info.value.status_code == 413
        assert files(small) == []

    def test_malformed_item_id(self, session: Session, photo_settings: Settings) -> None:
        with pytest.raises(Invalid):
            store(session, photo_settings, item_id="../../etc")

    def test_photos_per_submission_are_limited(
        self, session: Session, photo_settings: Settings
    ) -> None:
        two = photo_settings.model_copy(update={"photo_max_per_submission": 2})
        submission_id = new_submission(session, photo_settings)
        for _ in range(2):
            store(session, two, submission_id=submission_id, data=png((40, 30)))
        with pytest.raises(Conflict) as info:
            store(session, two, submission_id=submission_id, data=png((40, 30)))
        assert "2 photos" in info.value.message
        assert rows(session, submission_id) == 2
        store(session, two, data=png((40, 30)))  # another submission has room


class TestPhotosFor:
    def test_the_photos_of_one_submission_oldest_first(
        self, session: Session, photo_settings: Settings
    ) -> None:
        submission_id = new_submission(session, photo_settings)
        first = store(session, photo_settings, submission_id=submission_id, data=png((40, 30)))
        second = store(
            session,
            photo_settings,
            submission_id=submission_id,
            item_id="lighting.entrances",
            data=png((40, 30)),
        )
        store(session, photo_settings, data=png((40, 30)))
        found = service.photos_for(session, submission_id=submission_id)
        assert [p.id for p in found] == [first.id, second.id]
        assert service.photos_for(session, submission_id=uuid.uuid4()) == []
