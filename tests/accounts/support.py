"""Helpers for the accounts tests: clients of their own, logged in as a person would (the
shared ``client`` keeps no session cookie for the other tests). The users themselves come
from ``tests.factories`` (re-exported here for the tests that import them from this module)."""

from __future__ import annotations

import re
import time

import httpx
import pyotp
from fastapi.testclient import TestClient

from app.accounts import security, totp
from app.accounts import service as accounts_service
from app.accounts.models import User
from tests.factories import PASSWORD as PASSWORD
from tests.factories import create_user as create_user
from tests.factories import new_email as new_email

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def fresh_client(app: object, **headers: str) -> TestClient:
    return TestClient(app, headers={"Accept-Language": "en", **headers})  # type: ignore[arg-type]


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    match = TOKEN.search(page.text)
    assert match, page.text
    return match.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = login_token(client)
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password, "next": "/"},
        follow_redirects=False,
    )


def logged_in(app: object, user: User) -> TestClient:
    """A client with the user's session, sending the headers a browser of the site sends.
    Admins and inspectors pass the second factor as a person would: enrolling from the key
    the page shows (or, enrolled already, with a code of their stored secret)."""
    client = fresh_client(app, Origin="http://testserver")
    response = log_in(client, user.email)
    assert response.status_code == 303, response.text
    response = pass_second_factor(client, response)
    assert response.status_code == 303, response.text
    assert not response.headers["location"].startswith("/login"), response.headers
    client.headers["X-CSRF-Token"] = session_token(client)
    return client


SHOWN_KEY = re.compile(r'<code class="totp-secret">([A-Z2-7 ]+)</code>')


def stored_secret(app: object, email: str) -> tuple[str, int | None]:
    """The user's TOTP secret (unsealed with the app's key) and the last step used."""
    state = app.state.context  # type: ignore[attr-defined]
    with state.db.session() as session:
        user = accounts_service.find_user(session, email)
        assert user is not None and user.totp_secret
    secret = totp.unseal(state.secret_key, user.totp_secret)
    assert secret is not None
    return secret, user.totp_last_step


def code_for(secret: str, last_step: int | None = None) -> str:
    """A current code not used before: this step's, or the next one (drift allows it)."""
    while True:
        now = int(time.time() // totp.STEP_S)
        step = now if last_step is None or last_step < now else last_step + 1
        if step <= now + totp.DRIFT_STEPS:
            return pyotp.TOTP(secret, interval=totp.STEP_S).at(step * totp.STEP_S)
        time.sleep(1)


def pass_second_factor(client: TestClient, response: httpx.Response) -> httpx.Response:
    """After the password: enrol or type the code when the login asks for it; returns the
    answer that completes it (or ``response`` when no step was asked)."""
    location = response.headers.get("location", "")
    if location.startswith("/login/enrol"):
        page = client.get(location)
        shown = SHOWN_KEY.search(page.text)
        assert shown, page.text
        code = code_for(shown.group(1).replace(" ", ""))
    elif location.startswith("/login/code"):
        email = _session_email(client)
        code = code_for(*stored_secret(client.app, email))
    else:
        return response
    token = session_token(client)
    return client.post(
        location.split("?")[0],
        data={"csrf_token": token, "code": code, "next": "/"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )


def _session_email(client: TestClient) -> str:
    state = client.app.state.context  # type: ignore[attr-defined]
    claim = security.read_session_cookie(
        state.secret_key, client.cookies.get(security.SESSION_COOKIE)
    )
    assert claim is not None
    with state.db.session() as session:
        user = session.get(User, claim.user_id)
        assert user is not None
        return user.email


def session_token(client: TestClient) -> str:
    key = client.app.state.context.secret_key  # type: ignore[attr-defined]
    cookie = client.cookies.get(security.SESSION_COOKIE)
    assert cookie
    return security.csrf_token(key, cookie)
