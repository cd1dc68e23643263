"""/admin/users: list, create, change role and links, disable."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.platform.db import Database
from tests.accounts.support import create_user, log_in, logged_in, new_email


def _user(db: Database, email: str) -> User:
    with db.session() as session:
        return session.exec(select(User).where(User.email == email.lower())).one()


class TestAdminUsers:
    def test_create_change_and_disable(self, client: TestClient, db: Database) -> None:
        admin = logged_in(client.app, create_user(db, role=UserRole.admin))
        token = admin.headers["X-CSRF-Token"]
        email = new_email("coop")
        created = admin.post(
            "/admin/users",
            data={
                "csrf_token": token,
                "email": email,
                "name": "KSK Samal",
                "role": "inspector",
                "password": "a long enough password",
                "districts": "almaly, bostandyk",
            },
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text
        user = _user(db, email)
        listing = admin.get("/admin/users")
        assert email.lower() in listing.text
        with db.session() as session:
            scope = Scope.of(session, user)
        assert scope.district_ids == {"almaly", "bostandyk"} and not scope.city_wide

        changed = admin.post(
            f"/admin/users/{user.id}",
            data={"csrf_token": token, "role": "inspector", "city_wide": "on", "active": "on"},
            follow_redirects=False,
        )
        assert changed.status_code == 303
        with db.session() as session:
            scope = Scope.of(session, _user(db, email))
        assert scope.city_wide and not scope.district_ids

        disabled = admin.post(
            f"/admin/users/{user.id}",
            data={"csrf_token": token, "role": "inspector"},
            follow_redirects=False,
        )
        assert disabled.status_code == 303
        assert not _user(db, email).active
        assert log_in(TestClient(client.app), email, "a long enough password").status_code == 401

    def test_bad_input_shows_the_page_again(self, client: TestClient, db: Database) -> None:
        admin = logged_in(client.app, create_user(db, role=UserRole.admin))
        token = admin.headers["X-CSRF-Token"]
        response = admin.post(
            "/admin/users",
            data={
                "csrf_token": token,
                "email": new_email(),
                "name": "x",
                "role": "cooperative",
                "password": "a long enough password",
                "districts": "almaly",
            },
        )
        assert response.status_code == 422
        assert "Only inspectors" in response.text

    def test_admin_cannot_demote_themselves(self, client: TestClient, db: Database) -> None:
        me = create_user(db, role=UserRole.admin)
        admin = logged_in(client.app, me)
        response = admin.post(
            f"/admin/users/{me.id}",
            data={"csrf_token": admin.headers["X-CSRF-Token"], "role": "inspector", "active": "on"},
        )
        assert response.status_code == 400
        assert _user(db, me.email).role == UserRole.admin
