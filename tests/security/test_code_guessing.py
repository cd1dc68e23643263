"""Guessing the six-digit code after a known password: the failed-login lock-out counts per
account *and exact address*, so a client rotating addresses inside its IPv6 /64 would get a
fresh budget per address. The code and enrolment posts therefore count against the login
rate limit, which holds a whole /64 (or IPv4 address) to SAFEYARD_RATE_LIMIT_LOGIN per window."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts import security
from app.accounts.models import UserRole
from app.main import create_app
from app.platform.config import Settings
from app.platform.db import Database
from tests.accounts.support import create_user, log_in, logged_in, session_token

LIMIT = 4


@pytest.fixture(scope="module")
def tight_app(settings: Settings) -> Iterator[FastAPI]:
    # A lock-out that never triggers here: only the rate limit can stop the guesses.
    app = create_app(
        settings.model_copy(update={"rate_limit_login": LIMIT, "login_max_failures": 1000})
    )
    with TestClient(app):
        yield app


def _from(app: FastAPI, address: str, cookies: object = None) -> TestClient:
    client = TestClient(
        app,
        client=(address, 40000),
        headers={"Accept-Language": "en", "Origin": "http://testserver"},
    )
    if cookies is not None:
        client.cookies = cookies  # type: ignore[assignment]
    return client


@pytest.mark.parametrize("step", ["/login/code", "/login/enrol"])
def test_code_guesses_from_one_network_are_rate_limited(
    client: TestClient, tight_app: FastAPI, db: Database, step: str
) -> None:
    user = create_user(db, role=UserRole.admin)
    if step == "/login/code":
        logged_in(client.app, user)  # enrolled: the next login asks for the code
    network = f"2001:db8:{random.randrange(1 << 16):x}:{random.randrange(1 << 16):x}"
    first = _from(tight_app, f"{network}::1")
    answer = log_in(first, user.email)
    assert answer.headers["location"].startswith(step), answer.headers
    statuses = []
    for n in range(2, 2 + 2 * LIMIT):
        # Each guess from another address of the same /64, with the half-done session.
        guesser = _from(tight_app, f"{network}::{n:x}", first.cookies)
        token = session_token(guesser)
        response = guesser.post(
            step, data={"csrf_token": token, "code": "000000", "next": "/"}, follow_redirects=False
        )
        statuses.append(response.status_code)
    # The password post used one of the LIMIT attempts.
    assert statuses[: LIMIT - 1] == [401] * (LIMIT - 1), statuses
    assert set(statuses[LIMIT - 1 :]) == {429}, statuses
    assert security.SESSION_COOKIE in first.cookies
