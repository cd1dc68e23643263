"""A resident's photo is public only once approved; its sender and staff see it at once."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.audit.models import AuditEvent
from app.checklists.loader import ChecklistRegistry
from app.photos.models import Photo
from app.platform.db import Database
from tests.accounts.support import TOKEN, create_user, fresh_client, logged_in
from tests.photos.images import png
from tests.photos.support import Sent, send_submission, upload, url


def images(pdf: bytes) -> int:
    """Distinct pictures in a PDF (WeasyPrint may list one on every page's resources)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return len({hashlib.sha256(image.data).digest() for page in pages for image in page.images})


@dataclass
class Scene:
    sent: Sent
    yard_id: int
    district_id: str
    photo_id: str = ""
    yard_images: int = 0  # in the yard's report before the photo came
    sender_images: int = 0  # in the sender's report before the photo came


@pytest.fixture
def admin(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.admin))


def inspector_of(client: TestClient, db: Database, district_id: str) -> TestClient:
    links = accounts_service.Links([district_id], [], [])
    return logged_in(client.app, create_user(db, role=UserRole.inspector, links=links))


def yard_pdf(staff: TestClient, yard_id: int) -> bytes:
    response = staff.get(f"/yards/{yard_id}/report.pdf")
    assert response.status_code == 200, response.text
    return response.content


def sender_pdf(client: TestClient, submission_id: uuid.UUID) -> bytes:
    response = client.get(f"/result/{submission_id}/report.pdf")
    assert response.status_code == 200, response.text
    return response.content


def make_scene(
    client: TestClient, registry: ChecklistRegistry, admin: TestClient | None = None
) -> Scene:
    """A resident's checklist of a yard of its own with a photo; with ``admin``, the yard's
    and the sender's reports are read before the photo comes (the baseline image counts)."""
    sent = send_submission(client, registry)
    result = client.get(f"/api/v1/submissions/{sent.id}").json()
    scene = Scene(sent, result["yard_id"], result["district_id"])
    if admin is not None:
        scene.yard_images = images(yard_pdf(admin, scene.yard_id))
        scene.sender_images = images(sender_pdf(client, sent.id))
    response = upload(client, png((400, 300)), to=sent)
    assert response.status_code == 201, response.text
    scene.photo_id = response.json()["id"]
    return scene


@pytest.fixture
def scene(client: TestClient, registry: ChecklistRegistry) -> Scene:
    return make_scene(client, registry)


@pytest.fixture
def reported(client: TestClient, registry: ChecklistRegistry, admin: TestClient) -> Scene:
    return make_scene(client, registry, admin)


def decide(staff: TestClient, photo_id: str, decision: str, *, token: str | None = None):  # type: ignore[no-untyped-def]
    page = staff.get("/inspector/photos")
    found = TOKEN.search(page.text)
    csrf = token if token is not None else (found.group(1) if found else "")
    return staff.post(
        f"/inspector/photos/{photo_id}",
        data={"csrf_token": csrf, "decision": decision},
        follow_redirects=False,
    )


def state_of(db: Database, photo_id: str) -> Photo:
    with db.session() as session:
        photo = session.get(Photo, uuid.UUID(photo_id))
        assert photo is not None
        return photo


class TestPending:
    def test_the_sender_sees_it_at_once(self, client: TestClient, reported: Scene) -> None:
        listed = client.get(url(reported.sent.id)).json()
        assert [(p["id"], p["state"]) for p in listed] == [(reported.photo_id, "pending")]
        assert images(sender_pdf(client, reported.sent.id)) == reported.sender_images + 1
        page = client.get(f"/result/{reported.sent.id}", headers={"Accept-Language": "ru"})
        assert f"/photos/{reported.photo_id}/thumb.jpg" in page.text
        assert "Ждёт проверки" in page.text

    def test_the_yard_report_and_public_pages_do_not_show_it(
        self, client: TestClient, admin: TestClient, reported: Scene
    ) -> None:
        assert images(yard_pdf(admin, reported.yard_id)) == reported.yard_images
        anonymous = fresh_client(client.app)
        for path in (f"/yards/{reported.yard_id}", f"/api/v1/yards/{reported.yard_id}"):
            response = anonymous.get(path)
            assert response.status_code == 200
            assert reported.photo_id not in response.text

    def test_staff_in_scope_see_it_on_the_moderation_page(
        self, client: TestClient, db: Database, admin: TestClient, scene: Scene
    ) -> None:
        thumb = f"/photos/{scene.photo_id}/thumb.jpg"
        assert thumb in admin.get("/inspector/photos").text
        assert thumb in inspector_of(client, db, scene.district_id).get("/inspector/photos").text
        other = "medeu" if scene.district_id != "medeu" else "almaly"
        assert thumb not in inspector_of(client, db, other).get("/inspector/photos").text
        assert admin.get(thumb).status_code == 200


class TestDecisions:
    def test_approve_makes_it_public(
        self, client: TestClient, db: Database, admin: TestClient, reported: Scene
    ) -> None:
        response = decide(admin, reported.photo_id, "approve")
        assert response.status_code == 303 and response.headers["location"] == "/inspector/photos"
        photo = state_of(db, reported.photo_id)
        assert photo.state == "approved" and photo.moderated_at is not None
        assert photo.moderated_by is not None
        with db.session() as session:
            audited = session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "photo.moderate",
                    AuditEvent.target == f"yard:{reported.yard_id}",
                )
            ).all()
        assert [e.user_id for e in audited] == [photo.moderated_by]
        assert images(yard_pdf(admin, reported.yard_id)) == reported.yard_images + 1
        assert f"/photos/{reported.photo_id}/thumb.jpg" not in admin.get("/inspector/photos").text

    def test_reject_is_never_public(
        self, client: TestClient, db: Database, admin: TestClient, reported: Scene
    ) -> None:
        assert decide(admin, reported.photo_id, "reject").status_code == 303
        assert state_of(db, reported.photo_id).state == "rejected"
        assert images(yard_pdf(admin, reported.yard_id)) == reported.yard_images
        assert images(sender_pdf(client, reported.sent.id)) == reported.sender_images
        # The sender still learns what became of it.
        assert client.get(url(reported.sent.id)).json()[0]["state"] == "rejected"

    def test_an_inspector_of_another_district_cannot_decide(
        self, client: TestClient, db: Database, scene: Scene
    ) -> None:
        other = "medeu" if scene.district_id != "medeu" else "almaly"
        response = decide(inspector_of(client, db, other), scene.photo_id, "approve")
        assert response.status_code == 404
        assert "not among the photos you moderate" in response.text
        assert state_of(db, scene.photo_id).state == "pending"

    def test_an_inspector_in_scope_can(
        self, client: TestClient, db: Database, scene: Scene
    ) -> None:
        inspector = inspector_of(client, db, scene.district_id)
        assert decide(inspector, scene.photo_id, "approve").status_code == 303
        assert state_of(db, scene.photo_id).state == "approved"

    def test_a_form_without_its_token_is_refused(
        self, db: Database, admin: TestClient, scene: Scene
    ) -> None:
        response = decide(admin, scene.photo_id, "approve", token="forged")
        assert response.status_code == 403
        assert state_of(db, scene.photo_id).state == "pending"

    def test_an_unknown_decision_is_422_with_a_message(
        self, db: Database, admin: TestClient, scene: Scene
    ) -> None:
        response = decide(admin, scene.photo_id, "publish")
        assert response.status_code == 422
        assert "Approve" in response.text and "Reject" in response.text
        assert state_of(db, scene.photo_id).state == "pending"


class TestPage:
    @pytest.mark.parametrize(
        ("lang", "title"),
        [
            ("ru", "Фото на проверку"),
            ("kk", "Тексерілетін фотосуреттер"),
            ("en", "Photos to check"),
        ],
    )
    def test_in_three_languages(
        self, client: TestClient, db: Database, lang: str, title: str
    ) -> None:
        staff = logged_in(client.app, create_user(db, role=UserRole.admin))
        page = staff.get(f"/inspector/photos?lang={lang}")
        assert page.status_code == 200
        assert re.search(rf"<h1>\s*{title}\s*</h1>", page.text), page.text[:500]

    def test_residents_and_cooperatives_are_kept_out(
        self, client: TestClient, db: Database
    ) -> None:
        assert (
            fresh_client(client.app).get("/inspector/photos", follow_redirects=False).status_code
            == 303
        )
        cooperative = logged_in(client.app, create_user(db, role=UserRole.cooperative))
        assert cooperative.get("/inspector/photos").status_code == 403
