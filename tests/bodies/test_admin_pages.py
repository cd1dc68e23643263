"""/admin/bodies: admins list, create and edit bodies and their members; no one else may."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlmodel import select

from app.accounts.models import UserRole
from app.audit.models import AuditEvent
from app.bodies.models import Body, BodyItem, BodyMember, YardCooperative
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.accounts.support import create_user, fresh_client, logged_in
from tests.factories import create_yard


@pytest.fixture
def made(db: Database) -> Iterator[list[str]]:
    """Ids of the bodies a test commits: removed after it, so no other test routes to them."""
    ids: list[str] = []
    yield ids
    with db.write_session() as session:
        for model in (BodyItem, YardCooperative, BodyMember):
            session.execute(delete(model).where(model.body_id.in_(ids)))  # type: ignore[attr-defined]
        session.execute(delete(Body).where(Body.id.in_(ids)))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def admin(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.admin))


def new_id() -> str:
    return f"t-admin-{uuid.uuid4().hex[:8]}"


def form(admin: TestClient, **values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": admin.headers["X-CSRF-Token"],
        "name_ru": "Управление полиции",
        "name_kk": "Полиция басқармасы",
        "name_en": "Police department",
        "district": "medeu",
        "kind": "police",
        "channel": "email",
        "email": "medeu-police@police.example",
        "deadline_days": "14",
        "active": "on",
        "items": ["social.drinking", "maintenance.drug_ads"],
        "days:maintenance.drug_ads": "7",
    }
    data.update(values)
    return data


def stored(db: Database, body_id: str) -> tuple[Body | None, dict[str, int | None]]:
    with db.session() as session:
        body = session.get(Body, body_id)
        items = {
            i.item_id: i.deadline_days
            for i in session.exec(select(BodyItem).where(BodyItem.body_id == body_id))
        }
    return body, items


class TestAdminBodies:
    def test_create_list_and_edit(self, admin: TestClient, db: Database, made: list[str]) -> None:
        blank = admin.get("/admin/bodies/new")
        assert blank.status_code == 200 and 'name="items" value="lighting.at_night"' in blank.text
        body_id = new_id()
        made.append(body_id)
        created = admin.post(
            "/admin/bodies/new", data=form(admin, id=body_id), follow_redirects=False
        )
        assert created.status_code == 303, created.text
        assert created.headers["location"] == f"/admin/bodies/{body_id}"
        body, items = stored(db, body_id)
        assert body is not None and body.deadline_days == 14 and body.name_kk
        assert items == {"social.drinking": None, "maintenance.drug_ads": 7}

        listing = admin.get("/admin/bodies?district=medeu&kind=police")
        assert listing.status_code == 200 and body_id in listing.text
        assert "Only administrators see this page." in listing.text
        assert body_id not in admin.get("/admin/bodies?district=city").text

        page = admin.get(f"/admin/bodies/{body_id}")
        assert 'value="social.drinking" id="item-social.drinking" checked' in page.text
        assert (
            'name="days:maintenance.drug_ads" size="4" inputmode="numeric" value="7"' in page.text
        )

        changed = admin.post(
            f"/admin/bodies/{body_id}",
            data=form(admin, name_ru="УП Медеуского района", items=["social.drinking"]),
            follow_redirects=False,
        )
        assert changed.status_code == 303, changed.text
        body, items = stored(db, body_id)
        assert body is not None and body.name == "УП Медеуского района"
        assert items == {"social.drinking": None}
        with db.session() as session:
            targets = {
                e.target
                for e in session.exec(select(AuditEvent).where(AuditEvent.action == "body.update"))
            }
        assert f"body:{body_id}" in targets

    def test_a_bad_email_gives_422_and_keeps_what_was_typed(
        self, admin: TestClient, db: Database, made: list[str]
    ) -> None:
        body_id = new_id()
        made.append(body_id)
        answer = admin.post(
            "/admin/bodies/new",
            data=form(admin, id=body_id, email="police at medeu", name_en="Typed name"),
        )
        assert answer.status_code == 422
        assert "is not an e-mail address" in answer.text and "police at medeu" in answer.text
        assert 'value="Typed name"' in answer.text
        assert stored(db, body_id)[0] is None
        russian = admin.post(
            "/admin/bodies/new",
            data=form(admin, id=body_id, email="police at medeu"),
            headers={"Accept-Language": "ru"},
        )
        assert russian.status_code == 422 and "не адрес электронной почты" in russian.text

    def test_duplicate_district_and_item_refused(
        self, admin: TestClient, db: Database, made: list[str]
    ) -> None:
        first, second = new_id(), new_id()
        made.extend([first, second])
        ok = admin.post("/admin/bodies/new", data=form(admin, id=first), follow_redirects=False)
        assert ok.status_code == 303
        clash = admin.post(
            "/admin/bodies/new",
            data=form(admin, id=second, kind="akimat", items=["social.drinking"]),
        )
        assert clash.status_code == 422
        assert "social.drinking" in clash.text and first in clash.text
        assert stored(db, second)[0] is None
        taken = admin.post("/admin/bodies/new", data=form(admin, id=first, items=[]))
        assert taken.status_code == 422 and "exists already" in taken.text

    def test_cooperative_yards_and_members(
        self, admin: TestClient, db: Database, made: list[str]
    ) -> None:
        with db.write_session() as session:
            yard = create_yard(session, district="medeu")
        official = create_user(db, role=UserRole.official)
        inspector = create_user(db, role=UserRole.inspector)
        body_id = new_id()
        made.append(body_id)
        created = admin.post(
            "/admin/bodies/new",
            data=form(admin, id=body_id, kind="cooperative", yards=f"{yard.id}\n"),
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text
        page = admin.get(f"/admin/bodies/{body_id}")
        assert f"Yard no. {yard.id}" in page.text
        token = admin.headers["X-CSRF-Token"]
        added = admin.post(
            f"/admin/bodies/{body_id}/members",
            data={"csrf_token": token, "email": official.email},
            follow_redirects=False,
        )
        assert added.status_code == 303
        assert official.email in admin.get(f"/admin/bodies/{body_id}").text
        refused = admin.post(
            f"/admin/bodies/{body_id}/members", data={"csrf_token": token, "email": inspector.email}
        )
        assert refused.status_code == 422 and "not an official" in refused.text
        removed = admin.post(
            f"/admin/bodies/{body_id}/members/{official.id}/remove",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert removed.status_code == 303
        with db.session() as session:
            assert not session.exec(select(BodyMember).where(BodyMember.body_id == body_id)).all()

    def test_every_item_with_its_deadline_box_fits_in_one_form(
        self, admin: TestClient, db: Database, made: list[str], registry: ChecklistRegistry
    ) -> None:
        item_ids = [i.id for i in registry.current.checklist.items() if i.scored]
        body_id = new_id()
        made.append(body_id)
        data = form(admin, id=body_id, kind="cooperative", district="nauryzbay", items=item_ids)
        # A browser sends every box, empty or not.
        data.update({f"days:{item_id}": "" for item_id in item_ids})
        data["days:lighting.at_night"] = "5"
        answer = admin.post("/admin/bodies/new", data=data, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        items = stored(db, body_id)[1]
        assert len(items) == len(item_ids) and items["lighting.at_night"] == 5

    def test_no_csrf_token_no_change(self, admin: TestClient, made: list[str]) -> None:
        body_id = new_id()
        made.append(body_id)
        data = form(admin, id=body_id)
        data["csrf_token"] = "forged"
        assert admin.post("/admin/bodies/new", data=data).status_code == 403


class TestOthers:
    @pytest.mark.parametrize("role", [UserRole.inspector, UserRole.cooperative, UserRole.official])
    def test_staff_who_are_not_admins_get_403(
        self, client: TestClient, db: Database, role: UserRole
    ) -> None:
        browser = logged_in(client.app, create_user(db, role=role))
        assert browser.get("/admin/bodies").status_code == 403
        assert browser.get("/admin/bodies/new").status_code == 403
        posted = browser.post(
            "/admin/bodies/new", data={"csrf_token": browser.headers["X-CSRF-Token"], "id": "x"}
        )
        assert posted.status_code == 403

    def test_anonymous_is_sent_to_login(self, client: TestClient) -> None:
        answer = fresh_client(client.app).get("/admin/bodies", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login")
