"""Login, logout, lock-out, cookie flags and CSRF."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import security
from app.accounts.models import LoginAttempt, UserRole
from app.platform.db import Database
from tests.accounts.support import (
    PASSWORD,
    create_user,
    fresh_client,
    log_in,
    logged_in,
    login_token,
)


class TestLogin:
    def test_success_sets_a_safe_cookie(self, client: TestClient, db: Database) -> None:
        user = create_user(db, role=UserRole.cooperative)  # no second factor asked
        browser = fresh_client(client.app)
        response = log_in(browser, user.email.upper())
        assert response.status_code == 303
        assert response.headers["location"] == "/my-yards"  # a cooperative's own page
        cookie = next(
            c
            for c in response.headers.get_list("set-cookie")
            if c.startswith(security.SESSION_COOKIE + "=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # SAFEYARD_COOKIE_SECURE is false by default

    def test_email_is_stored_lower_cased(self, db: Database) -> None:
        user = create_user(db, role=UserRole.admin, email="Someone.Big@Example.KZ")
        assert user.email == "someone.big@example.kz"

    def test_wrong_password(self, client: TestClient, db: Database) -> None:
        user = create_user(db, role=UserRole.inspector)
        response = log_in(fresh_client(client.app), user.email, "wrong password!")
        assert response.status_code == 401
        assert "Wrong email or password" in response.text
        assert security.SESSION_COOKIE not in response.cookies

    def test_disabled_user_cannot_log_in(self, client: TestClient, db: Database) -> None:
        user = create_user(db, role=UserRole.inspector)
        with db.write_session() as session:
            found = session.get(type(user), user.id)
            assert found is not None
            found.active = False
        assert log_in(fresh_client(client.app), user.email).status_code == 401

    def test_page_in_russian_and_kazakh(self, client: TestClient) -> None:
        browser = fresh_client(client.app)
        assert "Войти" in browser.get("/login", headers={"Accept-Language": "ru"}).text
        assert "Кіру" in browser.get("/login", headers={"Accept-Language": "kk"}).text


class TestLockOut:
    def test_five_failures_lock_the_account_for_this_address(
        self, client: TestClient, db: Database
    ) -> None:
        user = create_user(db, role=UserRole.cooperative)
        browser = fresh_client(client.app)
        for _ in range(5):
            assert log_in(browser, user.email, "wrong password!").status_code == 401
        locked = log_in(browser, user.email)  # even the right password
        assert locked.status_code == 429
        assert "Too many failed logins" in locked.text
        with db.session() as session:
            attempts = session.exec(
                select(LoginAttempt).where(LoginAttempt.email == user.email)
            ).all()
        assert len(attempts) == 5


class TestLogout:
    def test_logout_ends_the_session(self, client: TestClient, db: Database) -> None:
        user = create_user(db, role=UserRole.admin)
        browser = logged_in(client.app, user)
        old_cookie = browser.cookies.get(security.SESSION_COOKIE)
        assert browser.get("/admin/users").status_code == 200
        token = browser.headers["X-CSRF-Token"]
        response = browser.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert browser.get("/admin/users", follow_redirects=False).status_code == 303
        # The old cookie, replayed, no longer works either.
        replay = fresh_client(client.app)
        replay.cookies.set(security.SESSION_COOKIE, old_cookie or "")
        assert replay.get("/admin/users", follow_redirects=False).status_code == 303


class TestCsrf:
    def test_login_form_without_token_is_refused(self, client: TestClient, db: Database) -> None:
        user = create_user(db, role=UserRole.inspector)
        browser = fresh_client(client.app)
        login_token(browser)
        response = browser.post(
            "/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 403
        assert "This form has expired or did not come from SafeYard" in response.text

    def test_admin_form_without_token_is_refused(self, client: TestClient, db: Database) -> None:
        browser = logged_in(client.app, create_user(db, role=UserRole.admin))
        response = browser.post(
            "/admin/users",
            data={"email": "x@example.kz", "role": "inspector"},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert "did not come from SafeYard" in response.text

    def test_page_post_from_another_site_is_refused(self, client: TestClient, db: Database) -> None:
        browser = logged_in(client.app, create_user(db, role=UserRole.inspector))
        del browser.headers["X-CSRF-Token"]
        browser.headers["Origin"] = "https://evil.example"
        response = browser.post("/checklist", data={}, follow_redirects=False)
        assert response.status_code == 403
        assert "did not come from SafeYard" in response.text

    def test_api_with_a_session_cookie_needs_the_header(
        self, client: TestClient, db: Database
    ) -> None:
        browser = logged_in(client.app, create_user(db, role=UserRole.inspector))
        token = browser.headers.pop("X-CSRF-Token")
        refused = browser.post("/api/v1/submissions", json={})
        assert refused.status_code == 403
        assert refused.json()["error"] == "csrf"
        assert "X-CSRF-Token" in refused.json()["message"]
        allowed = browser.post("/api/v1/submissions", json={}, headers={"X-CSRF-Token": token})
        assert allowed.status_code == 422

    def test_anonymous_api_needs_no_token(self, client: TestClient) -> None:
        assert fresh_client(client.app).post("/api/v1/submissions", json={}).status_code == 422
