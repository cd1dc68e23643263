"""POST /api/v1/submissions/{id}/photos and GET /photos/...: through the whole application."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import func, select

from app.checklists.loader import ChecklistRegistry
from app.photos import service
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import Database
from tests.photos.images import bomb_png, encode, is_gps_free, jpeg_with_gps, png
from tests.photos.support import ITEM, Sent, send_submission, upload, url

MB = 1024 * 1024


@pytest.fixture
def sent(client: TestClient, registry: ChecklistRegistry) -> Sent:
    """A stored submission of this test's own, with its upload token."""
    return send_submission(client, registry)


def stored(db: Database, submission_id: uuid.UUID) -> int:
    with db.session() as session:
        return session.exec(
            select(func.count()).select_from(Photo).where(Photo.submission_id == submission_id)
        ).one()


def file_count(settings: Settings) -> int:
    root = service.photos_dir(settings)
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


class TestUpload:
    def test_201_with_id_and_urls(self, client: TestClient, sent: Sent) -> None:
        response = upload(client, jpeg_with_gps((4032, 3024)), to=sent)
        assert response.status_code == 201, response.text
        body = response.json()
        photo_id = uuid.UUID(body["id"])
        assert body["submission_id"] == str(sent.id) and body["item_id"] == ITEM
        assert body["url"] == f"/photos/{photo_id}.jpg"
        assert body["thumb_url"] == f"/photos/{photo_id}/thumb.jpg"
        assert (body["width"], body["height"]) == (1600, 1200)
        assert body["content_type"] == "image/jpeg"
        assert body["state"] == "pending"
        assert response.headers["location"] == body["url"]

    def test_content_is_sniffed_not_the_name_or_declared_type(
        self, client: TestClient, sent: Sent
    ) -> None:
        response = upload(client, png(), to=sent, filename="x.jpg", content_type="image/jpeg")
        assert response.status_code == 201, response.text
        assert response.json()["content_type"] == "image/png"

    def test_webp(self, client: TestClient, sent: Sent) -> None:
        data = encode(Image.new("RGB", (300, 200), "green"), "WEBP")
        response = upload(client, data, to=sent, filename="a.webp", content_type="image/webp")
        assert response.status_code == 201 and response.json()["content_type"] == "image/webp"

    def test_list_of_a_submission(self, client: TestClient, sent: Sent) -> None:
        ids = [upload(client, png((60, 40)), to=sent).json()["id"]]
        ids.append(upload(client, png((60, 40)), to=sent).json()["id"])
        listed = client.get(url(sent.id)).json()
        assert [p["id"] for p in listed] == ids
        assert client.get(url(uuid.uuid4())).json() == []

    def test_a_refused_photo_leaves_its_submission_alone(
        self, client: TestClient, sent: Sent
    ) -> None:
        assert upload(client, b"not a photo", to=sent).status_code == 415
        assert client.get(f"/api/v1/submissions/{sent.id}").status_code == 200


class TestIdempotency:
    def test_same_idempotency_key_returns_the_same_photo(
        self, client: TestClient, db: Database, settings: Settings, sent: Sent
    ) -> None:
        key = {"Idempotency-Key": f"queue-{uuid.uuid4()}"}
        first = upload(client, jpeg_with_gps(), to=sent, headers=key)
        files_after_first = file_count(settings)
        again = upload(client, jpeg_with_gps(), to=sent, headers=key)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert stored(db, sent.id) == 1
        assert file_count(settings) == files_after_first

    def test_same_photo_id_field_returns_the_same_photo(
        self, client: TestClient, db: Database, sent: Sent
    ) -> None:
        photo_id = str(uuid.uuid4())
        first = upload(client, png(), to=sent, photo_id=photo_id)
        again = upload(client, png(), to=sent, photo_id=photo_id)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"] == photo_id
        assert stored(db, sent.id) == 1

    def test_concurrent_retries_store_one_photo(
        self, client: TestClient, db: Database, settings: Settings, sent: Sent
    ) -> None:
        before = file_count(settings)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        data = jpeg_with_gps((1200, 900))
        with ThreadPoolExecutor(4) as pool:
            responses = list(
                pool.map(lambda _: upload(client, data, to=sent, headers=key), range(4))
            )
        assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
        assert len({r.json()["id"] for r in responses}) == 1
        assert stored(db, sent.id) == 1
        assert file_count(settings) == before + 2  # the losers' files are removed

    def test_photo_id_reused_for_another_submission_is_409(
        self, client: TestClient, registry: ChecklistRegistry, sent: Sent
    ) -> None:
        photo_id = str(uuid.uuid4())
        assert upload(client, png(), to=sent, photo_id=photo_id).status_code == 201
        other = send_submission(client, registry)
        response = upload(client, png(), to=other, photo_id=photo_id)
        assert response.status_code == 409 and "photo_id" in response.json()["message"]


class TestRefusals:
    def test_text_file_named_photo_jpg_is_415_not_an_image(
        self, client: TestClient, sent: Sent
    ) -> None:
        response = upload(client, b"hello, this is text\n" * 50, to=sent, filename="photo.jpg")
        assert response.status_code == 415
        assert response.json()["error"] == "not_an_image"
        assert "photo.jpg" in response.json()["message"]

    def test_gif_is_415_unsupported_type(self, client: TestClient, sent: Sent) -> None:
        data = encode(Image.new("RGB", (30, 30), "red"), "GIF")
        response = upload(client, data, to=sent, filename="a.gif", content_type="image/gif")
        assert response.status_code == 415
        assert response.json()["error"] == "unsupported_type"

    def test_11_mb_is_413_and_nothing_is_stored(
        self, client: TestClient, db: Database, settings: Settings, sent: Sent
    ) -> None:
        before = file_count(settings)
        data = b"\xff\xd8\xff\xe0" + bytes(11 * MB)
        response = upload(client, data, to=sent)
        assert response.status_code == 413
        assert response.json()["error"] == "too_large"
        assert "10 MB" in response.json()["message"]
        assert stored(db, sent.id) == 0 and file_count(settings) == before

    def test_just_over_10_mb_is_refused_by_the_photo_check(
        self, client: TestClient, db: Database, settings: Settings, sent: Sent
    ) -> None:
        # Under the body limit (10 MB + 64 KB for the form), over the photo's own limit.
        before = file_count(settings)
        response = upload(client, bytes(10 * MB + 1), to=sent)
        assert response.status_code == 413
        body = response.json()
        assert body["error"] == "too_large"
        assert body["message"] == (
            'The photo "IMG_0001.jpg" is larger than 10 MB; take it again at a lower resolution.'
        )
        assert stored(db, sent.id) == 0 and file_count(settings) == before

    def test_streamed_upload_without_length_is_cut_at_the_limit(
        self, client: TestClient, sent: Sent
    ) -> None:
        boundary = "safeyard-test-boundary"

        def chunks() -> Iterator[bytes]:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="item_id"\r\n\r\n'
                f'{ITEM}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            for _ in range(12):
                yield bytes(MB)
            yield f"\r\n--{boundary}--\r\n".encode()

        response = client.post(
            url(sent.id),
            content=chunks(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                **sent.headers,
            },
        )
        assert response.status_code == 413
        assert response.json()["error"] == "too_large"

    def test_decompression_bomb_is_422(self, client: TestClient, db: Database, sent: Sent) -> None:
        response = upload(client, bomb_png(), to=sent, filename="b.png")
        assert response.status_code == 422
        assert response.json()["error"] == "too_many_pixels"
        assert stored(db, sent.id) == 0

    def test_json_bodies_keep_their_small_limit(self, client: TestClient) -> None:
        response = client.post("/api/v1/submissions", json={"comment": "x" * 300_000})
        assert response.status_code == 413 and "KB" in response.json()["message"]

    def test_item_id_is_required(self, client: TestClient, sent: Sent) -> None:
        response = client.post(
            url(sent.id), files={"file": ("a.png", png(), "image/png")}, headers=sent.headers
        )
        assert response.status_code == 422


class TestServing:
    def test_photo_and_thumbnail_are_jpegs_without_gps(
        self, client: TestClient, sent: Sent
    ) -> None:
        body = upload(client, jpeg_with_gps((2000, 1000)), to=sent).json()
        for path, size in ((body["url"], (1600, 800)), (body["thumb_url"], (320, 160))):
            response = client.get(path)
            assert response.status_code == 200
            assert response.headers["content-type"] == "image/jpeg"
            assert response.headers["cache-control"] == "private, max-age=86400"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "content-encoding" not in response.headers
            assert Image.open(io.BytesIO(response.content)).size == size
            assert is_gps_free(response.content)

    def test_unknown_photo_is_404(self, client: TestClient) -> None:
        assert client.get(f"/photos/{uuid.uuid4()}.jpg").status_code == 404
        assert client.get(f"/photos/{uuid.uuid4()}/thumb.jpg").status_code == 404
        assert client.get("/photos/not-a-uuid.jpg").status_code == 404
        assert client.get("/photos/..%2F..%2Fetc%2Fpasswd.jpg").status_code == 404

    def test_missing_file_is_404(
        self, client: TestClient, db: Database, settings: Settings, sent: Sent
    ) -> None:
        body = upload(client, png((50, 50)), to=sent).json()
        with db.session() as session:
            photo = session.get(Photo, uuid.UUID(body["id"]))
            assert photo is not None
        Path(service.file_path(settings, photo, thumb=True)).unlink()
        assert client.get(body["thumb_url"]).status_code == 404
        assert client.get(body["url"]).status_code == 200

    def test_photos_are_not_static_files(self, client: TestClient, sent: Sent) -> None:
        body = upload(client, png((50, 50)), to=sent).json()
        with_name = client.get(body["url"])
        assert with_name.status_code == 200
        assert client.get(f"/static/photos/{body['id']}.jpg").status_code == 404
