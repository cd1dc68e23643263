"""Admins reset a password (a temporary one, shown once, replaced at the next login) and a
second factor (enrol again); the user's sessions end; `safeyard reset-password` does the same."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.audit.models import AuditEvent
from app.channels.cli.main import cli
from app.platform import migrate
from app.platform.config import get_settings
from app.platform.db import Database
from tests.accounts.support import (
    PASSWORD,
    create_user,
    fresh_client,
    log_in,
    logged_in,
    pass_second_factor,
    session_token,
)

TEMPORARY = re.compile(r'<code class="temporary-password">([^<]+)</code>')
NEW_PASSWORD = "my own new password"


def _user(db: Database, email: str) -> User:
    with db.session() as session:
        found = accounts_service.find_user(session, email)
        assert found is not None
        return found


def _reset(admin: TestClient, user: User, what: str = "password-reset"):  # type: ignore[no-untyped-def]
    return admin.post(
        f"/admin/users/{user.id}/{what}",
        data={"csrf_token": admin.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )


class TestPasswordReset:
    def test_temporary_password_then_a_new_one(self, client: TestClient, db: Database) -> None:
        admin = logged_in(client.app, create_user(db, role=UserRole.admin))
        user = create_user(db, role=UserRole.inspector)
        old_session = logged_in(client.app, user)
        answer = _reset(admin, user)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        temporary = TEMPORARY.search(answer.text).group(1)  # type: ignore[union-attr]
        assert len(temporary) >= 12
        # Shown once: not on the next visit of the page.
        assert temporary not in admin.get("/admin/users").text
        # The user's sessions ended; the old password no longer works.
        assert old_session.get("/inspector", follow_redirects=False).status_code == 303
        assert log_in(fresh_client(client.app), user.email, PASSWORD).status_code == 401

        browser = fresh_client(client.app)
        step = pass_second_factor(browser, log_in(browser, user.email, temporary))
        assert step.headers["location"].startswith("/login/new-password")
        assert (
            browser.get("/inspector", follow_redirects=False)
            .headers["location"]
            .startswith("/login/new-password")
        )
        token = session_token(browser)
        form = {"csrf_token": token, "next": "/inspector"}
        headers = {"X-CSRF-Token": token}
        differ = browser.post(
            "/login/new-password",
            data={**form, "password": NEW_PASSWORD, "confirm": "something else"},
            headers=headers,
        )
        assert differ.status_code == 400 and "differ" in differ.text
        same = browser.post(
            "/login/new-password",
            data={**form, "password": temporary, "confirm": temporary},
            headers=headers,
        )
        assert same.status_code == 422
        done = browser.post(
            "/login/new-password",
            data={**form, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            headers=headers,
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == "/inspector"
        assert browser.get("/inspector").status_code == 200
        assert not _user(db, user.email).must_change_password
        assert log_in(fresh_client(client.app), user.email, temporary).status_code == 401

    def test_admin_cannot_reset_their_own(self, client: TestClient, db: Database) -> None:
        me = create_user(db, role=UserRole.admin)
        admin = logged_in(client.app, me)
        assert _reset(admin, me).status_code == 400
        assert _reset(admin, me, "second-factor-reset").status_code == 400
        nobody = User(id=999_999, email="", name="", role="admin", password_hash="")
        assert _reset(admin, nobody).status_code == 404
        assert (
            admin.post(
                "/admin/users/not-a-number/password-reset",
                data={"csrf_token": admin.headers["X-CSRF-Token"]},
            ).status_code
            == 404
        )

    def test_inspector_cannot_reset(self, client: TestClient, db: Database) -> None:
        inspector = logged_in(client.app, create_user(db, role=UserRole.inspector))
        target = create_user(db, role=UserRole.cooperative)
        assert _reset(inspector, target).status_code == 403
        assert _reset(inspector, target, "second-factor-reset").status_code == 403


class TestSecondFactorReset:
    def test_user_enrols_again(self, client: TestClient, db: Database) -> None:
        admin = logged_in(client.app, create_user(db, role=UserRole.admin))
        user = create_user(db, role=UserRole.inspector)
        session = logged_in(client.app, user)
        old_secret = _user(db, user.email).totp_secret
        assert _reset(admin, user, "second-factor-reset").status_code == 303
        reset = _user(db, user.email)
        assert reset.totp_secret is None and reset.totp_confirmed_at is None
        assert session.get("/inspector", follow_redirects=False).status_code == 303
        response = log_in(fresh_client(client.app), user.email)
        assert response.headers["location"].startswith("/login/enrol")
        again = logged_in(client.app, user)  # enrols anew
        assert _user(db, user.email).totp_secret not in (None, old_secret)
        assert again.get("/inspector").status_code == 200
        with db.session() as session_:
            actions = session_.exec(
                select(AuditEvent.action).where(AuditEvent.target == f"user:{user.id}")
            ).all()
        assert "user.second_factor_reset" in actions


@pytest.fixture
def scratch_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'reset-cli.db'}"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    get_settings.cache_clear()
    migrate.upgrade(url)
    db = Database(url)
    yield db
    db.dispose()
    get_settings.cache_clear()


class TestResetCommand:
    def test_prints_a_temporary_password(self, scratch_db: Database) -> None:
        user = create_user(scratch_db, role=UserRole.admin)
        with scratch_db.write_session() as session:
            found = session.get(User, user.id)
            assert found is not None
            found.totp_secret = "sealed"
        result = CliRunner().invoke(cli, ["reset-password", user.email, "--second-factor"])
        assert result.exit_code == 0, result.output
        temporary = result.output.strip().rsplit(" ", 1)[1]
        stored = _user(scratch_db, user.email)
        assert stored.must_change_password and stored.totp_secret is None
        assert stored.session_version == user.session_version + 2
        with scratch_db.session() as session:
            assert accounts_service.authenticate(
                session, email=user.email, password=temporary, ip="x", max_failures=5, minutes=1
            )
            events = session.exec(select(AuditEvent.action, AuditEvent.ip)).all()
        assert sorted(events) == [
            ("user.password_reset", "cli"),
            ("user.second_factor_reset", "cli"),
        ]

    def test_unknown_email(self, scratch_db: Database) -> None:
        result = CliRunner().invoke(cli, ["reset-password", "nobody@example.kz"])
        assert result.exit_code == 1
        assert "there is no user nobody@example.kz" in result.output
