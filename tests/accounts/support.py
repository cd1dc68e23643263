"""Helpers for the accounts tests: users committed to the test database, and clients of
their own (the shared ``client`` keeps no session cookie for the other tests)."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi.testclient import TestClient

from app.accounts import security
from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.db import Database

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@Example.KZ"


def create_user(
    db: Database,
    *,
    role: UserRole,
    email: str | None = None,
    links: accounts_service.Links | None = None,
) -> User:
    with db.write_session() as session:
        return accounts_service.create_user(
            session,
            email=email or new_email(role.value),
            name=f"Test {role.value}",
            role=role,
            password=PASSWORD,
            links=links or accounts_service.Links([], [], []),
        )


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
    """A client with the user's session, sending the headers a browser of the site sends."""
    client = fresh_client(app, Origin="http://testserver")
    response = log_in(client, user.email)
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = session_token(client)
    return client


def session_token(client: TestClient) -> str:
    key = client.app.state.secret_key  # type: ignore[attr-defined]
    cookie = client.cookies.get(security.SESSION_COOKIE)
    assert cookie
    return security.csrf_token(key, cookie)
