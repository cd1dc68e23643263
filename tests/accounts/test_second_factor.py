"""The second factor (TOTP): a password alone reaches nothing staff-only; enrolment; wrong,
replayed and drifted codes; failures count toward the lock-out; secrets stored sealed."""

from __future__ import annotations

import re
import time

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import security, totp
from app.accounts import service as accounts_service
from app.accounts.models import LoginAttempt, User, UserRole
from app.platform.db import Database
from tests.accounts.support import (
    SHOWN_KEY,
    code_for,
    create_user,
    fresh_client,
    log_in,
    logged_in,
    pass_second_factor,
    session_token,
    stored_secret,
)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")
STAFF_ONLY = ["/inspector", "/admin/users", "/admin/audit", "/api/v1/exports/areas.csv"]


def _user(db: Database, email: str) -> User:
    with db.session() as session:
        found = accounts_service.find_user(session, email)
        assert found is not None
        return found


def _post_code(browser: TestClient, path: str, code: str) -> httpx.Response:
    token = session_token(browser)
    return browser.post(
        path,
        data={"csrf_token": token, "code": code, "next": "/inspector"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )


def _half_logged_in(client: TestClient, user: User) -> TestClient:
    browser = fresh_client(client.app)
    response = log_in(browser, user.email)
    assert response.status_code == 303
    return browser


def _enrolled(client: TestClient, db: Database, role: UserRole = UserRole.admin) -> User:
    """A user who enrolled through the pages (then logged out: the cookie is dropped)."""
    user = create_user(db, role=role)
    logged_in(client.app, user)
    return _user(db, user.email)


class TestPasswordAlone:
    @pytest.mark.parametrize("role", [UserRole.admin, UserRole.inspector])
    def test_reaches_only_enrolment(self, client: TestClient, db: Database, role: UserRole) -> None:
        user = create_user(db, role=role)
        browser = _half_logged_in(client, user)
        for path in STAFF_ONLY:
            page = browser.get(path, follow_redirects=False)
            if path.startswith("/api/"):
                assert page.status_code == 401, path
            else:
                assert page.status_code == 303, path
                assert page.headers["location"].startswith("/login/enrol?next="), path
        # The login page, the header and the yard page treat it as not signed in.
        assert (
            browser.get("/login", follow_redirects=False)
            .headers["location"]
            .startswith("/login/enrol")
        )

    def test_enrolled_user_is_asked_for_the_code(self, client: TestClient, db: Database) -> None:
        user = _enrolled(client, db)
        browser = _half_logged_in(client, user)
        for path in STAFF_ONLY[:3]:
            page = browser.get(path, follow_redirects=False)
            assert page.headers["location"].startswith("/login/code?next="), path
        assert browser.get("/api/v1/districts").status_code == 401
        assert (
            browser.get("/login/enrol", follow_redirects=False)
            .headers["location"]
            .startswith("/login/code")
        )

    def test_cooperative_without_a_factor_logs_in_with_the_password(
        self, client: TestClient, db: Database
    ) -> None:
        user = create_user(db, role=UserRole.cooperative)
        response = log_in(fresh_client(client.app), user.email)
        assert response.headers["location"] == "/my-yards"  # its own page, no code asked

    def test_setting_off_lets_staff_in_with_a_password(
        self, client: TestClient, db: Database
    ) -> None:
        settings = client.app.state.context.settings  # type: ignore[attr-defined]
        user = create_user(db, role=UserRole.admin)
        settings.require_totp = False
        try:
            browser = _half_logged_in(client, user)
            assert browser.get("/admin/users", follow_redirects=False).status_code == 200
        finally:
            settings.require_totp = True
        assert browser.get("/admin/users", follow_redirects=False).status_code == 303

    def test_logout_ends_a_half_done_login(self, client: TestClient, db: Database) -> None:
        user = _enrolled(client, db)
        browser = _half_logged_in(client, user)
        cookie = browser.cookies.get(security.SESSION_COOKIE)
        token = session_token(browser)
        out = browser.post(
            "/logout",
            data={"csrf_token": token},
            headers={"X-CSRF-Token": token},
            follow_redirects=False,
        )
        assert out.status_code == 303
        replay = fresh_client(client.app)
        replay.cookies.set(security.SESSION_COOKIE, cookie or "")
        code = code_for(*stored_secret(client.app, user.email))
        assert _post_code(replay, "/login/code", code).headers["location"].startswith("/login?")


class TestEnrolment:
    def test_shows_the_secret_as_qr_and_text_until_confirmed(
        self, client: TestClient, db: Database
    ) -> None:
        user = create_user(db, role=UserRole.inspector)
        browser = _half_logged_in(client, user)
        page = browser.get("/login/enrol")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "<svg" in page.text and not INLINE_SCRIPT.search(page.text)  # CSP
        shown = SHOWN_KEY.search(page.text)
        assert shown
        key = shown.group(1).replace(" ", "")
        # The same pending secret on a reload, stored sealed (not as the plain key).
        assert SHOWN_KEY.search(browser.get("/login/enrol").text).group(1) == shown.group(1)  # type: ignore[union-attr]
        stored = _user(db, user.email)
        assert stored.totp_secret and key not in stored.totp_secret
        assert stored.totp_confirmed_at is None
        assert totp.unseal("another key", stored.totp_secret) is None

        assert _post_code(browser, "/login/enrol", "000000").status_code == 401
        done = _post_code(browser, "/login/enrol", code_for(key))
        assert done.status_code == 303 and done.headers["location"] == "/inspector"
        assert browser.get("/inspector").status_code == 200
        assert _user(db, user.email).totp_confirmed_at is not None
        # Never shown again, not even to its owner.
        again = browser.get("/account/second-factor")
        assert again.status_code == 200 and not SHOWN_KEY.search(again.text)
        assert browser.get("/login/enrol", follow_redirects=False).status_code == 303

    def test_cooperative_may_enrol_and_is_then_asked(
        self, client: TestClient, db: Database
    ) -> None:
        user = create_user(db, role=UserRole.cooperative)
        browser = logged_in(client.app, user)
        page = browser.get("/account/second-factor")
        key = SHOWN_KEY.search(page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
        wrong = browser.post(
            "/account/second-factor", data={"csrf_token": session_token(browser), "code": "12"}
        )
        assert wrong.status_code == 422
        done = browser.post(
            "/account/second-factor",
            data={"csrf_token": session_token(browser), "code": code_for(key)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        response = log_in(fresh_client(client.app), user.email)
        assert response.headers["location"].startswith("/login/code")


class TestCodes:
    def test_right_code_completes_the_login(self, client: TestClient, db: Database) -> None:
        user = _enrolled(client, db)
        browser = _half_logged_in(client, user)
        cookie = browser.cookies.get(security.SESSION_COOKIE)
        done = _post_code(browser, "/login/code", code_for(*stored_secret(client.app, user.email)))
        assert done.status_code == 303 and done.headers["location"] == "/inspector"
        assert browser.get("/admin/users").status_code == 200
        # The one-factor cookie, kept aside, still reaches nothing.
        other = fresh_client(client.app)
        other.cookies.set(security.SESSION_COOKIE, cookie or "")
        assert other.get("/admin/users", follow_redirects=False).status_code == 303

    def test_wrong_code(self, client: TestClient, db: Database) -> None:
        user = _enrolled(client, db)
        browser = _half_logged_in(client, user)
        secret, _ = stored_secret(client.app, user.email)
        wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
        for bad in (wrong, "abcdef", "1234567", ""):
            response = _post_code(browser, "/login/code", bad)
            assert response.status_code == 401, bad
            assert "not right" in response.text
        assert browser.get("/admin/users", follow_redirects=False).status_code == 303

    def test_a_used_code_is_refused(self, client: TestClient, db: Database) -> None:
        user = _enrolled(client, db)
        secret, _ = stored_secret(client.app, user.email)
        first = _half_logged_in(client, user)
        code = code_for(secret, _user(db, user.email).totp_last_step)
        assert _post_code(first, "/login/code", code).status_code == 303
        second = _half_logged_in(client, user)
        replay = _post_code(second, "/login/code", code)
        assert replay.status_code == 401
        assert second.get("/admin/users", follow_redirects=False).status_code == 303

    @pytest.mark.parametrize(
        ("offset", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)]
    )
    def test_one_step_of_drift(self, offset: int, accepted: bool) -> None:
        secret = totp.new_secret()
        now = time.time()
        code = pyotp.TOTP(secret).at(now + offset * totp.STEP_S)
        step = totp.matching_step(secret, code, last_step=None, now=now)
        assert (step is not None) is accepted
        if accepted:
            assert step == int(now // totp.STEP_S) + offset
            # That step and those before it are used up.
            assert totp.matching_step(secret, code, last_step=step, now=now) is None

    def test_failures_count_toward_the_lock_out(self, client: TestClient, db: Database) -> None:
        user = _enrolled(client, db)
        browser = _half_logged_in(client, user)
        # Two wrong passwords, then the right one: the count is not reset by the password.
        for _ in range(2):
            assert (
                log_in(fresh_client(client.app), user.email, "wrong password!").status_code == 401
            )
        for _ in range(3):
            assert _post_code(browser, "/login/code", "000000").status_code in (401, 429)
        right = code_for(*stored_secret(client.app, user.email))
        locked = _post_code(browser, "/login/code", right)
        assert locked.status_code == 429
        assert "Too many failed logins" in locked.text
        assert log_in(fresh_client(client.app), user.email).status_code == 429
        with db.session() as session:
            attempts = session.exec(select(LoginAttempt).where(LoginAttempt.email == user.email))
            assert len(attempts.all()) == 5

    def test_a_complete_login_clears_the_failures(self, client: TestClient, db: Database) -> None:
        user = _enrolled(client, db)
        browser = _half_logged_in(client, user)
        assert _post_code(browser, "/login/code", "000000").status_code == 401
        response = pass_second_factor(
            browser, httpx.Response(303, headers={"location": "/login/code"})
        )
        assert response.status_code == 303
        with db.session() as session:
            left = session.exec(select(LoginAttempt).where(LoginAttempt.email == user.email))
            assert left.all() == []
