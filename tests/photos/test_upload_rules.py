"""Who may attach photos: the submission's sender (its upload token), in time, to its items."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select, update
from starlette.datastructures import Headers, UploadFile

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.channels.pages import photo_upload
from app.checklists.loader import ChecklistRegistry
from app.intake import photos as intake_photos
from app.photos import service, uploads
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.privacy import service as privacy_service
from app.submissions.models import Submission
from tests.accounts.support import create_user, logged_in
from tests.factories import answers_for
from tests.photos.images import png
from tests.photos.support import ITEM, Sent, send_submission, upload, url


@pytest.fixture
def sent(client: TestClient, registry: ChecklistRegistry) -> Sent:
    return send_submission(client, registry)


def stored(db: Database, submission_id: uuid.UUID) -> int:
    with db.session() as session:
        return session.exec(
            select(func.count()).select_from(Photo).where(Photo.submission_id == submission_id)
        ).one()


def file_count(settings: Settings) -> int:
    root = service.photos_dir(settings)
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def age(db: Database, submission_id: uuid.UUID, hours: float) -> None:
    """Set the submission's stored time ``hours`` back."""
    with db.write_session() as session:
        session.exec(  # type: ignore[call-overload]
            update(Submission)
            .where(Submission.id == submission_id)  # type: ignore[arg-type]
            .values(received_at=utcnow() - timedelta(hours=hours))
        )


class TestToken:
    def test_every_2xx_answer_carries_the_same_token(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        first = send_submission(client, registry)
        replay = client.post("/api/v1/submissions", json=first.body)
        assert replay.status_code == 200
        assert replay.json()["photo_upload_token"] == first.token
        assert len(first.token) == 43  # base64url of an HMAC-SHA256, unpadded
        assert first.token == uploads.upload_token(client.app.state.context.secret_key, first.id)  # type: ignore[attr-defined]
        # Only the sender's answer holds it; reading the result back does not hand it out.
        assert (
            client.get(f"/api/v1/submissions/{first.id}").json().get("photo_upload_token") is None
        )

    def test_another_body_under_the_same_id_gets_no_token(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        first = send_submission(client, registry)
        other = client.post("/api/v1/submissions", json={**first.body, "comment": "mine now"})
        assert other.status_code == 409
        assert first.token not in other.text and "photo_upload_token" not in other.json()

    def test_a_replayed_token_opens_uploads(
        self, client: TestClient, registry: ChecklistRegistry, db: Database
    ) -> None:
        first = send_submission(client, registry)
        token = client.post("/api/v1/submissions", json=first.body).json()["photo_upload_token"]
        response = upload(client, png(), to=first, token=token)
        assert response.status_code == 201, response.text
        assert stored(db, first.id) == 1


class TestRefusals:
    def test_no_token_is_401_and_nothing_is_stored(
        self, client: TestClient, sent: Sent, db: Database, settings: Settings
    ) -> None:
        before = file_count(settings)
        response = upload(client, png(), to=sent, token=None)
        assert response.status_code == 401
        assert response.json()["error"] == "upload_token_missing"
        assert "X-Upload-Token" in response.json()["message"]
        assert stored(db, sent.id) == 0 and file_count(settings) == before

    def test_someone_elses_submission_is_403(
        self, client: TestClient, registry: ChecklistRegistry, sent: Sent, db: Database
    ) -> None:
        mine = send_submission(client, registry)
        # A stranger who learned the id, with the token of their own submission.
        response = upload(client, png(), to=sent, token=mine.token)
        assert response.status_code == 403
        assert response.json()["error"] == "upload_token_invalid"
        assert "only the phone that sent the submission" in response.json()["message"]
        assert upload(client, png(), to=sent, token="x" * 43).status_code == 403
        assert stored(db, sent.id) == 0

    def test_random_submission_id_is_404(
        self, client: TestClient, db: Database, settings: Settings
    ) -> None:
        # A genuine token of an id the server never stored (or deleted on request).
        missing = uuid.uuid4()
        token = uploads.upload_token(client.app.state.context.secret_key, missing)  # type: ignore[attr-defined]
        before = file_count(settings)
        response = upload(client, png(), to=Sent(missing, token, {}))
        assert response.status_code == 404
        assert "send the checklist first" in response.json()["message"]
        assert stored(db, missing) == 0 and file_count(settings) == before

    def test_unknown_item_is_422(self, client: TestClient, sent: Sent, db: Database) -> None:
        response = upload(client, png(), to=sent, item_id="lighting.no_such_question")
        assert response.status_code == 422
        assert "has no item 'lighting.no_such_question'" in response.json()["message"]
        assert stored(db, sent.id) == 0

    @pytest.mark.parametrize("bad", [str(uuid.uuid1()), "00000000-0000-0000-0000-000000000000"])
    def test_an_id_that_is_not_a_v4_uuid_is_422(
        self, client: TestClient, sent: Sent, bad: str
    ) -> None:
        assert upload(client, png(), to=Sent(uuid.UUID(bad), sent.token, {})).status_code == 422
        assert client.get(url(bad)).status_code == 422

    def test_window_closed_is_403_but_a_retry_of_a_stored_photo_is_not(
        self, client: TestClient, sent: Sent, db: Database, settings: Settings
    ) -> None:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = upload(client, png(), to=sent, headers=key)
        assert first.status_code == 201
        window = settings.photo_upload_window_h
        age(db, sent.id, window + 0.1)
        late = upload(client, png(), to=sent)
        assert late.status_code == 403
        assert late.json()["error"] == "upload_window_closed"
        assert f"{window:g} hours" in late.json()["message"]
        # The first answer was lost: its retry finds the photo stored in time.
        again = upload(client, png(), to=sent, headers=key)
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        assert stored(db, sent.id) == 1

    def test_just_inside_the_window_is_accepted(
        self, client: TestClient, sent: Sent, settings: Settings, db: Database
    ) -> None:
        age(db, sent.id, settings.photo_upload_window_h - 0.1)
        assert upload(client, png(), to=sent).status_code == 201

    def test_after_deletion_on_request_no_photo_comes_back(
        self, client: TestClient, sent: Sent, settings: Settings, db: Database
    ) -> None:
        assert upload(client, png(), to=sent).status_code == 201
        with db.write_session() as session:
            privacy_service.redact(
                session, submission_id=sent.id, settings=settings, by_user_id=None
            )
        refused = upload(client, png(), to=sent)
        assert refused.status_code == 403
        assert "deleted on request" in refused.json()["message"]
        assert stored(db, sent.id) == 0


@pytest.fixture
def capped_client(settings: Settings) -> Iterator[TestClient]:
    """The application with room for two photos per submission."""
    from app.main import create_app

    with TestClient(create_app(settings.model_copy(update={"photo_max_per_submission": 2}))) as c:
        yield c


class TestCap:
    def test_a_full_submission_is_409(
        self, capped_client: TestClient, registry: ChecklistRegistry, db: Database
    ) -> None:
        sent = send_submission(capped_client, registry)
        for _ in range(2):
            assert upload(capped_client, png((40, 30)), to=sent).status_code == 201
        full = upload(capped_client, png((40, 30)), to=sent)
        assert full.status_code == 409
        assert "already has the 2 photos allowed" in full.json()["message"]
        assert stored(db, sent.id) == 2

    def test_concurrent_uploads_never_pass_the_cap(
        self, capped_client: TestClient, registry: ChecklistRegistry, db: Database
    ) -> None:
        sent = send_submission(capped_client, registry)
        with ThreadPoolExecutor(6) as pool:
            codes = sorted(
                pool.map(
                    lambda n: upload(capped_client, png((40 + n, 30)), to=sent).status_code,
                    range(6),
                )
            )
        assert codes == [201, 201, 409, 409, 409, 409]
        assert stored(db, sent.id) == 2


class TestStaffAudits:
    def test_an_inspectors_audit_photo_is_approved_at_once(
        self, client: TestClient, registry: ChecklistRegistry, db: Database
    ) -> None:
        inspector = logged_in(
            client.app,
            create_user(
                db, role=UserRole.inspector, links=accounts_service.Links([], [], [], True)
            ),
        )
        answers = answers_for(registry.current, role="inspector")
        sent = send_submission(inspector, registry, answers=answers)
        response = upload(inspector, png(), to=sent)
        assert response.status_code == 201, response.text
        assert response.json()["state"] == "approved"

    def test_a_residents_photo_waits(self, client: TestClient, sent: Sent) -> None:
        assert upload(client, png(), to=sent).json()["state"] == "pending"


def _file(data: bytes, name: str = "a.png") -> UploadFile:
    return UploadFile(io.BytesIO(data), filename=name, headers=Headers({}))


class TestFormPath:
    """The no-JavaScript form's photos go through the same rules, in-process."""

    def test_stored_to_its_submission(
        self, client: TestClient, sent: Sent, registry: ChecklistRegistry, db: Database
    ) -> None:
        state = client.app.state.context  # type: ignore[attr-defined]
        refused = intake_photos.receive_photos(
            db,
            settings=state.settings,
            registry=registry,
            secret=state.secret_key,
            submission_id=sent.id,
            checklist_version=registry.current.version,
            photos={ITEM: _file(png())},
        )
        assert refused == [] and stored(db, sent.id) == 1

    def test_refused_after_the_window_and_for_a_missing_submission(
        self, client: TestClient, sent: Sent, registry: ChecklistRegistry, db: Database
    ) -> None:
        state = client.app.state.context  # type: ignore[attr-defined]
        age(db, sent.id, state.settings.photo_upload_window_h + 1)
        missing = uuid.uuid4()
        for submission_id in (sent.id, missing):
            refused = intake_photos.receive_photos(
                db,
                settings=state.settings,
                registry=registry,
                secret=state.secret_key,
                submission_id=submission_id,
                checklist_version=registry.current.version,
                photos={ITEM: _file(png())},
            )
            assert refused == [photo_upload.PhotoRefusal(ITEM, photo_upload.NOT_SAVED)]
            assert stored(db, submission_id) == 0
