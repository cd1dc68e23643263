"""Numbers typed into staff pages: Unicode digits (``²``, ``٣``) and numbers too large for a
row id are refused with a 4xx, never a 500 (``str.isdigit`` is true for ``²``, but ``int``
cannot read it; a 40-digit yard number overflows the database's integer)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.platform.db import Database
from tests.accounts.support import PASSWORD, create_user, logged_in, new_email

# Superscript two, Arabic-Indic three, a fraction: each passes str.isdigit or str.isnumeric.
UNICODE_NUMBERS = ["²", "٣", "½", "𝟗"]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def admin(client: TestClient, db: Database) -> TestClient:
    staff = logged_in(client.app, create_user(db, role=UserRole.admin))
    staff.headers["Accept-Language"] = "en"
    return staff


@pytest.mark.parametrize("number", UNICODE_NUMBERS)
@pytest.mark.parametrize(
    "path",
    [
        "/yards/{n}/report.pdf",
        "/admin/audit?page={n}",
        "/admin/audit.csv?page={n}",
        "/inspector?months={n}",
    ],
)
def test_unicode_numbers_in_paths_and_queries(admin: TestClient, path: str, number: str) -> None:
    # The test client raises the server's exception: a 500 fails here.
    response = admin.get(path.format(n=number))
    assert response.status_code < 500, response.text[:300]


@pytest.mark.parametrize("yards", [*UNICODE_NUMBERS, "1" * 40, "99999999999"])
def test_yard_numbers_of_a_new_account(admin: TestClient, yards: str) -> None:
    page = admin.get("/admin/users")
    match = TOKEN.search(page.text)
    assert match
    response = admin.post(
        "/admin/users",
        data={
            "csrf_token": match.group(1),
            "email": new_email("coop"),
            "role": "cooperative",
            "yards": yards,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 400, response.text[:300]
    assert "Yards are given by their numbers" in response.text
